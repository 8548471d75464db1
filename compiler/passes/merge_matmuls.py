"""The `merge-matmuls` pass: one product instead of several with a shared vector.

Expects: `scan.loop` ops at the graph/opt stage. In a loop body, products
`st.dot %v, %W_k` with the same vector `%v` and loop-invariant matrices `%W_k`
(the LSTM's `h.W_i, h.W_f, h.W_c, h.W_o`) become one product with the matrices
concatenated once, before the loop, followed by slices of its result:

    ^bb0(%v: tensor<?xf64>, %wi: tensor<?x?xf64>, %wf: tensor<?x?xf64>):
      %i = st.dot %v, %wi    %f = st.dot %v, %wf
  becomes
    %W = st.concatenate(%Wi, %Wf) {axis = 1 : i64}        (before the loop)
    ^bb0(%v: ..., %wi: ..., %wf: ..., %w: tensor<?x?xf64>):
      %if = st.dot %v, %w
      %i = st.subtensor %if ["sxx_"](0, cols(%wi))
      %f = st.subtensor %if ["sxx_"](cols(%wi), cols(%wi) + cols(%wf))

The slices are views (no copy). Untouched: a single product, products whose
matrix changes between steps, and products of a matrix with a vector.
"""

from __future__ import annotations

from collections import defaultdict

from scanc.dialects import st
from scanc.dialects.scan import LoopOp
from scanc.rewriting import INDEX_SCALAR, index_constant, insert_before
from xdsl.context import Context
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Block, SSAValue
from xdsl.passes import ModulePass


def _invariant_matrices(loop: LoopOp) -> dict[SSAValue, SSAValue]:
    """Body argument -> the loop operand it stands for, for rank-2 invariants."""
    return {
        arg: outer
        for arg, outer in zip(loop.invariant_arguments(), loop.invariants)
        if outer.type.get_num_dims() == 2  # type: ignore[attr-defined]
    }


def _groups(loop: LoopOp) -> list[list[st.DotOp]]:
    matrices = _invariant_matrices(loop)
    by_vector: dict[SSAValue, list[st.DotOp]] = defaultdict(list)
    for op in loop.body.block.ops:
        if (
            isinstance(op, st.DotOp)
            and op.lhs.type.get_num_dims() == 1  # type: ignore[attr-defined]
            and op.rhs in matrices
        ):
            by_vector[op.lhs].append(op)
    return [dots for dots in by_vector.values() if len(dots) > 1]


def merge(loop: LoopOp, dots: list[st.DotOp]) -> LoopOp:
    """Replace `dots` (same vector, invariant matrices) by one product and slices."""
    block: Block = loop.body.block
    matrices = _invariant_matrices(loop)
    outer = [matrices[d.rhs] for d in dots]
    widths = [m.type.get_shape()[1] for m in outer]  # type: ignore[attr-defined]
    total = DYNAMIC_INDEX if DYNAMIC_INDEX in widths else sum(widths)
    element = outer[0].type.element_type  # type: ignore[attr-defined]
    rows = outer[0].type.get_shape()[0]  # type: ignore[attr-defined]
    merged_type = TensorType(element, [rows, total])
    merged = insert_before(loop, st.ConcatenateOp(outer, 1, merged_type))
    merged_arg = block.insert_arg(merged_type, len(block.args))
    first = dots[0]
    product = insert_before(
        first, st.DotOp(first.lhs, merged_arg, TensorType(element, [total]))
    )
    start = index_constant(first, 0)
    for dot in dots:
        width = insert_before(first, st.DimOp(dot.rhs, 1))
        stop = insert_before(
            first, st.ElementwiseOp("add", [start, width], INDEX_SCALAR)
        )
        piece = insert_before(
            first,
            st.SubtensorOp(product, ["sxx_"], [start, stop], dot.result.type),
        )
        dot.result.replace_all_uses_with(piece)
        start = stop
    for dot in dots:
        dot.detach()
        dot.erase()
    return loop.rebuilt(new_invariants=[merged])


class MergeMatmulsPass(ModulePass):
    name = "merge-matmuls"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for loop in [o for o in op.walk() if isinstance(o, LoopOp)]:
            for dots in _groups(loop):
                loop = merge(loop, dots)
