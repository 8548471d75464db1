"""Hand-vectorized kernels, built once per machine into the kernel library
(`library`; the JIT loads it once per process, from the compile cache when it is
there, `scanc.runtime.jit.load_kernel_library`). A module that calls a kernel
only declares it, under the machine's name (`machine_name`). Tests build a
kernel into a module of their own (`how="internal"`).

`scanc_vecmat_f64` / `scanc_vecmat_f32`: `out = x . W` for a vector `x` of k
elements (any increment) and a k x n matrix `W` whose rows are contiguous (row
stride `ldw`). It is written with explicit vectors because its speed is its
whole point:

- Columns go in panels of `PANEL_VECTORS` vectors. A panel's sums stay in
  registers while the kernel walks all k rows of the panel (one broadcast of
  `x[i]` and one vector FMA per vector of `W`), so each element of `W` is read
  once and nothing else touches memory.
- Panels start at the first column whose address is a whole vector's, so with
  AVX-512 each load is one cache line, not parts of two (1.4x faster for a
  256 x 1024 matrix at a 16-byte offset). The columns before it, and those
  after the last panel, are summed in one more pass.
- `reverse` (0 or 1) walks the panels from the last to the first. A loop that
  multiplies by the same matrix at every step passes its step's parity: when
  the matrix is larger than the core's L2 cache, each step then starts on the
  panels the previous step read last, which are still in L2, instead of on the
  ones evicted longest ago (LRU thrashing). For a 256 x 1024 float64 matrix
  (2 MiB, L2 1 MiB) a step takes about 22 us against 24.5 in one direction and
  29 for OpenBLAS's gemv on this machine.

`scanc_vecmat_panels_f64` / `..._f32`: the same product with `W` packed in
column panels (see `PANEL_BYTES`): panel `q` holds columns `q * P` to
`q * P + P - 1` of every row, row after row, zero past the last column. A
loop that multiplies by the same large matrix at every step packs it once
before the loop (`scanc.lowering.panels`): the kernel then reads one
contiguous stream per panel instead of a piece of every row, each on another
page, which the hardware prefetchers follow better (measured on this
machine's Zen 4 core, float64: 22.2 -> 21.1 us per step at 256 x 1024, 23.2
-> 21.2 at 512 x 512, 114 -> 91 at 1024 x 1024; no change for a matrix that
fits in L2).

Every column's sum runs over i in order with one fused multiply-add per term,
whichever pass or kernel computes it and whatever `reverse` says, so results
do not depend on the traversal, the alignment or the packing.

`scanc_vecmat_panels_tiles_f64`: the panel kernel that also computes a few
register tiles of a matrix product `Y = A . B` in the same walk over its rows
(`_Tiles`, `_PanelVecMatTiles`; `scanc.lowering.input_products` says when),
and `scanc_gemm_tiles_f64`, the tiles alone.
"""

from __future__ import annotations

from collections.abc import Callable

import hashlib

import numpy as np
from llvmlite import ir
from scanc.codegen.llvm_types import f32, f64, i64, ptr

#: vectors of sums one panel keeps in registers (8 of 32 AVX-512 registers,
#: or 8 of 16 AVX2 registers at AVX2's width)
PANEL_VECTORS = 8

#: bytes of a row of one panel of a packed matrix: 8 AVX-512 vectors, so one
#: pass of the kernel sums a whole panel (two passes at AVX2's width)
PANEL_BYTES = 512

VECMAT = {"float64": "scanc_vecmat_f64", "float32": "scanc_vecmat_f32"}
VECMAT_PANELS = {
    "float64": "scanc_vecmat_panels_f64",
    "float32": "scanc_vecmat_panels_f32",
}


#: `scanc_vecmat_panels_f64` that also computes tiles of a matrix product
VECMAT_PANELS_TILES = "scanc_vecmat_panels_tiles_f64"

#: tiles of a matrix product alone (see `_Tiles`)
GEMM_TILES = "scanc_gemm_tiles_f64"

#: rows and columns of one tile of a matrix product (`_Tiles`)
TILE_ROWS = 8
TILE_COLUMNS = 16


def panel_columns(itemsize: int) -> int:
    """Columns of one panel of a packed matrix of `itemsize`-byte elements."""
    return PANEL_BYTES // itemsize


