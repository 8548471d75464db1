"""Lowering of `st.if` (the lazy `ifelse`) to `scf.if`, and of `st.check` to
a run-time check.

Each region's ops are lowered inside its branch, in a scope of their own (their
temporaries are freed when the branch ends). A scalar result is yielded as a
register; any other is yielded as a whole buffer and its sizes, since the two
branches may give different sizes. A buffer the branch allocated itself is
handed over as it is; anything else (an input, a view, an unstored
expression) is copied into a fresh one. The result buffers belong to the scope
around the `st.if`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scanc import dtypes
from scanc.dialects import st
from scanc.lowering.builder import element_type
from scanc.lowering.scalar import convert
from scanc.lowering.values import Buffer, Lowered, Scalar, store_into
from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, MemRefType
from xdsl.ir import Attribute, Region, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def lower_if(lw: "Lowering", op: st.IfOp) -> list[Lowered]:
    cond = lw.get(op.cond)
    truth = convert(lw.b, cond.load(lw.b, []), cond.dtype, "bool")
    kinds = [(dtypes.dtype_of(r.type), r.type.get_num_dims()) for r in op.outs]
    yielded = lw.b.if_(
        truth,
        _branch(lw, op, op.then_region),
        _branch(lw, op, op.else_region),
        [t for dtype, rank in kinds for t in _yield_types(dtype, rank)],
    )
    return _results(lw, kinds, yielded)


def _branch(
    lw: "Lowering", op: st.IfOp, region: Region
) -> Callable[[], list[SSAValue]]:
    def build() -> list[SSAValue]:
        with lw.scope():
            ops = list(region.block.ops)
            lw.lower_ops(ops[:-1])
            values = [lw.get(v) for v in op.branch_values(region)]
            return [part for v in values for part in _handed_over(lw, v)]

    return build


def _handed_over(lw: "Lowering", value: Lowered) -> list[SSAValue]:
    """What a branch yields for `value`: the scalar, or a buffer it owns and sizes."""
    if value.rank == 0:
        return [value.load(lw.b, [])]
    branch = lw.scopes[-1].buffers
    if isinstance(value, Buffer) and any(value is mine for mine in branch):
        branch[:] = [mine for mine in branch if mine is not value]
        return [value.ref, *value.sizes]
    ref = lw.b.alloc(element_type(value.dtype), value.sizes)
    store_into(lw.b, value, ref, value.sizes)
    return [ref, *value.sizes]


def _yield_types(dtype: str, rank: int) -> list[Attribute]:
    if rank == 0:
        return [element_type(dtype)]
    return [MemRefType(element_type(dtype), [DYNAMIC_INDEX] * rank)] + [
        IndexType()
    ] * rank


def _results(lw: "Lowering", kinds, yielded: list[SSAValue]) -> list[Lowered]:
    results: list[Lowered] = []
    at = 0
    for dtype, rank in kinds:
        if rank == 0:
            results.append(Scalar(dtype, [], yielded[at]))
            at += 1
            continue
        buffer = Buffer(dtype, yielded[at + 1 : at + 1 + rank], yielded[at], owned=True)
        lw.scopes[-1].buffers.append(buffer)
        results.append(buffer)
        at += 1 + rank
    return results


def lower_check(lw: "Lowering", op: st.CheckOp) -> Lowered:
    cond = lw.get(op.cond)
    lw.b.check(convert(lw.b, cond.load(lw.b, []), cond.dtype, "bool"), op.message.data)
    return lw.get(op.input)
