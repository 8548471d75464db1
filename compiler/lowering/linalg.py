"""Lowering of `st.dot`: BLAS gemm for large contiguous float matrix products,
inline kernels otherwise (FMA-contracted, vectorized by LLVM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Callable

from scanc.dialects import kernel, st
from scanc.frontend import dtypes
from scanc.lowering import input_products, scalar
from scanc.lowering.builder import element_type, subview
from scanc.lowering.elementwise import dtype
from scanc.lowering.panels import pack_invariant_matrix
from scanc.lowering.values import Buffer, Lowered, Scalar, store_into
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    MemRefType,
    StridedLayoutAttr,
)
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import Operation, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


#: makes a `kernel` op from its operands
KernelOp = Callable[..., Operation]

_CONTRACT = arith.FastMathFlagsAttr([FastMathFlag.ALLOW_CONTRACT])
#: a dot product's sum may also be reordered (as BLAS does), so LLVM vectorizes
#: it with several accumulators instead of one chain of dependent FMAs
_REASSOCIATE = arith.FastMathFlagsAttr(
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


def lower_dot(lw: "Lowering", op: st.DotOp) -> Lowered:
    """Vector/matrix products as loops; `x @ W` runs i-k-j so the innermost loop
    walks rows of W contiguously (vectorizable)."""
    b = lw.b
    a, w = (
        lw.materialize(lw.get(v)) if lw.get(v).rank else lw.get(v)
        for v in (op.lhs, op.rhs)
    )
    dt = dtype(op.result)
    k = a.sizes[-1]
    b.check(b.cmpi("eq", k, w.sizes[0]), "ValueError: dot: shapes are not aligned")
    if w.rank == 1:

        def element(idx):
            def step(kk, acc):
                x, y = a.load(b, [*idx, kk]), w.load(b, [kk])
                return [multiply_add(b, acc[0], x, y, dt, _REASSOCIATE)]

            zero = b.const(0, element_type(dt))
            return b.for_(b.const(0), k, step, [zero])[0]

        if a.rank == 1:
            return Scalar(dt, [], element([]))
        out = lw.new_buffer(dt, a.sizes[:1])
        rows = lambda: b.for_(  # noqa: E731
            b.const(0), a.sizes[0], lambda i, _: b.store(element([i]), out.ref, [i])
        )
        if dt in KERNEL_DTYPES and lw.target.blas:
            work, least = b.muli(a.sizes[0], k), lw.target.gemv_min_work
            _call_if_large(lw, kernel.BlasGemvOp, a, w, out, work, least, rows)
        else:
            rows()
        return out
    rows = a.sizes[:-1]
    if rows and input_products.deferrable(op):
        return input_products.defer(lw, op, a, w)
    out = lw.new_buffer(dt, [*rows, w.sizes[1]])
    if rows:
        matrix_product(lw, a, w, out, copy_outside_loops(op))
    elif dt in KERNEL_DTYPES:
        inline = lambda: _vector_matrix_loops(lw, a, w, out, dt)  # noqa: E731
        _vector_matrix_kernel(lw, op, a, w, out, inline)
    else:
        _vector_matrix_loops(lw, a, w, out, dt)
    return out


def copy_outside_loops(op: st.DotOp) -> bool:
    """Outside loops, an operand BLAS cannot read as it is (a transpose, a
    reversed matrix) is copied row-major, O(n^2), for the O(n^3) product."""
    return isinstance(op.parent_op(), func.FuncOp)


def matrix_product(lw, a: Buffer, w: Lowered, out: Buffer, copy: bool = False) -> None:
    """out = a . w for a matrix `a`: BLAS gemm when large enough, else loops;
    `copy`: see `call_kernel`'s `copy_matrices`."""
    b, dt = lw.b, out.dtype
    inline = lambda: _vector_matrix_loops(lw, a, w, out, dt)  # noqa: E731
    if dt in KERNEL_DTYPES and lw.target.blas:
        work = b.muli(b.muli(a.sizes[0], a.sizes[1]), w.sizes[1])
        _call_if_large(
            lw,
            kernel.BlasGemmOp,
            a,
            w,
            out,
            work,
            lw.target.gemm_min_work,
            inline,
            copy_matrices=copy,
        )
    else:
        inline()


def _vector_matrix_kernel(lw, op: st.DotOp, a, w, out: Buffer, inline) -> None:
    """out = a . w by the vector-matrix kernel when large enough, by the panel
    kernel when `w` is packed (see `scanc.lowering.panels`), else `inline()`."""
    dt, work = out.dtype, lw.b.muli(a.sizes[0], w.sizes[1])
    reverse = _step_parity(lw)

    def unpacked() -> None:
        op = kernel.VecMatOp
        least = lw.target.vecmat_min_work
        _call_if_large(lw, op, a, w, out, work, least, inline, reverse)

    def packed() -> None:
        # a packed matrix is large: the kernel, never the inline loops
        call_kernel(lw, kernel.VecMatPanelsOp, a, panels.buffer, out, None, reverse)

    panels = pack_invariant_matrix(lw, op, dt)
    if panels is None:
        unpacked()
        return
    either = lambda: lw.b.if_(panels.packed, packed, unpacked)  # noqa: E731
    tiles = input_products.claim(lw, panels.packed)
    if tiles is None:
        either()
        return

    def with_tiles() -> None:
        # also the next tiles of the loop's input products
        extra = [reverse, *tiles.of_step(lw)]
        op = kernel.VecMatPanelsTilesOp
        call_kernel(lw, op, a, panels.buffer, out, None, *extra)

    lw.b.if_(tiles.tiled, with_tiles, either)


