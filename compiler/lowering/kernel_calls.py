"""Placing a `kernel` op: its operands as views where they are when the
kernel can read them (a test at run time), copies where it cannot, and the
target's crossover below which the inline loops (`scanc.lowering.product_loops`)
run instead."""

from __future__ import annotations

from collections.abc import Callable

from scanc.dialects import kernel, st
from scanc.lowering.builder import subview
from scanc.lowering.product_loops import vector_matrix_loops
from scanc.lowering.values import Buffer, Lowered, store_into
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import MemRefType, StridedLayoutAttr
from xdsl.ir import Operation, SSAValue

#: makes a `kernel` op from its operands
KernelOp = Callable[..., Operation]

#: the element types of the `kernel` dialect's products
KERNEL_DTYPES = ("float64", "float32")


def copy_outside_loops(op: st.DotOp) -> bool:
    """Outside loops, an operand BLAS cannot read as it is (a transpose, a
    reversed matrix) is copied row-major, O(n^2), for the O(n^3) product."""
    return isinstance(op.parent_op(), func.FuncOp)


def matrix_product(lw, a: Buffer, w: Lowered, out: Buffer, copy: bool = False) -> None:
    """out = a . w for a matrix `a`: BLAS gemm when large enough, else loops;
    `copy`: see `call_kernel`'s `copy_matrices`."""
    b, dt = lw.b, out.dtype
    inline = lambda: vector_matrix_loops(lw, a, w, out, dt)  # noqa: E731
    if dt in KERNEL_DTYPES and lw.target.blas:
        work = b.muli(b.muli(a.sizes[0], a.sizes[1]), w.sizes[1])
        call_if_large(
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


def call_if_large(
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
    """The op `kernel_op(a, w, out, *extra)` of the `kernel` dialect. Views
    are passed where they are when the kernel can read them (see
    `kernel_reads`); otherwise a vector is copied
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


def _is_view(v: Buffer) -> bool:
    """Whether `v` may have any strides (a subview) rather than row-major ones."""
    return not isinstance(v.ref.type, MemRefType) or isinstance(
        v.ref.type.layout, StridedLayoutAttr
    )
