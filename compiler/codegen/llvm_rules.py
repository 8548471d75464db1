"""Emitter rules for scalar (`arith`, `math`), memory (`memref`) and check
(`cf.assert`) ops: one function per op kind, collected in `SCALAR_RULES`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from llvmlite import ir
from scanc.codegen.llvm_types import (
    Descriptor,
    byte_width,
    contiguous_strides,
    f64,
    i1,
    i32,
    i64,
    llvm_type,
    ptr,
)
from scanc.dialects import buffer, libm
from scanc.lowering.builder import constant_index
from xdsl.dialects import arith, cf, math, memref

if TYPE_CHECKING:
    from scanc.codegen.llvm import FunctionEmitter

_CMPI = ["==", "!=", "<", "<=", ">", ">=", "<", "<=", ">", ">="]
_CMPF = "false == > >= < <= != ord == > >= < <= != uno true".split()


def _constant(e: FunctionEmitter, op: arith.ConstantOp):
    t = llvm_type(op.result.type)
    value = op.value.value.data  # type: ignore[attr-defined]
    if isinstance(t, ir.IntType) and t.width == 1:
        value = 1 if value else 0
    return ir.Constant(t, value)


def _binary(method: str):
    def rule(e: FunctionEmitter, op):
        fastmath = getattr(op, "fastmath", None)
        flags = [str(f) for f in fastmath.data] if fastmath is not None else []
        return getattr(e.b, method)(e[op.lhs], e[op.rhs], flags=flags)

    return rule


def _cmpi(e: FunctionEmitter, op: arith.CmpiOp):
    p = op.predicate.value.data
    cmp = e.b.icmp_signed if p < 6 else e.b.icmp_unsigned
    if p in (0, 1):
        cmp = e.b.icmp_signed
    return cmp(_CMPI[p], e[op.lhs], e[op.rhs])


def _cmpf(e: FunctionEmitter, op: arith.CmpfOp):
    p = op.predicate.value.data
    if p in (0, 15):
        return ir.Constant(i1, int(p == 15))
    if p in (7, 14):
        return (e.b.fcmp_ordered if p == 7 else e.b.fcmp_unordered)(
            "ord" if p == 7 else "uno", e[op.lhs], e[op.rhs]
        )
    cmp = e.b.fcmp_ordered if p < 8 else e.b.fcmp_unordered
    return cmp(_CMPF[p], e[op.lhs], e[op.rhs])


def _minmax(pred: str, signed: bool):
    def rule(e: FunctionEmitter, op):
        a, b_ = e[op.lhs], e[op.rhs]
        cmp = e.b.icmp_signed if signed else e.b.icmp_unsigned
        return e.b.select(cmp(pred, a, b_), a, b_)

    return rule


def _float_intrinsic(name: str, nargs: int = 1):
    def rule(e: FunctionEmitter, op):
        args = [e[v] for v in op.operands]
        return e.b.call(e.intrinsic(name, args[0].type, nargs), args)

    return rule


def _libm(name: str):
    """A call to libm's `name`, which LLVM may vectorize with libmvec."""

    def rule(e: FunctionEmitter, op):
        args = [e[v] for v in op.operands]
        return e.b.call(e.math_function(name, args[0].type, len(args)), args)

    return rule


def _cast(method: str):
    def rule(e: FunctionEmitter, op):
        return getattr(e.b, method)(e[op.operands[0]], llvm_type(op.results[0].type))

    return rule


def _index_cast(e: FunctionEmitter, op: arith.IndexCastOp):
    v, t = e[op.input], llvm_type(op.result.type)
    if v.type.width == t.width:
        return v
    return e.b.sext(v, t) if v.type.width < t.width else e.b.trunc(v, t)


def _mul_extended(e: FunctionEmitter, op: arith.MulSIExtendedOp):
    """Low and high halves of the double-width product."""
    b, t = e.b, e[op.lhs].type
    wide = ir.IntType(2 * t.width)
    product = b.mul(b.sext(e[op.lhs], wide), b.sext(e[op.rhs], wide))
    high = b.ashr(product, ir.Constant(wide, t.width))
    return [b.trunc(product, t), b.trunc(high, t)]


def _lgamma(e: FunctionEmitter, op: libm.LgammaOp):
    """lgamma_r(x, &sign): lgamma itself writes the global `signgam`."""
    x = e[op.operand]
    if e.target.is_gpu:  # libdevice's lgamma keeps no global sign
        return e.b.call(e.math_function("lgamma", x.type, 1), [x])
    sign = e.alloca_entry(i32)
    suffix = "" if x.type == f64 else "f"
    fn = e.libcall(f"lgamma{suffix}_r", x.type, [x.type, ptr])
    return e.b.call(fn, [x, sign])