def _step_parity(lw: "Lowering") -> SSAValue:
    """0 or 1: the innermost loop's step number modulo 2 (0 outside loops); the
    vector-matrix kernel walks its matrix backwards on odd steps (see
    `scanc.codegen.kernels`)."""
    b, step = lw.b, lw.step()
    if step is None:
        return b.const(0)
    return b.add(arith.AndIOp(step, b.const(1)))


def _call_if_large(
    lw,
    kernel_op: KernelOp,
    a,
    w,
    out: Buffer,
    work,
    threshold,
    inline,
    *extra,
    copy_matrices: bool = False,
):
    """`kernel_op(a, w, out, *extra)` (see `call_kernel`) when `work`
    (multiply-adds) reaches `threshold`, else `inline()`."""
    b = lw.b

    def call() -> None:
        call_kernel(
            lw, kernel_op, a, w, out, inline, *extra, copy_matrices=copy_matrices
        )

    b.if_(b.cmpi("sge", work, b.const(threshold)), call, inline)


def call_kernel(
    lw,
    kernel_op: KernelOp,
    a,
    w,
    out: Buffer,
    inline,
    *extra,
    copy_matrices: bool = False,
):
    """The op `kernel_op(a, w, out, *extra)` of the `kernel` dialect. Views are passed where they are when the
    kernel can read them (see `kernel_reads`); otherwise a vector is copied
    for the call (O(n)), and so is a matrix with `copy_matrices=True` (outside
    loops, where an O(n^2) copy is cheap next to an O(n^3) product), else the
    product runs `inline()`. The op's operands and `out` are always views (a
    whole buffer through a subview of all of it), so each kernel op has one
    operand type per rank."""
    b, operands = lw.b, (a, w)

    def call(refs) -> None:
        views = [as_view(b, ref, v.sizes) for ref, v in zip(refs, operands)]
        target = as_view(b, out.ref, out.sizes)
        b.block.add_op(kernel_op(*views, target, *extra))

    def call_on_copies() -> None:
        copies = [
            b.alloc(v.ref.type.element_type, v.sizes) if _is_view(v) else None
            for v in operands
        ]
        for given, copy in zip(operands, copies):
            if copy is not None:
                store_into(b, given, copy, given.sizes)
        call([copy or v.ref for v, copy in zip(operands, copies)])
        for copy in filter(None, copies):
            b.add(memref.DeallocOp.get(copy))

    def direct() -> None:
        call([v.ref for v in operands])

    readable = kernel_reads(b, operands)
    copy = copy_matrices or all(v.rank == 1 for v in operands if _is_view(v))
    if readable is None:
        direct()
    else:
        b.if_(readable, direct, call_on_copies if copy else inline)


def kernel_reads(b, operands) -> SSAValue | None:
    """Whether the kernels can read every view among `operands` where it is
    (None when none is a view): a vector with a positive increment, a matrix
    with contiguous rows at least a row apart (BLAS's `lda >= max(1, n)`)."""
    conditions = []
    for v in operands:
        if not _is_view(v):
            continue
        meta = memref.ExtractStridedMetaDataOp(v.ref)
        b.block.add_op(meta)
        strides = meta.strides
        one = b.const(1)
        if v.rank == 1:
            conditions.append(b.cmpi("sge", strides[0], one))
            continue
        least = b.maxi(v.sizes[1], one)
        conditions.append(b.cmpi("eq", strides[1], one))
        conditions.append(b.cmpi("sge", strides[0], least))
    return b.all_of(conditions) if conditions else None


def as_view(b, ref: SSAValue, sizes) -> SSAValue:
    """`ref` (of shape `sizes`) as a memref of the strided type: a subview of
    all of it, unless it is one already."""
    if isinstance(ref.type.layout, StridedLayoutAttr):
        return ref
    rank, zero, one = len(sizes), b.const(0), b.const(1)
    return subview(b, ref, [zero] * rank, sizes, [one] * rank, rank)


#: the element types of the `kernel` dialect's products
KERNEL_DTYPES = ("float64", "float32")


def _is_view(v: Buffer) -> bool:
    """Whether `v` may have any strides (a subview) rather than row-major ones."""
    return not isinstance(v.ref.type, MemRefType) or isinstance(
        v.ref.type.layout, StridedLayoutAttr
    )


#: output columns one block of the vector-matrix kernel keeps in registers
COLUMN_BLOCK = 8


def _vector_matrix_loops(lw, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w with loops chosen at run time by the size of `w`: blocks of
    columns in registers for a small `w`, rows streamed for a large one."""
    b = lw.b
    elements = b.muli(a.sizes[-1], w.sizes[1])
    most = b.const(lw.target.blocked_max_elements)
    small = b.cmpi("sle", elements, most)
    b.if_(
        small,
        lambda: _blocked_loops(b, a, w, out, dt),
        lambda: _row_streaming_loops(b, a, w, out, dt),
    )


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
