"""The `pack-invariant-matrices` pass: a loop-invariant matrix of `x . W`
packed once in column panels before the loop.

Expects: graph-stage IR after the `opt` passes, for a CPU `Target` (its
`pack_min_bytes` and `pack_min_steps`). Inside a `scan.loop`, `st.dot(x, W)`
of a float vector `x` reads all of `W` at every step. When `W` does not change
in the innermost loop around the product (it is defined outside that loop or
is one of its invariants), the product becomes `st.panel_dot` reading
`st.pack_panels W`, made before the outermost loop `W` does not change in and
passed down as an invariant of every loop in between:

    %r = scan.loop ... invariants(%W) {
    ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>):
      %s = st.dot %h, %w : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>
  becomes
    %p = st.pack_panels %W {min_bytes = 1048576 : i64, min_steps = 16 : i64}
    %r = scan.loop ... invariants(%W, %p) {
    ^bb0(%h: tensor<?xf64>, %w: tensor<?x?xf64>, %pp: tensor<?x?x8xf64>):
      %s = st.panel_dot %h, %pp, %w : ... -> tensor<?xf64>

Whether the panels are made is decided at run time by the sizes (`st.pack_panels`
in `scanc.dialects.st.kernels`): the copy costs about one step's reading of `W`,
and the panel kernel saves part of every step only for matrices larger than the
L2 cache (`scanc.codegen.kernels`; the measurements are in docs/performance.md,
W10), hence the target's two thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scanc.codegen import kernels
from scanc.codegen.target import Target, default
from scanc.dialects import st
from scanc.dialects.scan import LoopOp
from scanc.dtypes import dtype_of
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import BlockArgument, IRNode, SSAValue
from xdsl.passes import ModulePass

#: the element types the panel kernels take
PANEL_DTYPES = ("float64", "float32")


def is_vector_matrix(op, dtypes=PANEL_DTYPES) -> bool:
    """Whether `op` is `st.dot` of a vector and a matrix of one of `dtypes`."""
    return (
        isinstance(op, st.DotOp)
        and op.lhs.type.get_num_dims() == 1
        and op.rhs.type.get_num_dims() == 2
        and dtype_of(op.result.type) in dtypes
    )


def loops_unchanged_in(matrix: SSAValue, user) -> list[tuple[LoopOp, SSAValue]]:
    """The scan loops around `user`, innermost first, that leave `matrix`
    unchanged (it is defined outside the loop or is one of the loop's
    invariants, then followed out of the loop), each with the value `matrix`
    is outside it."""
    value, loops = matrix, []
    loop = user.parent_op()
    while loop is not None:
        if isinstance(loop, LoopOp):
            if isinstance(value, BlockArgument) and value.block is loop.body.block:
                outer = loop.invariant_operand(value)
                if outer is None:
                    break
                value = outer
            elif loop.is_ancestor(_definition(value)):
                break
            loops.append((loop, value))
        loop = loop.parent_op()
    return loops


def _definition(value: SSAValue) -> IRNode:
    return value.block if isinstance(value, BlockArgument) else value.owner


def pass_into(loops: list[LoopOp], value: SSAValue) -> SSAValue:
    """`value` (defined before the last, outermost, of `loops`) as seen inside
    the first, innermost: an invariant of each loop, outermost first. The loops
    are rebuilt (`LoopOp.rebuilt`), so `loops` must not be used after."""
    for loop in reversed(loops):
        block = loop.body.block
        argument = block.insert_arg(value.type, len(block.args))
        loop.rebuilt([], [value])
        value = argument
    return value


def pack(op: st.DotOp, target: Target) -> None:
    """Rewrite `op` to read panels of its matrix when it is unchanged in the
    innermost loop around it."""
    unchanged = loops_unchanged_in(op.rhs, op)
    if not unchanged:
        return
    outermost, matrix = unchanged[-1]
    itemsize = np.dtype(dtype_of(op.result.type)).itemsize
    columns = kernels.panel_columns(itemsize)
    packing = st.PackPanelsOp(
        matrix, columns, target.pack_min_bytes, target.pack_min_steps
    )
    outermost.parent_block().insert_op_before(packing, outermost)
    # the loops rebuilt last to first keep the inner ones inside the outer ones
    panels = pass_into([loop for loop, _ in unchanged], packing.panels)
    product = st.PanelDotOp(op.lhs, panels, op.rhs, op.result.type)
    op.parent_block().insert_op_before(product, op)
    op.result.replace_all_uses_with(product.result)
    op.detach()
    op.erase()


@dataclass(frozen=True)
class PackInvariantMatricesPass(ModulePass):
    name = "pack-invariant-matrices"

    #: the machine whose thresholds and panel width apply (None: the default)
    target: Target | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = self.target or default()
        products = [o for o in op.walk() if is_vector_matrix(o)]
        for product in products:
            pack(product, target)
