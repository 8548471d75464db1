"""The `input-products-in-loop` pass: input products computed a few rows ahead
inside the loop that reads them.

Expects: graph-stage IR after `pack-invariant-matrices`. `hoist-invariants`
turns `x_t . W` in a loop body into one product `Y = X . W` before the loop,
which BLAS runs at the FMA units' peak. The loop's state product `h . U` with
packed panels waits on the cache for `U` and leaves half of those units idle.
When a loop reads one or more float64 products `X . W_p` (one `X`) only as
sequences at tap 0 and has a float64 `st.panel_dot` at the top of its body,
this pass makes them one `st.input_products` and marks the first such
`st.panel_dot` `tiles`: its kernel call also computes the next 8 x 16 tiles of
the products (`scanc.codegen.kernels`, `kernel.vecmat_panels_tiles`):

    %y0 = st.dot %X, %W0 ...
    %y1 = st.dot %X, %W1 ...
    %r = scan.loop seqs(%y0 taps [0], %y1 taps [0]) ... {
      %s = st.panel_dot %h, %p, %u ...
  becomes
    %y:2 = st.input_products %X, %W0, %W1 {min_steps = 16 : i64} ...
    %r = scan.loop seqs(%y#0 taps [0], %y#1 taps [0]) ... {
      %s = st.panel_dot %h, %p, %u {tiles} ...

How `lower-to-loops` runs it, and the run-time conditions under which the
products run before the loop after all, are in `scanc.lowering.input_products`;
what it gains on an LSTM step is measured in docs/performance.md (W10).
"""

from __future__ import annotations

from scanc.codegen import kernels
from scanc.dialects import st
from scanc.dialects.scan import LoopOp
from scanc.dialects.st.kernels import read_at_tap_zero
from scanc.dtypes import dtype_of
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnitAttr
from xdsl.passes import ModulePass

#: rows of the products computed before the first step (two row groups of tiles)
GROUPS_BEFORE = 2

#: loops of fewer steps compute the products before the loop
MIN_STEPS = GROUPS_BEFORE * kernels.TILE_ROWS


def _is_float64(value) -> bool:
    return dtype_of(value.type) == "float64"


def movable_product(value, loop: LoopOp) -> st.DotOp | None:
    """The float64 matrix product behind sequence `value` of `loop`, when the
    loop, in the same block, is its only reader, at tap 0."""
    op = value.owner
    if not isinstance(op, st.DotOp) or not _is_float64(op.result):
        return None
    if op.lhs.type.get_num_dims() != 2 or op.rhs.type.get_num_dims() != 2:
        return None
    uses = list(op.result.uses)
    if len(uses) != 1 or uses[0].operation is not loop:
        return None
    if not read_at_tap_zero(uses[0]) or loop.parent_block() is not op.parent_block():
        return None
    return op


def _tiles_product(loop: LoopOp) -> st.PanelDotOp | None:
    """The first float64 `st.panel_dot` at the top of the loop's body."""
    for op in loop.body.block.ops:
        if isinstance(op, st.PanelDotOp) and _is_float64(op.result):
            return op
    return None


def move_into(loop: LoopOp) -> None:
    """Make `loop`'s input products with the first one's `X` one
    `st.input_products` that its `tiles` product computes."""
    carrier = _tiles_product(loop)
    if carrier is None:
        return
    products = [p for v in loop.sequences if (p := movable_product(v, loop))]
    if not products:
        return
    x = products[0].lhs
    products = [p for p in products if p.lhs is x]
    grouped = st.InputProductsOp(
        x, [p.rhs for p in products], [p.result.type for p in products], MIN_STEPS
    )
    loop.parent_block().insert_op_before(grouped, loop)
    for product, result in zip(products, grouped.products):
        product.result.replace_all_uses_with(result)
        product.detach()
        product.erase()
    carrier.tiles = UnitAttr()


class InputProductsInLoopPass(ModulePass):
    name = "input-products-in-loop"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for loop in [o for o in op.walk() if isinstance(o, LoopOp)]:
            move_into(loop)