def panel_layout(w: np.ndarray) -> np.ndarray:
    """The panel layout of a k x n matrix, as NumPy: `[panels, k, P]`, panel
    `q` holding columns `q * P` to `q * P + P - 1` of every row, zero past the
    last column (what `st.pack_panels` makes and the panel kernels read)."""
    k, n = w.shape
    width = panel_columns(w.itemsize)
    count = -(-n // width)
    padded = np.zeros((k, count * width), w.dtype)
    padded[:, :n] = w
    return np.ascontiguousarray(padded.reshape(k, count, width).transpose(1, 0, 2))


def tile_layout(b: np.ndarray) -> np.ndarray:
    """The tile-panel layout of a k x n matrix (n a multiple of
    `TILE_COLUMNS`), as NumPy: `[n / 16, k, 16]` (what
    `scanc.lowering.input_products` makes and the tiles kernels read)."""
    k, n = b.shape
    width = TILE_COLUMNS
    return np.ascontiguousarray(b.reshape(k, n // width, width).transpose(1, 0, 2))


def vector_lanes(element: ir.Type, features: str) -> int:
    """Elements per vector register of the target: 512 bits with AVX-512, else 256."""
    bits = 512 if "+avx512f" in features.split(",") else 256
    return bits // (64 if element == f64 else 32)


def vecmat(
    module: ir.Module, element: ir.Type, features: str, how: str = "internal"
) -> ir.Function:
    """The vector-matrix kernel for `element`, in `module` once (see `_define`
    for `how`)."""
    arguments = ("x", "incx", "w", "ldw", "out", "k", "n", "reverse")
    return _define(module, VECMAT, arguments, _VecMat, element, features, how)


def vecmat_panels(
    module: ir.Module, element: ir.Type, features: str, how: str = "internal"
) -> ir.Function:
    """The kernel for a matrix packed in panels, in `module` once."""
    arguments = ("x", "incx", "w", "out", "k", "n", "reverse")
    return _define(
        module, VECMAT_PANELS, arguments, _PanelVecMat, element, features, how
    )


_TILE_ARGUMENTS = ("a", "lda", "bt", "y", "ldy", "ka", "tile_cols", "rows")


def vecmat_panels_tiles(
    module: ir.Module, features: str, how: str = "internal"
) -> ir.Function:
    """The panel kernel that also computes tiles of `Y = A . B` (float64)."""
    arguments = ("x", "incx", "w", "out", "k", "n", "reverse", *_TILE_ARGUMENTS)
    arguments += ("first", "count")
    names = {"float64": VECMAT_PANELS_TILES}
    return _define(module, names, arguments, _PanelVecMatTiles, f64, features, how)


def gemm_tiles(module: ir.Module, features: str, how: str = "internal") -> ir.Function:
    """Tiles of `Y = A . B` alone (float64)."""
    arguments = (*_TILE_ARGUMENTS, "first", "count")
    names = {"float64": GEMM_TILES}
    return _define(module, names, arguments, _GemmTiles, f64, features, how)


def library(module: ir.Module, features: str) -> list[str]:
    """Define every kernel for `features` in `module`, exported under its
    machine's name: the kernel library, compiled once per machine
    (`scanc.runtime.jit.load_kernel_library`); the names it exports."""
    defined = [
        vecmat(module, f64, features, "export"),
        vecmat(module, f32, features, "export"),
        vecmat_panels(module, f64, features, "export"),
        vecmat_panels(module, f32, features, "export"),
        vecmat_panels_tiles(module, features, "export"),
        gemm_tiles(module, features, "export"),
    ]
    return [fn.name for fn in defined]


def machine_name(name: str, features: str) -> str:
    """`name` of the kernel built for `features` (one per machine, so kernels
    of two targets never share a symbol)."""
    digest = hashlib.sha256(features.encode()).hexdigest()[:12]
    return f"{name}_{digest}"


_POINTERS = ("x", "w", "out", "a", "bt", "y")


def _define(
    module, names: dict, arguments, builder, element, features, how: str
) -> ir.Function:
    """The kernel `names[dtype]` with `arguments` (the pointers do not alias,
    the rest are i64), once per module. `how`: "internal" builds it in
    `module` (private to it); "declare" only declares its machine name (the
    code is the kernel library's); "export" builds it under its machine name
    for the library."""
    name = names["float64" if element == f64 else "float32"]
    if how != "internal":
        name = machine_name(name, features)
    if name in module.globals:
        return module.globals[name]
    types = [ptr if a in _POINTERS else i64 for a in arguments]
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), types), name=name)
    for arg, arg_name in zip(fn.args, arguments):
        arg.name = arg_name
        if arg_name in _POINTERS:
            arg.add_attribute("noalias")
    if how == "declare":
        return fn
    fn.linkage = "internal" if how == "internal" else "external"
    builder(fn, element, vector_lanes(element, features)).build()
    return fn


