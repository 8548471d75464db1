"""Input products computed a few rows ahead inside the loop that reads them.

`hoist-invariants` turns `x_t . W` in a loop body into one product `Y = X . W`
before the loop, which BLAS runs at the FMA units' peak. The loop's state
product `h . U` with a packed `U` (see `scanc.lowering.panels`) waits on the
cache for `U` and leaves half of those units idle. When a loop's only use of
one or more products `X . W_p` (one `X`, float64) is as sequences read at tap 0,
and its body has such a packed state product, lowering computes them inside
the loop instead, in 8 x 16 tiles that the panel kernel interleaves with its
own panels (`scanc.codegen.kernels`, `kernel.vecmat_panels_tiles`):

    Y    = [Y_0 Y_1 ...] (rows x sum of columns; each Y_p is a view of it)
    B    = [W_0 W_1 ...] packed in 16-column tile panels        (before the loop)
    rows 0-15 of Y by the tiles kernel                          (before the loop)
    step t: h . U and the next tiles, ceil(tile panels / 8) of them, in one call

Step `t` only reads row `t`, and rows are always at least 9 ahead of it (a
step computes at least one row's worth of tiles, and the first 16 rows are
done before the first step). A step of an LSTM with hidden size 256 takes 9%
less than its two parts one after the other (docs/performance.md).

The tiles need, checked before the loop: `U` packed, every `W_p`'s columns a
multiple of 16, at least 16 steps and `X`'s rows contiguous. Otherwise, and
when the body has no packed state product for the tiles to ride on, the
products run before the loop as they would without this. Rows past the
loop's last step (`n_steps`, `until`) are not computed: nothing else reads
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanc.codegen import kernels
from scanc.dialects import kernel, st
from scanc.dialects.scan import LoopOp
from scanc.lowering import kernel_calls
from scanc.lowering.builder import subview
from scanc.lowering.elementwise import dtype
from scanc.lowering.values import Buffer, Lazy, Lowered, Scope, no_data
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering

#: rows of `Y` computed before the first step (two row groups of tiles)
GROUPS_BEFORE = 2

#: loops of fewer steps compute the products before the loop
MIN_STEPS = GROUPS_BEFORE * kernels.TILE_ROWS


@dataclass
class Deferred:
    """One product `X . W` whose lowering waits for the loop that reads it."""

    x: Buffer
    w: Lowered
    #: the columns of `W`
    columns: SSAValue
    #: whether BLAS may read copies of operands it cannot read where they are
    #: (`kernel_calls.call_kernel`'s `copy_matrices`)
    copy: bool


@dataclass
class InputProducts:
    """The products of one `X` that a loop reads, side by side in `y`."""

    x: Buffer
    products: list[Deferred]
    y: Buffer
    #: the first column of each product in `y`
    offsets: list[SSAValue]
    #: whether a state product in the body computes the tiles
    claimed: bool = False


@dataclass
class Tiles:
    """What a step's panel kernel call needs to compute tiles of `y`."""

    group: InputProducts
    #: i1: whether the loop computes tiles (else the products ran before it)
    tiled: SSAValue
    #: `B`: the matrices packed in tile panels, `[tile_cols, k, TILE_COLUMNS]`
    packed: Buffer
    #: rows of `y` to compute: the loop's steps
    rows: SSAValue
    #: tiles in all, and those computed before the loop
    tiles: SSAValue
    before: SSAValue
    per_step: SSAValue

    def of_step(self, lw: "Lowering") -> list[SSAValue]:
        """Operands of the current step's kernel call after `reverse`: `X`,
        `B`, `Y`, rows, the step's first tile and its number of tiles."""
        b = lw.b
        first = b.addi(self.before, b.muli(lw.step(), self.per_step))
        first = b.mini(first, self.tiles)
        count = b.mini(self.per_step, b.subi(self.tiles, first))
        views = [
            kernel_calls.as_view(b, v.ref, v.sizes)
            for v in (self.group.x, self.packed, self.group.y)
        ]
        return [*views, self.rows, first, count]


def deferrable(op: st.DotOp) -> bool:
    """Whether the matrix product `op` (float64) is read only by a loop in the
    same block, as a sequence at tap 0, and that loop's body has a vector-matrix
    product."""
    if dtype(op.result) != "float64" or op.result.uses.get_length() != 1:
        return False
    use = next(iter(op.result.uses))
    loop = use.operation
    if not isinstance(loop, LoopOp) or loop.parent_block() is not op.parent_block():
        return False
    position = use.index - (0 if loop.n_steps is None else 1)
    if not 0 <= position < len(loop.sequences):
        return False
    if loop.sequence_taps()[position] != (0,):
        return False
    return any(_is_vector_matrix(body_op) for body_op in loop.body.block.ops)


def _is_vector_matrix(op) -> bool:
    return (
        isinstance(op, st.DotOp)
        and op.lhs.type.get_num_dims() == 1
        and op.rhs.type.get_num_dims() == 2
        and dtype(op.result) == "float64"
    )


def defer(lw: "Lowering", op: st.DotOp, x: Buffer, w: Lowered) -> Lowered:
    """Leave `x . w` to the loop that reads it (see `gather`); until then a
    stand-in that knows its sizes."""
    copy = kernel_calls.copy_outside_loops(op)
    lw.deferred[op.result] = Deferred(x, w, w.sizes[1], copy)
    return Lazy("float64", [x.sizes[0], w.sizes[1]], no_data)