def _abs_int(e: FunctionEmitter, op):
    x = e[op.operands[0]]
    neg = e.b.icmp_signed("<", x, ir.Constant(x.type, 0))
    return e.b.select(neg, e.b.neg(x), x)


def _assert(e: FunctionEmitter, op: cf.AssertOp):
    _fail_unless(e, e[op.arg], op.msg.data)


_HUGE_PAGE_BYTES = 4 << 20  # from this size on, ask for transparent huge pages
_MADV_HUGEPAGE, _PAGE = 14, 4096


#: bytes; buffers start on a cache line, so vector loads of whole lines do not
#: straddle two (for 64-byte AVX-512 loads that halves the loads L1 serves)
_CACHE_LINE = 64


def buffer_bytes(e: FunctionEmitter, op) -> tuple:
    """The element type, sizes, strides and bytes (whole cache lines) of the
    buffer `op` allocates; a size that overflows 64 bits is a MemoryError."""
    b = e.b
    element = llvm_type(op.memref.type.element_type)  # type: ignore[attr-defined]
    sizes = [e[v] for v in op.dynamic_sizes]
    strides = contiguous_strides(b, sizes)
    nbytes, overflow = ir.Constant(i64, byte_width(element)), ir.Constant(i1, 0)
    for size in sizes:
        product = b.umul_with_overflow(nbytes, size)
        nbytes = b.extract_value(product, 0)
        overflow = b.or_(overflow, b.extract_value(product, 1))
    # a whole number of cache lines (aligned_alloc wants a multiple of them)
    too_large = b.icmp_unsigned(">", nbytes, ir.Constant(i64, -_CACHE_LINE))
    _fail_unless(
        e, b.not_(b.or_(overflow, too_large)), "MemoryError: array size overflows"
    )
    nbytes = b.and_(
        b.add(nbytes, ir.Constant(i64, _CACHE_LINE - 1)), ir.Constant(i64, -_CACHE_LINE)
    )
    nbytes = b.select(
        b.icmp_unsigned("==", nbytes, ir.Constant(i64, 0)),
        ir.Constant(i64, _CACHE_LINE),
        nbytes,
    )
    return element, sizes, strides, nbytes


def _alloc(e: FunctionEmitter, op: memref.AllocOp):
    """aligned_alloc the buffer on a cache line; a failed allocation is a
    MemoryError. Large buffers get transparent huge pages (as NumPy does), which
    saves a page fault per 4 KiB when they are first written."""
    b = e.b
    element, sizes, strides, nbytes = buffer_bytes(e, op)
    data = _aligned_alloc(e, nbytes)
    _fail_unless(
        e,
        b.icmp_unsigned("!=", data, ir.Constant(ptr, None)),
        "MemoryError: out of memory",
    )
    with b.if_then(b.icmp_unsigned(">=", nbytes, ir.Constant(i64, _HUGE_PAGE_BYTES))):
        start = b.and_(
            b.add(b.ptrtoint(data, i64), ir.Constant(i64, _PAGE - 1)),
            ir.Constant(i64, -_PAGE),
        )
        end = b.and_(b.add(b.ptrtoint(data, i64), nbytes), ir.Constant(i64, -_PAGE))
        madvise = e.libcall("madvise", ir.IntType(32), [ptr, i64, ir.IntType(32)])
        b.call(
            madvise,
            [
                b.inttoptr(start, ptr),
                b.sub(end, start),
                ir.Constant(ir.IntType(32), _MADV_HUGEPAGE),
            ],
        )
    return Descriptor(data, sizes, strides, element)


def _aligned_alloc(e: FunctionEmitter, nbytes: ir.Value) -> ir.Value:
    """`nbytes` (a whole number of cache lines) starting on a cache line."""
    aligned_alloc = e.libcall("aligned_alloc", ptr, [i64, i64])
    return e.b.call(aligned_alloc, [ir.Constant(i64, _CACHE_LINE), nbytes])