class _VecMat:
    def __init__(self, fn: ir.Function, element: ir.Type, lanes: int):
        self.fn, self.element, self.lanes = fn, element, lanes
        self.vector = ir.VectorType(element, lanes)
        self.b = ir.IRBuilder(fn.append_basic_block("entry"))
        for arg in fn.args:
            setattr(self, arg.name, arg)
        self.fmuladd = _fmuladd(fn.module, self.vector, f"v{lanes}{_name(element)}")
        self.scalar_fmuladd = _fmuladd(fn.module, element, _name(element))

    def build(self) -> None:
        """Whole panels from the first column at an aligned address, then one
        pass over the rest (see `remainder`). Fewer columns than a vector: one
        element at a time."""
        b, lanes = self.b, self.const(self.lanes)
        with b.if_then(b.icmp_unsigned("<", self.n, lanes)):
            self.loop(self.n, lambda j, _: self.column(j))
            b.ret_void()
        head = self.unaligned_columns()
        width = self.const(self.lanes * PANEL_VECTORS)
        panels = b.udiv(b.sub(self.n, head), width)

        def panel(q: ir.Value, _) -> None:
            first = b.add(head, b.mul(self.in_order(q, panels), width))
            starts = [b.add(first, self.offset(v)) for v in range(PANEL_VECTORS)]
            self.columns(starts, [None] * PANEL_VECTORS)

        self.loop(panels, panel)
        end = b.add(head, b.mul(panels, width))
        rest = b.or_(
            b.icmp_unsigned("!=", head, self.const(0)),
            b.icmp_unsigned("!=", end, self.n),
        )
        with b.if_then(rest):
            self.remainder(head, end)
        b.ret_void()

    def remainder(self, head: ir.Value, end: ir.Value) -> None:
        """The columns outside the panels in one pass: the whole vectors after
        them (fewer than a panel's), one vector at the first columns (covering
        the `head` before the aligned ones) and one at the last columns.
        Vectors of the pass that are not needed load the first columns again
        and store nothing; covered columns that a panel also sums get the same
        sums twice (the same FMAs in the same order)."""
        b, lanes = self.b, self.const(self.lanes)
        vectors = b.udiv(b.sub(self.n, end), lanes)
        after = b.add(end, b.mul(vectors, lanes))
        starts, stores = [], []
        for v in range(PANEL_VECTORS - 1):
            needed = b.icmp_unsigned("<", self.const(v), vectors)
            starts.append(b.select(needed, b.add(end, self.offset(v)), self.const(0)))
            stores.append(needed)
        starts += [self.const(0), b.sub(self.n, lanes)]
        stores += [
            b.icmp_unsigned("!=", head, self.const(0)),
            b.icmp_unsigned("!=", after, self.n),
        ]
        self.columns(starts, stores)

    def unaligned_columns(self) -> ir.Value:
        """Columns before the first whose address is a whole vector's (64 bytes
        with AVX-512): when every row starts at the same alignment (the row
        stride is a whole number of vectors), the panels then load whole cache
        lines instead of straddling two; otherwise 0."""
        b, lanes = self.b, self.const(self.lanes)
        index = b.udiv(b.ptrtoint(self.w, i64), self.const(self.element_bytes))
        head = b.urem(b.sub(lanes, b.urem(index, lanes)), lanes)
        uniform = b.icmp_unsigned("==", b.urem(self.ldw, lanes), self.const(0))
        return b.select(uniform, head, self.const(0))

    def in_order(self, q: ir.Value, panels: ir.Value) -> ir.Value:
        """The panel the `q`-th pass sums: `q`, or `panels - 1 - q` when
        `reverse` is set."""
        b = self.b
        backwards = b.sub(b.sub(panels, self.const(1)), q)
        reverse = b.icmp_unsigned("!=", self.reverse, self.const(0))
        return b.select(reverse, backwards, q)

    def columns(self, starts: list[ir.Value], stores: list[ir.Value | None]) -> None:
        """One pass over the rows summing a vector of columns from each of
        `starts`; each is stored where its `stores` condition holds (None:
        always)."""
        b = self.b
        sums = self.sums(starts, lambda i: b.mul(i, self.ldw))
        for j, total, condition in zip(starts, sums, stores):
            address = b.gep(self.out, [j], source_etype=self.element)
            if condition is None:
                b.store(total, address, align=self.element_bytes)
            else:
                with b.if_then(condition):
                    b.store(total, address, align=self.element_bytes)

    def sums(
        self, starts: list[ir.Value], row_start: Callable[[ir.Value], ir.Value]
    ) -> list[ir.Value]:
        """Vectors of column sums over all rows: row `i` of the vector at
        `starts[v]` is read at `row_start(i) + starts[v]` of `w`."""
        zero = ir.Constant(self.vector, None)

        def row(i: ir.Value, sums: list[ir.Value]) -> list[ir.Value]:
            return self.add_row(starts, row_start, i, sums)

        return self.loop(self.k, row, [zero] * len(starts))

    def add_row(self, starts, row_start, i: ir.Value, sums: list[ir.Value]):
        """`sums` plus `x[i]` times row `i` of the vectors at `starts`."""
        b = self.b
        broadcast = self.splat(self.load_x(i))
        offset = row_start(i)
        return [
            b.call(self.fmuladd, [broadcast, self.load_vector(b.add(offset, j)), s])
            for j, s in zip(starts, sums)
        ]

    def column(self, j: ir.Value) -> None:
        b = self.b

        def row(i: ir.Value, sums: list[ir.Value]) -> list[ir.Value]:
            xi = self.load_x(i)
            wij = self.load(self.w, b.add(b.mul(i, self.ldw), j), self.element)
            return [b.call(self.scalar_fmuladd, [xi, wij, sums[0]])]

        (total,) = self.loop(self.k, row, [ir.Constant(self.element, 0.0)])
        b.store(total, b.gep(self.out, [j], source_etype=self.element))

    # -- helpers ----------------------------------------------------------------------------
    @property
    def element_bytes(self) -> int:
        return 8 if self.element == f64 else 4

    def offset(self, v: int) -> ir.Constant:
        return self.const(v * self.lanes)

    @staticmethod
    def const(value: int) -> ir.Constant:
        return ir.Constant(i64, value)

    def splat(self, value: ir.Value, vector: ir.VectorType | None = None) -> ir.Value:
        """`value` in every lane of `vector` (by default the target's)."""
        b, vector = self.b, vector or self.vector
        undefined = ir.Constant(vector, ir.Undefined)
        single = b.insert_element(undefined, value, self.const(0))
        mask = ir.Constant(
            ir.VectorType(ir.IntType(32), vector.count), [0] * vector.count
        )
        return b.shuffle_vector(single, undefined, mask)

    def load(self, pointer: ir.Value, index: ir.Value, type_: ir.Type) -> ir.Value:
        address = self.b.gep(pointer, [index], source_etype=self.element)
        return self.b.load(address, typ=type_, align=self.element_bytes)

    def load_x(self, i: ir.Value) -> ir.Value:
        return self.load(self.x, self.b.mul(i, self.incx), self.element)

    def load_vector(self, index: ir.Value) -> ir.Value:
        return self.load(self.w, index, self.vector)

    def loop(
        self,
        count: ir.Value,
        body: Callable[[ir.Value, list[ir.Value]], list[ir.Value] | None],
        carried: list[ir.Value] | None = None,
    ) -> list[ir.Value]:
        """for i in range(count), with `carried` values through the steps (phis);
        the values after the last step."""
        b, carried = self.b, carried or []
        before = b.block
        header = b.append_basic_block("loop")
        step = b.append_basic_block("step")
        after = b.append_basic_block("done")
        b.branch(header)
        b.position_at_end(header)
        i = b.phi(i64)
        phis = [b.phi(value.type) for value in carried]
        i.add_incoming(self.const(0), before)
        for phi, value in zip(phis, carried):
            phi.add_incoming(value, before)
        b.cbranch(b.icmp_unsigned("<", i, count), step, after)
        b.position_at_end(step)
        updated = body(i, phis) or []
        i.add_incoming(b.add(i, self.const(1)), b.block)
        for phi, value in zip(phis, updated):
            phi.add_incoming(value, b.block)
        b.branch(header)
        b.position_at_end(after)
        return phis


