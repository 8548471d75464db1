"""Emitter rules for the `kernel` dialect: each op becomes a call of the
hand-written kernel it names (declared in the module under its machine's name;
the code is the kernel library's, `scanc.codegen.kernels.library`, compiled
once per machine) or of the BLAS or LAPACKE routine (resolved by the JIT,
`scanc.runtime.blas`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from llvmlite import ir
from scanc.codegen import kernels
from scanc.codegen.llvm_types import Descriptor, i64, ptr
from scanc.dialects import kernel

if TYPE_CHECKING:
    from scanc.codegen.llvm import FunctionEmitter


def _vecmat(e: "FunctionEmitter", op: kernel.VecMatOp) -> None:
    x, w, out = e[op.x], e[op.w], e[op.out]
    fn = _declared(e, kernels.vecmat, x.element)
    args = [x.data, x.strides[0], w.data, w.strides[0], out.data, *w.sizes]
    e.b.call(fn, [*args, e[op.reverse]])


def _vecmat_panels(e: "FunctionEmitter", op: kernel.VecMatPanelsOp) -> None:
    x, w, out = e[op.x], e[op.w], e[op.out]
    fn = _declared(e, kernels.vecmat_panels, x.element)
    k, n = w.sizes[1], out.sizes[0]
    e.b.call(fn, [x.data, x.strides[0], w.data, out.data, k, n, e[op.reverse]])


def _vecmat_panels_tiles(e: "FunctionEmitter", op: kernel.VecMatPanelsTilesOp):
    x, w, out = e[op.x], e[op.w], e[op.out]
    fn = _declared(e, kernels.vecmat_panels_tiles)
    args = [x.data, x.strides[0], w.data, out.data, w.sizes[1], out.sizes[0]]
    e.b.call(fn, [*args, e[op.reverse], *_tiles_arguments(e, op)])


def _gemm_tiles(e: "FunctionEmitter", op: kernel.GemmTilesOp) -> None:
    fn = _declared(e, kernels.gemm_tiles)
    e.b.call(fn, _tiles_arguments(e, op))


def _declared(e: "FunctionEmitter", kernel_of, *element) -> ir.Function:
    """The kernel `kernel_of` makes, declared in the module (see the docstring)."""
    e.uses_kernels = True
    return kernel_of(e.module, *element, e.target.features, "declare")


def _tiles_arguments(e: "FunctionEmitter", op) -> list[ir.Value]:
    """`A`, its row stride, packed `B`, `Y`, its row stride, `k`, `B`'s tile
    panels, then rows, first tile and count: the tiles kernels' arguments."""
    a, bt, y = e[op.a], e[op.bt], e[op.y]
    pointers = [a.data, a.strides[0], bt.data, y.data, y.strides[0]]
    return [*pointers, a.sizes[1], bt.sizes[0], e[op.rows], e[op.first], e[op.count]]


_ROW_MAJOR, _NO_TRANSPOSE = 101, 111  # CBLAS enum values
_ENUM = ir.IntType(32)


def _blas_name(routine: str, element: ir.Type) -> str:
    """The symbol the JIT resolves to the bundled BLAS (`scanc.runtime.blas`)."""
    return f"scanc_cblas_{'d' if element == ir.DoubleType() else 's'}{routine}"


def _blas_operands(a: Descriptor, w: Descriptor, out: Descriptor):
    """alpha, A, lda, x or B, its increment or ldb, beta, y or C, its increment
    or ldc, and their types."""
    t = a.element
    types = [t, ptr, i64, ptr, i64, t, ptr, i64]
    values = [ir.Constant(t, 1.0), a.data, a.strides[0], w.data, w.strides[0]]
    values += [ir.Constant(t, 0.0), out.data, out.strides[0]]
    return types, values


def _enum(value: int) -> ir.Constant:
    return ir.Constant(_ENUM, value)


def _blas_gemm(e: "FunctionEmitter", op: kernel.BlasGemmOp) -> None:
    a, w, out = e[op.a], e[op.b], e[op.c]
    types, values = _blas_operands(a, w, out)
    signature = [_ENUM, _ENUM, _ENUM, i64, i64, i64, *types]
    transposes = [_enum(_NO_TRANSPOSE), _enum(_NO_TRANSPOSE)]
    shape = [a.sizes[0], w.sizes[1], a.sizes[1]]
    fn = e.libcall(_blas_name("gemm", a.element), ir.VoidType(), signature)
    e.b.call(fn, [_enum(_ROW_MAJOR), *transposes, *shape, *values])


def _blas_gemv(e: "FunctionEmitter", op: kernel.BlasGemvOp) -> None:
    a, x, y = e[op.a], e[op.b], e[op.c]
    types, values = _blas_operands(a, x, y)
    signature = [_ENUM, _ENUM, i64, i64, *types]
    fn = e.libcall(_blas_name("gemv_n", a.element), ir.VoidType(), signature)
    header = [_enum(_ROW_MAJOR), _enum(_NO_TRANSPOSE), *a.sizes]
    e.b.call(fn, [*header, *values])


_I8 = ir.IntType(8)