def _pooled_alloc(e: FunctionEmitter, op: buffer.PooledAllocOp):
    """The buffer kept for the op's allocation site between calls (scan's
    allow_gc=False), replaced by a larger one when this call needs more."""
    element, sizes, strides, nbytes = buffer_bytes(e, op)
    b, name = e.b, f"{e.ir_fn.name}.pool{op.site.value.data}"
    kept = ir.GlobalVariable(e.module, ptr, name=name + ".data")
    capacity = ir.GlobalVariable(e.module, i64, name=name + ".bytes")
    for var, zero in (
        (kept, ir.Constant(ptr, None)),
        (capacity, ir.Constant(i64, 0)),
    ):
        var.linkage = "internal"
        var.initializer = zero
    with b.if_then(b.icmp_unsigned(">", nbytes, b.load(capacity, typ=i64))):
        b.call(e.libcall("free", ir.VoidType(), [ptr]), [b.load(kept, typ=ptr)])
        fresh = _aligned_alloc(e, nbytes)
        b.store(fresh, kept)
        b.store(
            b.select(
                b.icmp_unsigned("==", fresh, ir.Constant(ptr, None)),
                ir.Constant(i64, 0),
                nbytes,
            ),
            capacity,
        )
    data = b.load(kept, typ=ptr)
    _fail_unless(
        e,
        b.icmp_unsigned("!=", data, ir.Constant(ptr, None)),
        "MemoryError: out of memory",
    )
    return Descriptor(data, sizes, strides, element)


def _fail_unless(e: FunctionEmitter, ok_value: ir.Value, message: str) -> None:
    """Return the error `message` from the function unless `ok_value`."""
    e.checks.append(message)
    code = len(e.checks)
    fail = e.ir_fn.append_basic_block(f"check{code}.fail")
    ok = e.ir_fn.append_basic_block(f"check{code}.ok")
    e.b.cbranch(ok_value, ok, fail)
    e.b.position_at_end(fail)
    e.leave(code)
    e.b.position_at_end(ok)


def _dealloc(e: FunctionEmitter, op: memref.DeallocOp):
    e.b.call(e.libcall("free", ir.VoidType(), [ptr]), [e[op.memref].data])


def _free_all(e: FunctionEmitter, op: buffer.FreeOnErrorOp):
    free = e.libcall("free", ir.VoidType(), [ptr])
    for ref in op.memrefs:
        e.b.call(free, [e[ref].data])


def _load(e: FunctionEmitter, op: memref.LoadOp):
    d, idx = e[op.memref], [e[i] for i in op.indices]
    _check_in_bounds(e, d.sizes, idx)
    return e.b.load(e.address(d, idx), typ=d.element)


def _store(e: FunctionEmitter, op: memref.StoreOp):
    d, idx = e[op.memref], [e[i] for i in op.indices]
    _check_in_bounds(e, d.sizes, idx)
    e.b.store(e[op.value], e.address(d, idx))


#: what a bounds check of `SCANC_CHECK_BOUNDS=1` reports: a compiler defect
_OUT_OF_BOUNDS = "RuntimeError: out-of-bounds access in compiled code (a scanc bug)"


def _check_in_bounds(e: FunctionEmitter, sizes, idx) -> None:
    """With `config.check_bounds`, fail unless 0 <= idx < sizes on every axis
    (one unsigned compare each: a negative index is a huge unsigned one)."""
    if e.check_bounds and idx:
        _fail_unless(e, _all_below(e, idx, sizes), _OUT_OF_BOUNDS)


def _all_below(e: FunctionEmitter, values, limits) -> ir.Value:
    """Whether 0 <= value < limit for each pair, as unsigned compares."""
    result = ir.Constant(i1, 1)
    for value, limit in zip(values, limits):
        result = e.b.and_(result, e.b.icmp_unsigned("<", value, limit))
    return result


def _check_view_in_bounds(e: FunctionEmitter, d: Descriptor, op) -> None:
    """With `config.check_bounds`, fail unless the first and the last element of
    every axis of a non-empty subview lie inside its source."""
    if not e.check_bounds:
        return
    b, one = e.b, ir.Constant(i64, 1)
    empty = ir.Constant(i1, 0)
    first, last = [], []
    for offset, size, step in zip(op.offsets, op.sizes, op.strides):
        empty = b.or_(empty, b.icmp_unsigned("==", e[size], ir.Constant(i64, 0)))
        first.append(e[offset])
        last.append(b.add(e[offset], b.mul(b.sub(e[size], one), e[step])))
    inside = _all_below(e, [*first, *last], [*d.sizes, *d.sizes])
    _fail_unless(e, b.or_(empty, inside), _OUT_OF_BOUNDS)


def _dim(e: FunctionEmitter, op: memref.DimOp):
    index_op = op.index.owner
    return e[op.source].sizes[index_op.value.value.data]  # type: ignore[attr-defined]


def _strided_metadata(e: FunctionEmitter, op: memref.ExtractStridedMetaDataOp):
    """The base is the view's first element (offset 0): our descriptors keep no
    separate allocation pointer, and base + offset addresses the same element."""
    d: Descriptor = e[op.source]
    base = Descriptor(d.data, [], [], d.element)
    return [base, ir.Constant(i64, 0), *d.sizes, *d.strides]


