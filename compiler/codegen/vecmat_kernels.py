"""The vector-matrix kernels of the kernel library (`scanc.codegen.kernels`).

`scanc_vecmat_f64` / `scanc_vecmat_f32`: `out = x . W` for a vector `x` of k
elements (any increment) and a k x n matrix `W` whose rows are contiguous (row
stride `ldw`). It is written with explicit vectors because its speed is its
whole point:

- Columns go in panels of `PANEL_VECTORS` vectors. A panel's sums stay in
  registers while the kernel walks all k rows of the panel (one broadcast of
  `x[i]` and one vector FMA per vector of `W`), so each element of `W` is read
  once and nothing else touches memory.
- Panels start at the first column whose address is a whole vector's, so with
  AVX-512 each load is one cache line, not parts of two. The columns before
  it, and those after the last panel, are summed in one more pass.
- `reverse` (0 or 1) walks the panels from the last to the first. A loop that
  multiplies by the same matrix at every step passes its step's parity: when
  the matrix is larger than the core's L2 cache, each step then starts on the
  panels the previous step read last, which are still in L2, instead of on the
  ones evicted longest ago (LRU thrashing).

`scanc_vecmat_panels_f64` / `..._f32`: the same product with `W` packed in
column panels (see `PANEL_BYTES`): panel `q` holds columns `q * P` to
`q * P + P - 1` of every row, row after row, zero past the last column. A
loop that multiplies by the same large matrix at every step packs it once
before the loop (`scanc.lowering.panels`): the kernel then reads one
contiguous stream per panel instead of a piece of every row, each on another
page, which the hardware prefetchers follow better for matrices larger than
L2.

What each of these choices gains, measured: docs/performance.md, "The
vector-matrix kernels".

Every column's sum runs over i in order with one fused multiply-add per term,
whichever pass or kernel computes it and whatever `reverse` says, so results
do not depend on the traversal, the alignment or the packing.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir
from scanc.codegen.kernel_layouts import PANEL_VECTORS, panel_columns
from scanc.codegen.llvm_types import f64, i64


class VecMat:
    def __init__(self, fn: ir.Function, element: ir.Type, lanes: int):
        self.fn, self.element, self.lanes = fn, element, lanes
        self.vector = ir.VectorType(element, lanes)
        self.b = ir.IRBuilder(fn.append_basic_block("entry"))
        for arg in fn.args:
            setattr(self, arg.name, arg)
        self.fmuladd = fmuladd(
            fn.module, self.vector, f"v{lanes}{element_suffix(element)}"
        )
        self.scalar_fmuladd = fmuladd(fn.module, element, element_suffix(element))

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


class PanelVecMat(VecMat):
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


def element_suffix(element: ir.Type) -> str:
    return "f64" if element == f64 else "f32"


def fmuladd(module: ir.Module, type_: ir.Type, suffix: str) -> ir.Function:
    """`llvm.fmuladd`: a * b + c, fused where the target has FMA."""
    name = f"llvm.fmuladd.{suffix}"
    if name in module.globals:
        return module.globals[name]
    return ir.Function(module, ir.FunctionType(type_, [type_] * 3), name=name)
