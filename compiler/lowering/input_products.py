"""Lowering of `st.input_products`: the products computed a few rows ahead
inside the loop that reads them (`input-products-in-loop` decides which).

The products wait (`Pending`) until that loop knows its steps; then, before
the loop:

    Y    = [Y_0 Y_1 ...] (rows x sum of columns; each Y_p is a view of it)
    B    = [W_0 W_1 ...] packed in 16-column tile panels        (before the loop)
    rows 0-15 of Y by the tiles kernel                          (before the loop)
    step t: h . U and the next tiles, ceil(tile panels / 8) of them, in one call
            (the loop's `st.panel_dot` marked `tiles`)

Step `t` only reads row `t`, and rows are always at least 9 ahead of it (a
step computes at least one row's worth of tiles, and the first 16 rows are
done before the first step).

The tiles need, checked before the loop: the `tiles` product's panels packed,
every `W_p`'s columns a multiple of 16, at least `min_steps` steps and `X`'s
rows contiguous. Otherwise the products run before the loop as `st.dot`
would. Rows past the loop's last step (`n_steps`, `until`) are not computed:
nothing else reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanc.codegen import kernels
from scanc.dialects import kernel, st
from scanc.dialects.scan import LoopOp
from scanc.lowering import kernel_calls
from scanc.lowering.builder import subview
from scanc.lowering.panels import Panels
from scanc.lowering.values import Buffer, Lowered
from scanc.passes.input_products_in_loop import GROUPS_BEFORE
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


@dataclass
class Group:
    """The products of one `st.input_products`: `X . W_p` for each `W_p`."""

    x: Buffer
    matrices: list[Lowered]
    #: whether BLAS may read copies of operands it cannot read where they are
    #: (`kernel_calls.call_kernel`'s `copy_matrices`)
    copy: bool
    min_steps: int


@dataclass
class Pending(Lowered):
    """Product `index` of `group`, until the loop that reads it lowers it."""

    group: Group = None  # type: ignore[assignment]
    index: int = 0


@dataclass
class InputProducts:
    """The products side by side in `y`, each a view of its columns."""

    group: Group
    y: Buffer
    #: the first column of each product in `y`
    offsets: list[SSAValue]

    def columns(self, p: int) -> SSAValue:
        return self.group.matrices[p].sizes[1]


@dataclass
class Tiles:
    """What a step's panel kernel call needs to compute tiles of `y`."""

    products: InputProducts
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
        group = self.products.group
        views = [
            kernel_calls.as_view(b, v.ref, v.sizes)
            for v in (group.x, self.packed, self.products.y)
        ]
        return [*views, self.rows, first, count]


def lower_input_products(lw: "Lowering", op: st.InputProductsOp) -> list[Lowered]:
    """Stand-ins that know their sizes, until the loop that reads them."""
    b, x = lw.b, lw.materialize(lw.get(op.x))
    matrices = [lw.materialize(lw.get(w)) for w in op.matrices]
    for w in matrices:
        aligned = b.cmpi("eq", x.sizes[1], w.sizes[0])
        b.check(aligned, "ValueError: dot: shapes are not aligned")
    group = Group(
        x, matrices, kernel_calls.copy_outside_loops(op), op.min_steps.value.data
    )
    rows = x.sizes[0]
    return [
        Pending("float64", [rows, w.sizes[1]], group, p) for p, w in enumerate(matrices)
    ]


def gather(lw: "Lowering", loop: LoopOp, seqs: list[Lowered]) -> InputProducts | None:
    """One buffer for the pending products among the sequences `seqs` of
    `loop` (each replaced by a view of its columns), allocated before it."""
    pending = [(j, v) for j, v in enumerate(seqs) if isinstance(v, Pending)]
    if not pending:
        return None
    b, group = lw.b, pending[0][1].group
    offsets, width = [], b.const(0)
    for w in group.matrices:
        offsets.append(width)
        width = b.addi(width, w.sizes[1])
    y = lw.new_buffer("float64", [group.x.sizes[0], width])
    products = InputProducts(group, y, offsets)
    for j, value in pending:
        seqs[j] = lw.values[loop.sequences[j]] = _view(b, products, value.index)
    return products