def _subview(e: FunctionEmitter, op: memref.SubviewOp):
    d: Descriptor = e[op.source]
    _check_view_in_bounds(e, d, op)
    offsets = [e[v] for v in op.offsets]
    data = e.address(d, offsets)
    dims = list(zip(op.sizes, d.strides, op.strides))
    drop = len(dims) - op.result.type.get_num_dims()  # type: ignore[attr-defined]
    sizes, strides = [], []
    for size, stride, step in dims:
        if drop and constant_index(size) == 1:
            drop -= 1
            continue
        sizes.append(e[size])
        strides.append(e.b.mul(stride, e[step]))
    return Descriptor(data, sizes, strides, d.element)


SCALAR_RULES: dict[type, Callable] = {
    arith.ConstantOp: _constant,
    arith.AddiOp: _binary("add"),
    arith.SubiOp: _binary("sub"),
    arith.MuliOp: _binary("mul"),
    arith.DivSIOp: _binary("sdiv"),
    arith.RemSIOp: _binary("srem"),
    arith.AndIOp: _binary("and_"),
    arith.OrIOp: _binary("or_"),
    arith.XOrIOp: _binary("xor"),
    arith.ShRSIOp: _binary("ashr"),
    arith.ShRUIOp: _binary("lshr"),
    arith.ShLIOp: _binary("shl"),
    arith.AddfOp: _binary("fadd"),
    arith.SubfOp: _binary("fsub"),
    arith.MulfOp: _binary("fmul"),
    arith.DivfOp: _binary("fdiv"),
    arith.NegfOp: lambda e, op: e.b.fneg(e[op.operand]),
    arith.CmpiOp: _cmpi,
    arith.CmpfOp: _cmpf,
    arith.SelectOp: lambda e, op: e.b.select(e[op.cond], e[op.lhs], e[op.rhs]),
    arith.MulSIExtendedOp: _mul_extended,
    arith.DivUIOp: _binary("udiv"),
    arith.RemUIOp: _binary("urem"),
    arith.MaxSIOp: _minmax(">", True),
    arith.MinSIOp: _minmax("<", True),
    arith.MaxUIOp: _minmax(">", False),
    arith.MinUIOp: _minmax("<", False),
    arith.MaximumfOp: _float_intrinsic("maximum", 2),
    arith.MinimumfOp: _float_intrinsic("minimum", 2),
    arith.IndexCastOp: _index_cast,
    arith.SIToFPOp: _cast("sitofp"),
    arith.UIToFPOp: _cast("uitofp"),
    arith.FPToSIOp: _cast("fptosi"),
    arith.ExtFOp: _cast("fpext"),
    arith.TruncFOp: _cast("fptrunc"),
    arith.ExtSIOp: _cast("sext"),
    arith.ExtUIOp: _cast("zext"),
    arith.TruncIOp: _cast("trunc"),
    math.ExpOp: _libm("exp"),
    math.LogOp: _libm("log"),
    math.SqrtOp: _float_intrinsic("sqrt"),
    math.SinOp: _libm("sin"),
    math.CosOp: _libm("cos"),
    math.FloorOp: _float_intrinsic("floor"),
    math.RoundEvenOp: _float_intrinsic("roundeven"),
    math.Exp2Op: _libm("exp2"),
    math.ExpM1Op: _libm("expm1"),
    math.Log2Op: _libm("log2"),
    math.Log10Op: _libm("log10"),
    math.Log1pOp: _libm("log1p"),
    math.TanOp: _libm("tan"),
    math.AsinOp: _libm("asin"),
    math.AcosOp: _libm("acos"),
    math.AtanOp: _libm("atan"),
    math.SinhOp: _libm("sinh"),
    math.CoshOp: _libm("cosh"),
    math.AtanhOp: _libm("atanh"),
    math.ErfOp: _libm("erf"),
    math.CeilOp: _float_intrinsic("ceil"),
    math.AbsFOp: _float_intrinsic("fabs"),
    math.PowFOp: _libm("pow"),
    math.Atan2Op: _libm("atan2"),
    math.TanhOp: _libm("tanh"),
    math.AbsIOp: _abs_int,
    libm.ErfcOp: _libm("erfc"),
    libm.LgammaOp: _lgamma,
    cf.AssertOp: _assert,
    memref.AllocOp: _alloc,
    memref.DeallocOp: _dealloc,
    buffer.PooledAllocOp: _pooled_alloc,
    buffer.FreeOnErrorOp: _free_all,
    memref.LoadOp: _load,
    memref.StoreOp: _store,
    memref.DimOp: _dim,
    memref.SubviewOp: _subview,
    memref.ExtractStridedMetaDataOp: _strided_metadata,
}
