"""Lowering of the `st` linear algebra ops (`st.solve`, `st.det`,
`st.cholesky`, `st.triangular_solve`) to inline loops, or to LAPACK for large
matrices.

The matrices of a scan step are small (a state-space model's 2x2 to 8x8), where
a call into LAPACK costs more than the arithmetic, so each op is written out;
matrices of order at least the Target's `lapack_min_size` (triangular solves:
as many multiply-adds) call the LAPACK routine instead (`gesv`, `getrf`,
`potrf`, `trtrs`), chosen by `scanc.lowering.lapack_calls` when building for a
known order, else at run time, with the same results and errors (a NaN in the
input gives NaNs either way):

- `st.solve` and `st.det`: Gaussian elimination with partial pivoting (the
  largest absolute value of the column below the diagonal, first on ties, as
  LAPACK's `getrf`) on a copy of `a`, applied to a copy of `b` for `solve`,
  then back substitution. A zero pivot is left in place (the column below it
  is zero): `solve` stops with `LinAlgError: Singular matrix`, `det` gives 0
  (`logabsdet` -inf, `sign` 0).
- `st.cholesky`: the column-by-column Cholesky–Banachiewicz recurrence, reading
  only the lower (or upper) triangle; a pivot that is not positive (or NaN)
  stops with `LinAlgError` or, with `nan_on_error`, makes the result all NaN.
- `st.triangular_solve`: forward or back substitution, reading one triangle.

Operands are matrices `[n, n]` and right-hand sides `[n]` or `[n, k]`; sizes
are checked at run time (`ValueError`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scanc.dialects import kernel, st
from scanc.lowering.builder import Builder, Floats, element_type
from scanc.lowering.elementwise import dtype
from scanc.lowering.lapack_calls import (
    call_allocated,
    fill_nan_if,
    info_constant,
    inline_or_lapack,
    refused,
)
from scanc.lowering.values import Buffer, Lowered, Scalar, store_into
from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerType
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


class _RightHandSide:
    """A copy of `b` as `[n, columns]` (a vector is one column)."""

    def __init__(self, lw: "Lowering", b: Lowered, n: SSAValue, what: str):
        builder = lw.b
        builder.check(
            builder.cmpi("eq", b.sizes[0], n),
            f"ValueError: {what}: b must have as many rows as a",
        )
        self.buffer = lw.copy(b)
        self.columns = b.sizes[1] if b.rank == 2 else builder.const(1)
        self.rank = b.rank

    def load(self, b: Builder, i: SSAValue, c: SSAValue) -> SSAValue:
        return b.load(self.buffer.ref, [i, c] if self.rank == 2 else [i])

    def store(self, b: Builder, value: SSAValue, i: SSAValue, c: SSAValue) -> None:
        b.store(value, self.buffer.ref, [i, c] if self.rank == 2 else [i])


def square_size(lw: "Lowering", a: Lowered, what: str) -> SSAValue:
    b = lw.b
    b.check(
        b.cmpi("eq", a.sizes[0], a.sizes[1]), f"ValueError: {what}: a must be square"
    )
    return a.sizes[0]


def _range(b: Builder, lo, hi, body: Callable[[SSAValue], None]) -> None:
    b.for_(lo, hi, lambda i, _: body(i))


def _fold(
    b: Builder, lo, hi, init: SSAValue, step: Callable[[SSAValue, SSAValue], SSAValue]
):
    return b.for_(lo, hi, lambda j, acc: [step(j, acc[0])], [init])[0]


# -- Gaussian elimination ------------------------------------------------------------


def _eliminate(
    lw: "Lowering",
    f: Floats,
    lu: Buffer,
    n: SSAValue,
    rhs: _RightHandSide | None,
    on_pivot: Callable[[SSAValue, SSAValue], SSAValue],
    init: SSAValue,
) -> tuple[SSAValue, SSAValue]:
    """Reduce `lu` to upper-triangular form with partial pivoting, swapping and
    reducing `rhs` alongside; `carried = on_pivot(pivot, carried)` sees each
    pivot. Returns the sign of the row permutation and the last `carried`."""
    b = lw.b
    one = b.const(1)

    def column(k: SSAValue, carried: list[SSAValue]) -> list[SSAValue]:
        sign, acc = carried
        p = _pivot_row(b, f, lu, k, n)
        sign = b.select(b.cmpi("ne", p, k), f.sub(f.c(0), sign), sign)
        _swap_rows(b, lu.ref, k, p, [b.const(0), n], lambda i, j: [i, j])
        if rhs is not None:
            _swap_rows(
                b, rhs.buffer.ref, k, p, [b.const(0), rhs.columns], _rhs_index(rhs)
            )
        pivot = b.load(lu.ref, [k, k])
        acc = on_pivot(pivot, acc)
        nonzero = b.add(arith.CmpfOp(pivot, f.c(0), "une"))
        below = b.addi(k, one)

        def reduce_row(i: SSAValue) -> None:
            factor = b.select(nonzero, f.div(b.load(lu.ref, [i, k]), pivot), f.c(0))
            b.store(factor, lu.ref, [i, k])
            _range(b, below, n, lambda j: _axpy(b, f, lu.ref, [i, j], factor, [k, j]))
            if rhs is not None:
                _range(
                    b,
                    b.const(0),
                    rhs.columns,
                    lambda c: rhs.store(
                        b,
                        f.sub(rhs.load(b, i, c), f.mul(factor, rhs.load(b, k, c))),
                        i,
                        c,
                    ),
                )

        _range(b, below, n, reduce_row)
        return [sign, acc]

    sign, acc = b.for_(b.const(0), n, column, [f.c(1), init])
    return sign, acc


def _pivot_row(b: Builder, f: Floats, lu: Buffer, k: SSAValue, n: SSAValue) -> SSAValue:
    """The row of the largest absolute value in column `k` from row `k` down."""

    def better(i, carried):
        row, best = carried
        value = f.abs(b.load(lu.ref, [i, k]))
        larger = b.add(arith.CmpfOp(value, best, "ogt"))
        return [b.select(larger, i, row), b.select(larger, value, best)]

    start = f.abs(b.load(lu.ref, [k, k]))
    return b.for_(b.addi(k, b.const(1)), n, better, [k, start])[0]


def _swap_rows(b: Builder, ref, k, p, bounds, index) -> None:
    def swap(j):
        first, second = b.load(ref, index(k, j)), b.load(ref, index(p, j))
        b.store(second, ref, index(k, j))
        b.store(first, ref, index(p, j))

    _range(b, bounds[0], bounds[1], swap)


def _rhs_index(rhs: _RightHandSide):
    return (lambda i, c: [i, c]) if rhs.rank == 2 else (lambda i, c: [i])


def _axpy(b: Builder, f: Floats, ref, at, factor, source) -> None:
    """`ref[at] -= factor * ref[source]`."""
    b.store(f.sub(b.load(ref, at), f.mul(factor, b.load(ref, source))), ref, at)


def lower_solve(lw: "Lowering", op: st.SolveOp) -> Lowered:
    b, dt = lw.b, dtype(op.result)
    f = Floats(b, element_type(dt))
    a = lw.get(op.a)
    n = square_size(lw, a, "solve")
    lu = lw.copy(a)
    rhs = _RightHandSide(lw, lw.get(op.b), n, "solve")

    def lapack() -> None:
        with lw.scope():
            pivots = lw.new_buffer("int64", [n])
            info = call_allocated(
                b, kernel.LapackGesvOp(lu.ref, pivots.ref, rhs.buffer.ref)
            )
            _nan_or_failure(b, f, info, rhs.buffer, "LinAlgError: Singular matrix")

    inline_or_lapack(lw, n, dt, lambda: _solve_inline(lw, f, lu, rhs, n), lapack)
    return rhs.buffer


def _solve_inline(
    lw: "Lowering", f: Floats, lu: Buffer, rhs: _RightHandSide, n
) -> None:
    """Elimination with partial pivoting, then back substitution."""
    b = lw.b

    def nonsingular(pivot, acc):
        b.check(
            b.add(arith.CmpfOp(pivot, f.c(0), "une")), "LinAlgError: Singular matrix"
        )
        return acc

    _eliminate(lw, f, lu, n, rhs, nonsingular, f.c(0))
    one = b.const(1)

    def back(t):
        i = b.subi(b.subi(n, one), t)

        def column(c):
            def subtract(j, s):
                return f.sub(s, f.mul(b.load(lu.ref, [i, j]), rhs.load(b, j, c)))

            s = _fold(b, b.addi(i, one), n, rhs.load(b, i, c), subtract)
            rhs.store(b, f.div(s, b.load(lu.ref, [i, i])), i, c)

        _range(b, b.const(0), rhs.columns, column)

    _range(b, b.const(0), n, back)


def _nan_or_failure(b: Builder, f: Floats, info, out: Buffer, failure: str) -> None:
    """After a LAPACK call: NaNs in `out` where LAPACKE refused a NaN input (the
    inline loops' result for one), `failure` where the routine failed."""
    fill_nan_if(b, f, refused(b, info), out)
    b.check(b.cmpi("sle", info, info_constant(b, 0)), failure)


def lower_det(lw: "Lowering", op: st.DetOp) -> Lowered:
    b, dt, fn = lw.b, dtype(op.result), op.fn.data
    f = Floats(b, element_type(dt))
    a = lw.get(op.input)
    n = square_size(lw, a, "det")
    lu = lw.copy(a)

    def sign_of(x):
        zero = b.add(arith.CmpfOp(x, f.c(0), "oeq"))
        return b.select(zero, f.c(0), f.div(x, f.abs(x)))

    combine = {
        "det": lambda pivot, acc: f.mul(acc, pivot),
        "logabsdet": lambda pivot, acc: f.add(acc, f.log(f.abs(pivot))),
        "sign": lambda pivot, acc: f.mul(acc, sign_of(pivot)),
    }[fn]
    init = f.c(0 if fn == "logabsdet" else 1)

    def inline():
        return _eliminate(lw, f, lu, n, None, combine, init)

    def lapack():
        with lw.scope():
            pivots = lw.new_buffer("int64", [n])
            info = call_allocated(b, kernel.LapackGetrfOp(lu.ref, pivots.ref))
            fill_nan_if(b, f, refused(b, info), lu)
            return _fold_pivots(b, f, lu, pivots, n, combine, init)

    sign, acc = inline_or_lapack(lw, n, dt, inline, lapack, [f.type, f.type])
    return Scalar(dt, [], acc if fn == "logabsdet" else f.mul(sign, acc))


def _fold_pivots(b: Builder, f: Floats, lu: Buffer, pivots: Buffer, n, combine, init):
    """The sign of getrf's row permutation (a swap wherever `pivots[i]` is not
    row i, counted from 1) and `combine` over the diagonal of `lu`."""

    def row(i, carried):
        sign, acc = carried
        swapped_to = b.add(arith.IndexCastOp(b.load(pivots.ref, [i]), IndexType()))
        moved = b.cmpi("ne", swapped_to, b.addi(i, b.const(1)))
        sign = b.select(moved, f.sub(f.c(0), sign), sign)
        return [sign, combine(b.load(lu.ref, [i, i]), acc)]

    return b.for_(b.const(0), n, row, [f.c(1), init])


# -- Cholesky and substitution -------------------------------------------------------


def lower_cholesky(lw: "Lowering", op: st.CholeskyOp) -> Lowered:
    b, dt = lw.b, dtype(op.result)
    f = Floats(b, element_type(dt))
    a = lw.get(op.input)
    n = square_size(lw, a, "cholesky")
    lower = op.lower is not None
    out = lw.new_buffer(dt, [n, n])

    def lapack():
        store_into(b, a, out.ref, [n, n])
        info = call_allocated(b, kernel.LapackPotrfOp(out.ref, lower))
        _zero_the_other_triangle(b, f, out, n, lower)
        return [b.cmpi("eq", info, info_constant(b, 0))]

    inline = lambda: [_cholesky_inline(lw, f, a, out, n, lower)]  # noqa: E731
    ok = inline_or_lapack(lw, n, dt, inline, lapack, [IntegerType(1)])[0]
    if op.nan_on_error is not None:
        fill_nan_if(b, f, f.not_(ok), out)
    else:
        b.check(ok, "LinAlgError: Matrix is not positive definite")
    return out


def _cholesky_inline(lw: "Lowering", f: Floats, a: Lowered, out: Buffer, n, lower):
    """The Cholesky-Banachiewicz recurrence into `out` (zeros elsewhere); gives
    whether every pivot was positive (the factor is garbage, not out of bounds,
    where one was not)."""
    b = lw.b
    b.loop_nest([n, n], lambda idx: b.store(f.c(0), out.ref, idx))
    at = (lambda i, j: [i, j]) if lower else (lambda i, j: [j, i])
    read = lambda i, j: a.load(b, at(i, j))  # noqa: E731
    factor = lambda i, j: b.load(out.ref, at(i, j))  # noqa: E731
    zero = b.const(0)

    def column(j, carried):
        def minus_square(k, s):
            return f.sub(s, f.mul(factor(j, k), factor(j, k)))

        s = _fold(b, zero, j, read(j, j), minus_square)
        positive = b.add(arith.CmpfOp(s, f.c(0), "ogt"))
        d = f.sqrt(s)
        b.store(d, out.ref, at(j, j))

        def row(i):
            def minus_product(k, t):
                return f.sub(t, f.mul(factor(i, k), factor(j, k)))

            t = _fold(b, zero, j, read(i, j), minus_product)
            b.store(f.div(t, d), out.ref, at(i, j))

        _range(b, b.addi(j, b.const(1)), n, row)
        return [b.add(arith.AndIOp(carried[0], positive))]

    return b.for_(zero, n, column, [b.const(1, IntegerType(1))])[0]


def _zero_the_other_triangle(b: Builder, f: Floats, out: Buffer, n, lower: bool):
    def entry(idx):
        i, j = idx
        outside = b.cmpi("sgt", j, i) if lower else b.cmpi("slt", j, i)
        b.if_(outside, lambda: b.store(f.c(0), out.ref, idx))

    b.loop_nest([n, n], entry)


SINGULAR_TRIANGLE = (
    "LinAlgError: singular matrix: resolution failed at a zero on the diagonal"
)


def lower_triangular_solve(lw: "Lowering", op: st.TriangularSolveOp) -> Lowered:
    b, dt = lw.b, dtype(op.result)
    f = Floats(b, element_type(dt))
    a = lw.get(op.a)
    n = square_size(lw, a, "solve_triangular")
    rhs = _RightHandSide(lw, lw.get(op.b), n, "solve_triangular")
    flags = (op.lower is not None, op.trans is not None, op.unit_diagonal is not None)

    def lapack() -> None:
        with lw.scope():
            factor = lw.copy(a)  # contiguous rows, as LAPACK reads them
            call = kernel.LapackTrtrsOp(factor.ref, rhs.buffer.ref, *flags)
            _nan_or_failure(
                b, f, call_allocated(b, call), rhs.buffer, SINGULAR_TRIANGLE
            )

    inline = lambda: _substitute(lw, f, a, rhs, n, *flags)  # noqa: E731
    # O(n^2) per column, against the O(n^3) of the others: LAPACK pays off for
    # as many multiply-adds as an LU at the crossover order
    work = b.muli(b.muli(n, n), rhs.columns)
    threshold = lw.target.lapack_min_size**3
    inline_or_lapack(lw, work, dt, inline, lapack, threshold=threshold)
    return rhs.buffer


def _substitute(
    lw: "Lowering", f: Floats, a, rhs: _RightHandSide, n, lower, trans, unit
):
    """Forward or back substitution reading one triangle of `a`."""
    b = lw.b
    forward = lower != trans
    element = (
        (lambda i, j: a.load(b, [j, i])) if trans else (lambda i, j: a.load(b, [i, j]))
    )
    one = b.const(1)

    def solve_row(t):
        i = t if forward else b.subi(b.subi(n, one), t)
        lo, hi = (b.const(0), i) if forward else (b.addi(i, one), n)
        diagonal = element(i, i)
        if not unit:
            b.check(b.add(arith.CmpfOp(diagonal, f.c(0), "une")), SINGULAR_TRIANGLE)

        def column(c):
            def subtract(j, s):
                return f.sub(s, f.mul(element(i, j), rhs.load(b, j, c)))

            s = _fold(b, lo, hi, rhs.load(b, i, c), subtract)
            rhs.store(b, s if unit else f.div(s, diagonal), i, c)

        _range(b, b.const(0), rhs.columns, column)

    _range(b, b.const(0), n, solve_row)
