"""What the graph-stage passes share to build IR in place (not a pass itself:
compiler/passes/ holds one pass per file)."""

from __future__ import annotations

from collections.abc import Callable

from scanc.dialects import st
from scanc.graph import TensorVariable, recording_scope, wrap
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, TensorType, i64
from xdsl.ir import Operation, SSAValue

#: the type of index scalars in the graph stage
INDEX_SCALAR = TensorType(i64, [])


def insert_before(anchor: Operation, op: Operation) -> SSAValue:
    """Put `op` just before `anchor`; its (first) result."""
    anchor.parent_block().insert_op_before(op, anchor)  # type: ignore[union-attr]
    return op.results[0]


def index_constant(anchor: Operation, value: int) -> SSAValue:
    """An int64 scalar constant placed before `anchor`."""
    attr = DenseIntOrFPElementsAttr.from_list(INDEX_SCALAR, [value])
    return insert_before(anchor, ConstantOp(attr, INDEX_SCALAR))


def replace_by_built(op: Operation, build: Callable[[], TensorVariable]) -> None:
    """Replace the one-result `op` by what `build()` makes with the tensor API:
    its ops go before `op`, cast to `op`'s type where the API inferred another."""
    with recording_scope() as scope:
        value = build()
        if value.ir_type != op.results[0].type:
            value = wrap(st.CastOp(value.value, op.results[0].type))
    for new in scope.ops:
        insert_before(op, new)
    op.results[0].replace_all_uses_with(value.value)
    op.detach()
    op.erase()