def _char(letter: str) -> ir.Constant:
    return ir.Constant(_I8, ord(letter))


def _lapack(e: "FunctionEmitter", op, routine: str, args: list[ir.Value]) -> None:
    """`info = LAPACKE_<t><routine>(ROW_MAJOR, *args)` (64-bit integers), the
    symbol resolved by the JIT (`scanc.runtime.blas`)."""
    element = e[op.operands[0]].element
    name = f"scanc_lapacke_{'d' if element == ir.DoubleType() else 's'}{routine}"
    fn = e.libcall(name, i64, [_ENUM, *(a.type for a in args)])
    e.values[op.info] = e.b.call(fn, [_enum(_ROW_MAJOR), *args])


def _syevd(e: "FunctionEmitter", op: kernel.LapackSyevdOp) -> None:
    a, w = e[op.a], e[op.w]
    uplo = _char("L" if op.lower is not None else "U")
    _lapack(e, op, "syevd", [_char("V"), uplo, a.sizes[0], a.data, _ld(e, a), w.data])


def _gesdd(e: "FunctionEmitter", op: kernel.LapackGesddOp) -> None:
    a, u, s, vt = e[op.a], e[op.u], e[op.s], e[op.vt]
    job = _char("A" if op.full_matrices is not None else "S")
    args = [job, *a.sizes, a.data, _ld(e, a), s.data, u.data, _ld(e, u)]
    _lapack(e, op, "gesdd", [*args, vt.data, _ld(e, vt)])


def _geqrf(e: "FunctionEmitter", op: kernel.LapackGeqrfOp) -> None:
    a, tau = e[op.a], e[op.tau]
    _lapack(e, op, "geqrf", [*a.sizes, a.data, _ld(e, a), tau.data])


def _orgqr(e: "FunctionEmitter", op: kernel.LapackOrgqrOp) -> None:
    a, tau = e[op.a], e[op.tau]
    _lapack(e, op, "orgqr", [*a.sizes, tau.sizes[0], a.data, _ld(e, a), tau.data])


def _gesv(e: "FunctionEmitter", op: kernel.LapackGesvOp) -> None:
    a, ipiv, b = e[op.a], e[op.ipiv], e[op.b]
    count, ldb = _right_hand_sides(e, b)
    _lapack(
        e, op, "gesv", [a.sizes[0], count, a.data, _ld(e, a), ipiv.data, b.data, ldb]
    )


def _getrf(e: "FunctionEmitter", op: kernel.LapackGetrfOp) -> None:
    a, ipiv = e[op.a], e[op.ipiv]
    _lapack(e, op, "getrf", [*a.sizes, a.data, _ld(e, a), ipiv.data])


def _potrf(e: "FunctionEmitter", op: kernel.LapackPotrfOp) -> None:
    a = e[op.a]
    uplo = _char("L" if op.lower is not None else "U")
    _lapack(e, op, "potrf", [uplo, a.sizes[0], a.data, _ld(e, a)])


def _trtrs(e: "FunctionEmitter", op: kernel.LapackTrtrsOp) -> None:
    a, b = e[op.a], e[op.b]
    flags = [
        _char("L" if op.lower is not None else "U"),
        _char("T" if op.trans is not None else "N"),
        _char("U" if op.unit_diagonal is not None else "N"),
    ]
    count, ldb = _right_hand_sides(e, b)
    _lapack(e, op, "trtrs", [*flags, a.sizes[0], count, a.data, _ld(e, a), b.data, ldb])


def _right_hand_sides(e: "FunctionEmitter", b: Descriptor) -> tuple[ir.Value, ir.Value]:
    """How many right-hand sides `b` holds (a vector: one) and its leading
    dimension."""
    if len(b.sizes) == 1:
        one = ir.Constant(i64, 1)
        return one, one
    return b.sizes[1], _ld(e, b)


def _ld(e: "FunctionEmitter", view: Descriptor) -> ir.Value:
    """The leading dimension of a row-major view: its row stride, at least its
    row length and 1 (LAPACKE's checks, also for empty matrices)."""
    row = view.sizes[1]
    stride = view.strides[0]
    longer = e.b.select(e.b.icmp_signed(">", stride, row), stride, row)
    one = ir.Constant(i64, 1)
    return e.b.select(e.b.icmp_signed(">", longer, one), longer, one)


KERNEL_RULES: dict[type, Callable] = {
    kernel.VecMatOp: _vecmat,
    kernel.VecMatPanelsOp: _vecmat_panels,
    kernel.VecMatPanelsTilesOp: _vecmat_panels_tiles,
    kernel.GemmTilesOp: _gemm_tiles,
    kernel.BlasGemmOp: _blas_gemm,
    kernel.BlasGemvOp: _blas_gemv,
    kernel.LapackSyevdOp: _syevd,
    kernel.LapackGesddOp: _gesdd,
    kernel.LapackGeqrfOp: _geqrf,
    kernel.LapackOrgqrOp: _orgqr,
    kernel.LapackGesvOp: _gesv,
    kernel.LapackGetrfOp: _getrf,
    kernel.LapackPotrfOp: _potrf,
    kernel.LapackTrtrsOp: _trtrs,
}