class _PanelVecMat(_VecMat):
    """`out = x . W` for `W` packed in panels: the panels in order (or
    backwards, see `reverse`), each summed in passes of `PANEL_VECTORS`
    vectors; the columns of the last panel past `n` are not stored."""

    def build(self) -> None:
        self.panels = self.panel_count()
        self.loop(self.panels, lambda q, _: self.panel(q))
        self.b.ret_void()

    def panel_count(self) -> ir.Value:
        columns = self.const(panel_columns(self.element_bytes))
        return self.b.udiv(
            self.b.add(self.n, self.b.sub(columns, self.const(1))), columns
        )

    def panel(self, q: ir.Value) -> None:
        """The columns of the `q`-th panel summed (in passes of `PANEL_VECTORS`
        vectors) and stored."""
        first = self.first_column(q)
        for start in range(0, panel_columns(self.element_bytes), self.pass_columns):
            starts = self.pass_starts(start)
            self.store_pass(first, starts, self.sums(starts, self.panel_row(first)))

    @property
    def pass_columns(self) -> int:
        return self.lanes * PANEL_VECTORS

    def pass_starts(self, start: int) -> list[ir.Value]:
        return [self.const(start + v * self.lanes) for v in range(PANEL_VECTORS)]

    def first_column(self, q: ir.Value) -> ir.Value:
        """The first column of the panel the `q`-th pass sums."""
        width = self.const(panel_columns(self.element_bytes))
        return self.b.mul(self.in_order(q, self.panels), width)

    def panel_row(self, first: ir.Value) -> Callable[[ir.Value], ir.Value]:
        """Where row `i` of the panel from column `first` starts in `w`."""
        b, width = self.b, self.const(panel_columns(self.element_bytes))
        base = b.mul(first, self.k)
        return lambda i: b.add(base, b.mul(i, width))

    def store_pass(self, first: ir.Value, starts: list[ir.Value], sums) -> None:
        for j, total in zip(starts, sums):
            self.store_columns(self.b.add(first, j), total)

    def store_columns(self, j: ir.Value, total: ir.Value) -> None:
        """`total` into `out[j:j + lanes]`, only the columns before `n`."""
        b, lanes = self.b, self.const(self.lanes)
        whole = b.icmp_unsigned("<=", b.add(j, lanes), self.n)
        with b.if_else(whole) as (then, otherwise):
            with then:
                address = b.gep(self.out, [j], source_etype=self.element)
                b.store(total, address, align=self.element_bytes)
            with otherwise:
                before_n = b.select(
                    b.icmp_unsigned("<", j, self.n), b.sub(self.n, j), self.const(0)
                )

                def lane(column: ir.Value, _) -> None:
                    address = b.gep(
                        self.out, [b.add(j, column)], source_etype=self.element
                    )
                    b.store(b.extract_element(total, column), address)

                self.loop(before_n, lane)