def gather(lw: "Lowering", loop: LoopOp) -> InputProducts | None:
    """Before `loop`: one buffer for the deferred products among its sequences
    that share the first one's `X`, each product a view of it; the others are
    computed now."""
    deferred = [(v, lw.deferred.pop(v)) for v in loop.sequences if v in lw.deferred]
    if not deferred:
        return None
    b, x = lw.b, deferred[0][1].x
    for v, d in deferred:
        if d.x is not x:
            lw.values[v] = lw.new_buffer("float64", [d.x.sizes[0], d.columns])
            kernel_calls.matrix_product(lw, d.x, d.w, lw.values[v], d.copy)
    group = [(v, d) for v, d in deferred if d.x is x]
    offsets, columns = [], b.const(0)
    for _, d in group:
        offsets.append(columns)
        columns = b.addi(columns, d.columns)
    y = lw.new_buffer("float64", [x.sizes[0], columns])
    for (v, d), offset in zip(group, offsets):
        lw.values[v] = _columns(b, y, offset, d.columns)
    return InputProducts(x, [d for _, d in group], y, offsets)


def _columns(b, y: Buffer, first: SSAValue, count: SSAValue) -> Buffer:
    """Columns `first` to `first + count - 1` of `y`, as a view."""
    zero, one = b.const(0), b.const(1)
    rows = y.sizes[0]
    ref = subview(b, y.ref, [zero, first], [rows, count], [one, one], 2)
    return Buffer(y.dtype, [rows, count], ref)


def products_now(lw: "Lowering", group: InputProducts) -> None:
    """Every product of `group` (all rows), as without this module."""
    for d, offset in zip(group.products, group.offsets):
        out = _columns(lw.b, group.y, offset, d.columns)
        kernel_calls.matrix_product(lw, group.x, d.w, out, d.copy)


def claim(lw: "Lowering", packed: SSAValue) -> Tiles | None:
    """For a state product in the body of the innermost loop whose matrix is
    packed when `packed`: the tiles of that loop's input products, set up
    before the loop (`B` and the first rows, or all of the products when the
    tiles cannot run). None when the loop has no input products or another
    state product took them."""
    scope = lw.scopes[-1]
    group: InputProducts | None = scope.input_products
    if group is None or group.claimed:
        return None
    group.claimed = True
    b = lw.b
    with b.at(scope.preheader):
        tiled = _can_tile(lw, group, packed, scope)
        width = b.const(kernels.TILE_COLUMNS)
        tile_cols = b.add(arith.DivSIOp(group.y.sizes[1], width))
        tile_cols = b.select(tiled, tile_cols, b.const(0))
        packed_b = lw.new_buffer("float64", [tile_cols, group.x.sizes[1], width])
        rows = scope.steps
        height = b.const(kernels.TILE_ROWS)
        row_groups = b.add(
            arith.DivSIOp(b.addi(rows, b.const(kernels.TILE_ROWS - 1)), height)
        )
        # at least one row's worth of tiles per step
        per_step = b.add(
            arith.DivSIOp(b.addi(tile_cols, b.const(kernels.TILE_ROWS - 1)), height)
        )
        count = b.muli(row_groups, tile_cols)
        before = b.mini(count, b.muli(b.const(GROUPS_BEFORE), tile_cols))
        tiles = Tiles(group, tiled, packed_b, rows, count, before, per_step)

        def first_rows() -> None:
            _pack(lw, group, packed_b)
            extra = [rows, b.const(0), before]
            op = kernel.GemmTilesOp
            kernel_calls.call_kernel(lw, op, group.x, packed_b, group.y, None, *extra)

        b.if_(tiled, first_rows, lambda: products_now(lw, group))
    return tiles


def _can_tile(lw, group: InputProducts, packed: SSAValue, scope: Scope) -> SSAValue:
    """i1: the state product's matrix is packed, the loop runs at least
    `MIN_STEPS` steps, every product has whole tile panels of columns and the
    tiles kernel can read `X` where it is."""
    b = lw.b
    conditions = [packed, b.cmpi("sge", scope.steps, b.const(MIN_STEPS))]
    width = b.const(kernels.TILE_COLUMNS)
    for d in group.products:
        remainder = b.add(arith.RemSIOp(d.columns, width))
        conditions.append(b.cmpi("eq", remainder, b.const(0)))
    readable = kernel_calls.kernel_reads(b, [group.x])
    if readable is not None:
        conditions.append(readable)
    return b.all_of(conditions)


def _pack(lw, group: InputProducts, packed: Buffer) -> None:
    """`packed[c, i, j] = W[i, c * 16 + j]`, the products' `W`s side by side."""
    b = lw.b
    width, k = packed.sizes[2], packed.sizes[1]
    for d, offset in zip(group.products, group.offsets):
        first = b.add(arith.DivSIOp(offset, width))
        panels = b.add(arith.DivSIOp(d.columns, width))

        def element(idx: list[SSAValue]) -> None:
            c, i, j = idx
            value = d.w.load(b, [i, b.addi(b.muli(c, width), j)])
            b.store(value, packed.ref, [b.addi(first, c), i, j])

        b.loop_nest([panels, k, width], element)