def place(
    lw: "Lowering", products: InputProducts, panels: Lowered | None, steps
) -> Tiles | None:
    """Before a loop of `steps` steps: the tiles its `tiles` product computes
    with `panels` (the first rows computed here), or all of the products now
    when the tiles cannot run."""
    if not isinstance(panels, Panels):
        products_now(lw, products)
        return None
    return _tiles(lw, products, panels.packed, steps)


def _view(b, products: InputProducts, p: int) -> Buffer:
    return _columns(b, products.y, products.offsets[p], products.columns(p))


def _columns(b, y: Buffer, first: SSAValue, count: SSAValue) -> Buffer:
    """Columns `first` to `first + count - 1` of `y`, as a view."""
    zero, one = b.const(0), b.const(1)
    rows = y.sizes[0]
    ref = subview(b, y.ref, [zero, first], [rows, count], [one, one], 2)
    return Buffer(y.dtype, [rows, count], ref)


def products_now(lw: "Lowering", products: InputProducts) -> None:
    """Every product (all rows), as `st.dot` would compute them."""
    group = products.group
    for p, w in enumerate(group.matrices):
        out = _view(lw.b, products, p)
        kernel_calls.matrix_product(lw, group.x, w, out, group.copy)


def _tiles(lw: "Lowering", products: InputProducts, packed: SSAValue, steps) -> Tiles:
    """`B` and the first rows of `y` when the tiles can run, else all of the
    products; what the steps' kernel calls need."""
    b, group = lw.b, products.group
    tiled = _can_tile(lw, products, packed, steps)
    width = b.const(kernels.TILE_COLUMNS)
    tile_cols = b.add(arith.DivSIOp(products.y.sizes[1], width))
    tile_cols = b.select(tiled, tile_cols, b.const(0))
    packed_b = lw.new_buffer("float64", [tile_cols, group.x.sizes[1], width])
    height = b.const(kernels.TILE_ROWS)
    row_groups = b.add(
        arith.DivSIOp(b.addi(steps, b.const(kernels.TILE_ROWS - 1)), height)
    )
    # at least one row's worth of tiles per step
    per_step = b.add(
        arith.DivSIOp(b.addi(tile_cols, b.const(kernels.TILE_ROWS - 1)), height)
    )
    count = b.muli(row_groups, tile_cols)
    before = b.mini(count, b.muli(b.const(GROUPS_BEFORE), tile_cols))
    tiles = Tiles(products, tiled, packed_b, steps, count, before, per_step)

    def first_rows() -> None:
        _pack(lw, products, packed_b)
        extra = [steps, b.const(0), before]
        op = kernel.GemmTilesOp
        kernel_calls.call_kernel(lw, op, group.x, packed_b, products.y, None, *extra)

    b.if_(tiled, first_rows, lambda: products_now(lw, products))
    return tiles


def _can_tile(lw, products: InputProducts, packed: SSAValue, steps) -> SSAValue:
    """i1: the state product's matrix is packed, the loop runs at least
    `min_steps` steps, every product has whole tile panels of columns and the
    tiles kernel can read `X` where it is."""
    b, group = lw.b, products.group
    conditions = [packed, b.cmpi("sge", steps, b.const(group.min_steps))]
    width = b.const(kernels.TILE_COLUMNS)
    for p in range(len(group.matrices)):
        remainder = b.add(arith.RemSIOp(products.columns(p), width))
        conditions.append(b.cmpi("eq", remainder, b.const(0)))
    readable = kernel_calls.kernel_reads(b, [group.x])
    if readable is not None:
        conditions.append(readable)
    return b.all_of(conditions)


def _pack(lw, products: InputProducts, packed: Buffer) -> None:
    """The products' `W`s side by side in `scanc.codegen.kernels.tile_layout`:
    `packed[c, i, j] = W[i, c * 16 + j]`."""
    b = lw.b
    width, k = packed.sizes[2], packed.sizes[1]
    for p, (w, offset) in enumerate(zip(products.group.matrices, products.offsets)):
        first = b.add(arith.DivSIOp(offset, width))
        panels = b.add(arith.DivSIOp(products.columns(p), width))

        def element(idx: list[SSAValue], w=w, first=first) -> None:
            c, i, j = idx
            value = w.load(b, [i, b.addi(b.muli(c, width), j)])
            b.store(value, packed.ref, [b.addi(first, c), i, j])

        b.loop_nest([panels, k, width], element)
