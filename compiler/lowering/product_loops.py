"""Matrix products as inline loops: the way small products run, and the
fallback of every `kernel` op the lowering places (`scanc.lowering.kernel_calls`).
Multiply-adds are FMA-contracted and the loops are written so LLVM vectorizes
them."""

from __future__ import annotations

from scanc import dtypes
from scanc.lowering import scalar
from scanc.lowering.builder import element_type
from scanc.lowering.values import Buffer, Lowered
from xdsl.dialects import arith
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import SSAValue

_CONTRACT = arith.FastMathFlagsAttr([FastMathFlag.ALLOW_CONTRACT])
#: a dot product's sum may also be reordered (as BLAS does), so LLVM vectorizes
#: it with several accumulators instead of one chain of dependent FMAs
REASSOCIATE = arith.FastMathFlagsAttr(
    [FastMathFlag.ALLOW_CONTRACT, FastMathFlag.REASSOC]
)


def multiply_add(
    b, acc: SSAValue, x: SSAValue, y: SSAValue, dt: str, flags=_CONTRACT
) -> SSAValue:
    """`acc + x * y`; for floats LLVM may fuse it into one FMA (as BLAS does)."""
    if not dtypes.is_float(dt):
        return scalar.apply(b, "add", [acc, scalar.apply(b, "mul", [x, y], dt)], dt)
    product = b.add(arith.MulfOp(x, y, flags=flags))
    return b.add(arith.AddfOp(acc, product, flags=flags))


#: output columns one block of the vector-matrix kernel keeps in registers
COLUMN_BLOCK = 8


def vector_matrix_loops(lw, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w with loops chosen at run time by the size of `w`: blocks of
    columns in registers for a small `w`, rows streamed for a large one."""
    b = lw.b
    if lw.target.runs_kernels:
        _sum_per_output(b, a, w, out, dt)
        return
    elements = b.muli(a.sizes[-1], w.sizes[1])
    most = b.const(lw.target.blocked_max_elements)
    small = b.cmpi("sle", elements, most)
    b.if_(
        small,
        lambda: _blocked_loops(b, a, w, out, dt),
        lambda: _row_streaming_loops(b, a, w, out, dt),
    )


def _sum_per_output(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w with one dot product per output element, the elements
    independent (GPU threads share them; `scanc.lowering.to_gpu`)."""
    k = a.sizes[-1]

    def element(idx: list) -> None:
        *i, j = idx

        def step(kk, acc):
            x, y = a.load(b, [*i, kk]), w.load(b, [kk, j])
            return [multiply_add(b, acc[0], x, y, dt)]

        zero = b.const(0, element_type(dt))
        b.store(b.for_(b.const(0), k, step, [zero])[0], out.ref, idx)

    b.loop_nest(out.sizes, element, parallel=True)


def _row_streaming_loops(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w in the i-k-j order: the innermost loop walks rows of `w` and
    `out` contiguously, so LLVM vectorizes it into FMAs."""
    zero = b.const(0, element_type(dt))
    b.loop_nest(out.sizes, lambda idx: b.store(zero, out.ref, idx))
    rows, k = a.sizes[:-1], a.sizes[-1]

    def row(i: list):
        b.for_(
            b.const(0),
            k,
            lambda kk, _: _add_row_product(b, a, w, out, i, kk, b.const(0), dt),
        )

    if rows:
        b.for_(b.const(0), rows[0], lambda i, _: row([i]))
    else:
        row([])


def _add_row_product(b, a, w, out: Buffer, i: list, kk, start, dt: str) -> None:
    """out[i, j] += a[i, kk] * w[kk, j] for the columns j from `start` on,
    walking row `kk` of `w` and row `i` of `out` contiguously (vectorizable)."""
    coefficient = a.load(b, [*i, kk])

    def over_j(j, _):
        acc = b.load(out.ref, [*i, j])
        total = multiply_add(b, acc, coefficient, w.load(b, [kk, j]), dt)
        b.store(total, out.ref, [*i, j])

    b.for_(start, w.sizes[1], over_j)


def _blocked_loops(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w, one row of `a` at a time. Whole blocks of `COLUMN_BLOCK` output
    columns carry their sums through the k loop as loop values (registers; LLVM's
    SLP vectorizer makes them one vector FMA per k); the last columns use the
    i-k-j order, vectorized over j. Sums start from the products of the first row
    of `w`, not from zero: one dependent addition fewer per product, which is
    what a short recurrence step waits for."""
    rows, k, n = a.sizes[:-1], a.sizes[-1], w.sizes[1]
    width = b.const(COLUMN_BLOCK)
    blocked = b.muli(b.add(arith.DivSIOp(n, width)), width)
    element = element_type(dt)
    zero = b.const(0, element)
    nonempty = b.cmpi("sgt", k, b.const(0))
    first, second = b.const(0), b.const(1)

    def row(i: list):
        def column_block(jb, _):
            columns = [b.addi(jb, b.const(c)) for c in range(COLUMN_BLOCK)]

            def first_products():
                coefficient = a.load(b, [*i, first])
                return [
                    _product(b, coefficient, w.load(b, [first, j]), dt) for j in columns
                ]

            def over_k(kk, sums):
                coefficient = a.load(b, [*i, kk])
                return [
                    multiply_add(b, total, coefficient, w.load(b, [kk, j]), dt)
                    for j, total in zip(columns, sums)
                ]

            start = b.if_(
                nonempty,
                first_products,
                lambda: [zero] * COLUMN_BLOCK,
                [element] * COLUMN_BLOCK,
            )
            sums = b.for_(second, k, over_k, start)
            for j, total in zip(columns, sums):
                b.store(total, out.ref, [*i, j])

        b.for_(b.const(0), blocked, column_block, step=width)

        def first_row():
            coefficient = a.load(b, [*i, first])
            b.for_(
                blocked,
                n,
                lambda j, _: b.store(
                    _product(b, coefficient, w.load(b, [first, j]), dt),
                    out.ref,
                    [*i, j],
                ),
            )

        b.if_(
            nonempty,
            first_row,
            lambda: b.for_(blocked, n, lambda j, _: b.store(zero, out.ref, [*i, j])),
        )

        b.for_(
            second,
            k,
            lambda kk, _: _add_row_product(b, a, w, out, i, kk, blocked, dt),
        )

    if rows:
        b.for_(b.const(0), rows[0], lambda i, _: row([i]))
    else:
        row([])


def _product(b, x: SSAValue, y: SSAValue, dt: str) -> SSAValue:
    if not dtypes.is_float(dt):
        return scalar.apply(b, "mul", [x, y], dt)
    return b.add(arith.MulfOp(x, y, flags=_CONTRACT))
