"""The tile kernels of the kernel library (`scanc.codegen.kernels`).

`scanc_vecmat_panels_tiles_f64`: the panel kernel that also computes a few
register tiles of a matrix product `Y = A . B` in the same walk over its rows
(`Tiles`, `PanelVecMatTiles`; `scanc.lowering.input_products` says when),
and `scanc_gemm_tiles_f64`, the tiles alone.
"""

from __future__ import annotations

from llvmlite import ir
from scanc.codegen.kernel_layouts import (
    PANEL_VECTORS,
    TILE_COLUMNS,
    TILE_ROWS,
    panel_columns,
)
from scanc.codegen.llvm_types import f64, i64
from scanc.codegen.vecmat_kernels import PanelVecMat, VecMat, fmuladd


class Tiles:
    """Tiles of `Y = A . B` (float64) for the two kernels below. `B` is packed
    in tile panels, `[tile_cols, ka, TILE_COLUMNS]` (panel `c` holds columns
    `16 * c` to `16 * c + 15` of every row); tile `t` is the `TILE_ROWS` x
    `TILE_COLUMNS` block of `Y` in row group `t // tile_cols` (rows from
    `8 * g`, or the last 8 rows when fewer are left: `rows >= TILE_ROWS`) and
    column panel `t % tile_cols`. Its sums stay in registers (16 AVX-512
    vectors) while `k` walks the rows of `B`: two vectors of `B` and one
    broadcast of `A` per row of the tile, so each element of `B` read feeds
    `TILE_ROWS` FMAs. Every element is one chain of FMAs over `k` in order,
    whichever kernel computes it."""

    def __init__(self, kernel: "VecMat"):
        self.kernel, self.b = kernel, kernel.b
        self.vector = ir.VectorType(f64, TILE_COLUMNS // 2)
        self.fmuladd = fmuladd(kernel.fn.module, self.vector, "v8f64")
        # rows per pass over k: all 8 with 32 vector registers, 2 with 16
        self.pass_rows = TILE_ROWS if kernel.lanes == 8 else 2

    def origin(self, tile: ir.Value) -> tuple[ir.Value, ir.Value, ir.Value]:
        """Where tile `tile` starts in `A`, `B`'s panels and `Y`."""
        b, k = self.b, self.kernel
        group, panel = b.udiv(tile, k.tile_cols), b.urem(tile, k.tile_cols)
        first_row = b.mul(group, k.const(TILE_ROWS))
        last_group = b.sub(k.rows, k.const(TILE_ROWS))
        first_row = b.select(
            b.icmp_unsigned("<", first_row, last_group), first_row, last_group
        )
        first_column = b.mul(panel, k.const(TILE_COLUMNS))
        return (
            b.mul(first_row, k.lda),
            b.mul(first_column, k.ka),
            b.add(b.mul(first_row, k.ldy), first_column),
        )

    def zeros(self, rows: int) -> list[ir.Value]:
        return [ir.Constant(self.vector, None)] * (2 * rows)

    def add_row(self, origin, i: ir.Value, sums, rows: range) -> list[ir.Value]:
        """`sums` (of tile `rows`) plus column `i` of `A` times row `i` of `B`."""
        b, k = self.b, self.kernel
        a_base, b_base, _ = origin
        at = b.add(b_base, b.mul(i, k.const(TILE_COLUMNS)))
        halves = [k.load(k.bt, b.add(at, k.const(h * 8)), self.vector) for h in (0, 1)]
        updated = []
        for r, (low, high) in zip(rows, zip(sums[::2], sums[1::2])):
            element = b.add(b.add(a_base, b.mul(k.const(r), k.lda)), i)
            a = k.splat(k.load(k.a, element, f64), self.vector)
            updated += [
                b.call(self.fmuladd, [a, halves[0], low]),
                b.call(self.fmuladd, [a, halves[1], high]),
            ]
        return updated

    def store(self, origin, sums, rows: range) -> None:
        b, k = self.b, self.kernel
        y_base = origin[2]
        for r, (low, high) in zip(rows, zip(sums[::2], sums[1::2])):
            start = b.add(y_base, b.mul(k.const(r), k.ldy))
            for h, total in enumerate((low, high)):
                address = b.gep(k.y, [b.add(start, k.const(8 * h))], source_etype=f64)
                b.store(total, address, align=8)

    def run(self, tile: ir.Value) -> None:
        """Tile `tile` alone, in passes of `pass_rows` rows."""
        origin = self.origin(tile)
        for first in range(0, TILE_ROWS, self.pass_rows):
            rows = range(first, first + self.pass_rows)
            sums = self.kernel.loop(
                self.kernel.ka,
                lambda i, s: self.add_row(origin, i, s, rows),
                self.zeros(len(rows)),
            )
            self.store(origin, sums, rows)


class GemmTiles(VecMat):
    """Tiles `first` to `first + count - 1` of `Y = A . B` (see `Tiles`)."""

    def build(self) -> None:
        tiles = Tiles(self)
        self.loop(self.count, lambda j, _: tiles.run(self.b.add(self.first, j)))
        self.b.ret_void()


class PanelVecMatTiles(PanelVecMat):
    """`out = x . W` as `PanelVecMat` computes it, and tiles `first` to
    `first + count - 1` of `Y = A . B` (see `Tiles`) in the same pass: the
    panel kernel waits on the cache for `W` and leaves FMA slots idle, which a
    tile, whose `B` rows feed 8 FMAs each, fills. The tiles go one to a panel,
    spread over the panels (`count` at most `panels`; the rest after the
    panels); a panel with a tile walks the rows of both together. Only where
    one pass sums a whole panel (AVX-512); otherwise the tiles run after the
    panels."""

    def build(self) -> None:
        b, tiles = self.b, Tiles(self)
        panels = self.panels = self.panel_count()
        one_pass = self.pass_columns == panel_columns(self.element_bytes)

        def panel(q: ir.Value, done: list[ir.Value]) -> list[ir.Value]:
            (done,) = done
            if not one_pass:
                self.panel(q)
                return [done]
            # tile j goes with the panel ceil(j * panels / count)
            due = b.and_(
                b.icmp_unsigned("<", done, self.count),
                b.icmp_unsigned("<=", b.mul(done, panels), b.mul(q, self.count)),
            )
            with b.if_else(due) as (then, otherwise):
                with then:
                    self.panel_with_tile(q, tiles, b.add(self.first, done))
                with otherwise:
                    self.panel(q)
            return [b.add(done, b.zext(due, i64))]

        (done,) = self.loop(panels, panel, [self.const(0)])
        start = b.add(self.first, done)
        self.loop(b.sub(self.count, done), lambda j, _: tiles.run(b.add(start, j)))
        b.ret_void()

    def panel_with_tile(self, q: ir.Value, tiles: Tiles, tile: ir.Value) -> None:
        """Panel `q` and tile `tile` in one walk over their rows: both for the
        first `min(k, ka)`, then the rest of whichever has more."""
        b, starts, first = self.b, self.pass_starts(0), self.first_column(q)
        row_start = self.panel_row(first)
        origin, rows = tiles.origin(tile), range(TILE_ROWS)
        both = b.select(b.icmp_unsigned("<", self.k, self.ka), self.k, self.ka)
        zero = [ir.Constant(self.vector, None)] * PANEL_VECTORS

        def row(i: ir.Value, sums: list[ir.Value]) -> list[ir.Value]:
            panel = self.add_row(starts, row_start, i, sums[:PANEL_VECTORS])
            return panel + tiles.add_row(origin, i, sums[PANEL_VECTORS:], rows)

        sums = self.loop(both, row, zero + tiles.zeros(TILE_ROWS))
        panel_sums = self.loop(
            b.sub(self.k, both),
            lambda j, s: self.add_row(starts, row_start, b.add(both, j), s),
            sums[:PANEL_VECTORS],
        )
        tile_sums = self.loop(
            b.sub(self.ka, both),
            lambda j, s: tiles.add_row(origin, b.add(both, j), s, rows),
            sums[PANEL_VECTORS:],
        )
        self.store_pass(first, starts, panel_sums)
        tiles.store(origin, tile_sums, rows)