class _Tiles:
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

    def __init__(self, kernel: "_VecMat"):
        self.kernel, self.b = kernel, kernel.b
        self.vector = ir.VectorType(f64, TILE_COLUMNS // 2)
        self.fmuladd = _fmuladd(kernel.fn.module, self.vector, "v8f64")
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


class _GemmTiles(_VecMat):
    """Tiles `first` to `first + count - 1` of `Y = A . B` (see `_Tiles`)."""

    def build(self) -> None:
        tiles = _Tiles(self)
        self.loop(self.count, lambda j, _: tiles.run(self.b.add(self.first, j)))
        self.b.ret_void()


class _PanelVecMatTiles(_PanelVecMat):
    """`out = x . W` as `_PanelVecMat` computes it, and tiles `first` to
    `first + count - 1` of `Y = A . B` (see `_Tiles`) in the same pass: the
    panel kernel waits on the cache for `W` and leaves FMA slots idle, which a
    tile, whose `B` rows feed 8 FMAs each, fills. The tiles go one to a panel,
    spread over the panels (`count` at most `panels`; the rest after the
    panels); a panel with a tile walks the rows of both together. Only where
    one pass sums a whole panel (AVX-512); otherwise the tiles run after the
    panels."""

    def build(self) -> None:
        b, tiles = self.b, _Tiles(self)
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

    def panel_with_tile(self, q: ir.Value, tiles: _Tiles, tile: ir.Value) -> None:
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


def _name(element: ir.Type) -> str:
    return "f64" if element == f64 else "f32"


def _fmuladd(module: ir.Module, type_: ir.Type, suffix: str) -> ir.Function:
    """`llvm.fmuladd`: a * b + c, fused where the target has FMA."""
    name = f"llvm.fmuladd.{suffix}"
    if name in module.globals:
        return module.globals[name]
    return ir.Function(module, ir.FunctionType(type_, [type_] * 3), name=name)
