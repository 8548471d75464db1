"""The `split-concat-products` pass: distribute a product over a concatenation.

Expects: graph/opt-stage IR. A vector-matrix product whose vector is a
concatenation of vectors becomes the sum of the products of each piece with the
matching rows of the matrix:

    %xh = st.concatenate(%x, %h) {axis = 0 : i64}
    %y = st.dot %xh, %W
  becomes
    %y = st.dot %x, %W[0 : len(%x)]  +  st.dot %h, %W[len(%x) : len(%x) + len(%h)]

In an LSTM step (`concat(x_t, h) . W`) this separates the part that reads the
sequence from the part that reads the state: `hoist-invariants` then batches
`x_t . W_x` over all steps into one matrix product, and `merge-matmuls` merges
the gates' `h . W_h`. The row slices are views. Untouched: concatenations used
by anything else than this product stay as they are (the product still splits).
"""

from __future__ import annotations

from scanc.dialects import st
from scanc.rewriting import INDEX_SCALAR, index_constant, insert_before
from xdsl.context import Context
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass


def _splittable(op: Operation) -> bool:
    if not isinstance(op, st.DotOp):
        return False
    concat = op.lhs.owner
    return (
        isinstance(concat, st.ConcatenateOp)
        and op.lhs.type.get_num_dims() == 1  # type: ignore[attr-defined]
        and op.rhs.type.get_num_dims() == 2  # type: ignore[attr-defined]
        and len(concat.inputs) > 1
    )


def split(dot: st.DotOp) -> None:
    """Replace `dot(concatenate(pieces), W)` by the sum of the pieces' products."""
    concat = dot.lhs.owner
    assert isinstance(concat, st.ConcatenateOp)
    start = index_constant(dot, 0)
    total: SSAValue | None = None
    matrix_type = dot.rhs.type
    for piece in concat.inputs:
        length = insert_before(dot, st.DimOp(piece, 0))
        stop = insert_before(
            dot, st.ElementwiseOp("add", [start, length], INDEX_SCALAR)
        )
        rows_type = TensorType(
            matrix_type.element_type,  # type: ignore[attr-defined]
            [DYNAMIC_INDEX, matrix_type.get_shape()[1]],  # type: ignore[attr-defined]
        )
        rows = insert_before(
            dot, st.SubtensorOp(dot.rhs, ["sxx_"], [start, stop], rows_type)
        )
        product = insert_before(dot, st.DotOp(piece, rows, dot.result.type))
        total = (
            product
            if total is None
            else insert_before(
                dot, st.ElementwiseOp("add", [total, product], dot.result.type)
            )
        )
        start = stop
    dot.result.replace_all_uses_with(total)  # type: ignore[arg-type]
    dot.detach()
    dot.erase()
    if not concat.result.uses:
        concat.detach()
        concat.erase()


class SplitConcatProductsPass(ModulePass):
    name = "split-concat-products"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for dot in [o for o in op.walk() if _splittable(o)]:
            split(dot)  # type: ignore[arg-type]
