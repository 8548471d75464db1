"""Lowering of `st` ops and dense constants to the `loops` stage.

Elementwise ops, casts, fills and aranges become `Lazy` values (fused into the
loop that consumes them); reductions become loops with an accumulator; basic
indexing becomes a `memref.subview` after bounds checks.

    %p = st.elementwise "mul"(%prior, %a)       (nothing emitted: lazy)
    ... later stored by its consumer:
    scf.for %i = %c0 to %n step %c1 {
      %x = memref.load %prior[%i]   %y = memref.load %a[%i]
      %m = arith.mulf %x, %y        memref.store %m, %dest[%i]
    }
"""

from __future__ import annotations

import numpy as np

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func, math, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseIntOrFPElementsAttr,
    MemRefType,
    StridedLayoutAttr,
    TensorType,
)
from xdsl.dialects.utils.fast_math import FastMathFlag
from xdsl.ir import SSAValue

from scanc.dialects import st
from scanc.frontend import dtypes
from scanc.lowering import scalar
from scanc.runtime import blas
from scanc.lowering.values import Buffer, Lazy, Lowered, Scalar, store_into

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def dtype(value: SSAValue) -> str:
    return dtypes.dtype_of(value.type)


def lower_constant(lw: "Lowering", op: arith.ConstantOp) -> Lowered:
    b = lw.b
    attr = op.value
    type_ = op.result.type
    assert isinstance(attr, DenseIntOrFPElementsAttr) and isinstance(type_, TensorType)
    dt = dtype(op.result)
    values = attr.get_values()
    if len(set(values)) > 1:
        return _stored_constant(lw, dt, type_, values)
    value = b.const(values[0] if values else 0, type_.element_type)
    if type_.get_num_dims() == 0:
        return Scalar(dt, [], value)
    sizes = [b.const(d) for d in type_.get_shape()]
    return Lazy(dt, sizes, lambda b_, idx: value)


#: array constants with more elements are refused (they are stored one by one)
MAX_CONSTANT_ELEMENTS = 4096


def _stored_constant(lw: "Lowering", dt: str, type_: TensorType, values) -> Buffer:
    """A small array constant with different elements, stored into a buffer."""
    if len(values) > MAX_CONSTANT_ELEMENTS:
        raise NotImplementedError(
            f"array constants of more than {MAX_CONSTANT_ELEMENTS} different elements "
            "are not supported; pass the array as an input of the function"
        )
    b = lw.b
    shape = type_.get_shape()
    buffer = lw.new_buffer(dt, [b.const(d) for d in shape])
    for flat, v in enumerate(values):
        idx = [b.const(int(i)) for i in np.unravel_index(flat, shape)]
        b.store(b.const(v, type_.element_type), buffer.ref, idx)
    return buffer


def broadcast_sizes(
    lw: "Lowering", operands: Sequence[Lowered], types: Sequence[TensorType], fn: str
) -> list[SSAValue]:
    """Result sizes of a broadcast; dynamic dims that must agree are checked."""
    b = lw.b
    sizes: list[SSAValue] = []
    for axis in range(len(types[0].get_shape())):
        candidates = [
            (v.sizes[axis], t.get_shape()[axis])
            for v, t in zip(operands, types)
            if t.get_shape()[axis] != 1
        ]
        if not candidates:
            sizes.append(operands[0].sizes[axis])
            continue
        first = candidates[0][0]
        for other, _ in candidates[1:]:
            if other is not first:
                b.check(
                    b.cmpi("eq", first, other),
                    f"ValueError: shape mismatch in '{fn}' along axis {axis} "
                    "(dynamic dimensions must be equal; only static size-1 "
                    "dimensions broadcast)",
                )
        sizes.append(first)
    return sizes


def broadcast_loader(value: Lowered, type_: TensorType, out_type: TensorType):
    """Load an element of `value` at a result index, pinning broadcast axes to 0."""
    pinned = [
        d == 1 and o != 1 for d, o in zip(type_.get_shape(), out_type.get_shape())
    ]
    if not any(pinned):
        return value.load

    def load(b, idx):
        zero = b.const(0)
        return value.load(b, [zero if p else i for p, i in zip(pinned, idx)])

    return load


def lower_elementwise(lw: "Lowering", op: st.ElementwiseOp) -> Lowered:
    fn = op.fn.data
    out_dtype = dtype(op.result)
    in_dtypes = [dtype(v) for v in op.inputs]
    compute = out_dtype
    if fn in ("lt", "le", "gt", "ge", "eq", "neq", "isnan", "isinf"):
        compute = dtypes.upcast(*in_dtypes)
    if fn == "switch":
        compute = out_dtype
    operands = [lw.get(v) for v in op.inputs]
    types = [v.type for v in op.inputs]
    out_type = op.result.type

    def element(b, idx, loaders=None):
        vals = []
        for k, (ld, src) in enumerate(zip(loaders, in_dtypes)):
            target = "bool" if (fn == "switch" and k == 0) else compute
            vals.append(scalar.convert(b, ld(b, idx), src, target))
        return scalar.apply(b, fn, vals, compute)

    if op.result.type.get_num_dims() == 0:
        loaders = [v.load for v in operands]
        return Scalar(out_dtype, [], element(lw.b, [], loaders))
    sizes = broadcast_sizes(lw, operands, types, fn)
    loaders = [broadcast_loader(v, t, out_type) for v, t in zip(operands, types)]
    return Lazy(out_dtype, sizes, lambda b, idx: element(b, idx, loaders))


def lower_cast(lw: "Lowering", op: st.CastOp) -> Lowered:
    src, dst = dtype(op.input), dtype(op.result)
    value = lw.get(op.input)
    if value.rank == 0:
        return Scalar(dst, [], scalar.convert(lw.b, value.load(lw.b, []), src, dst))
    return Lazy(
        dst, value.sizes, lambda b, idx: scalar.convert(b, value.load(b, idx), src, dst)
    )


def lower_expand_dims(lw: "Lowering", op: st.ExpandDimsOp) -> Lowered:
    value = lw.get(op.input)
    axes = set(op.axes.get_values())
    rank = op.result.type.get_num_dims()
    one = lw.b.const(1)
    sizes, inner = [], iter(value.sizes)
    for axis in range(rank):
        sizes.append(one if axis in axes else next(inner))
    keep = [a for a in range(rank) if a not in axes]
    return Lazy(
        value.dtype, sizes, lambda b, idx: value.load(b, [idx[a] for a in keep])
    )


def lower_dim(lw: "Lowering", op: st.DimOp) -> Lowered:
    size = lw.get(op.input).sizes[op.axis.value.data]
    return Scalar("int64", [], lw.b.from_index(size, dtypes.element_type("int64")))


def lower_alloc(lw: "Lowering", op: st.AllocOp) -> Lowered:
    b = lw.b
    fill = lw.get(op.value).load(b, [])
    sizes = []
    for d in op.dims:
        size = b.to_index(lw.get(d).load(b, []))
        b.check(b.cmpi("sge", size, b.const(0)), "ValueError: negative dimension size")
        sizes.append(size)
    return Lazy(dtype(op.result), sizes, lambda b_, idx: fill)


def lower_arange(lw: "Lowering", op: st.ArangeOp) -> Lowered:
    b = lw.b
    start, stop, step = (lw.get(v).load(b, []) for v in (op.start, op.stop, op.step))
    src, dst = dtype(op.start), dtype(op.result)
    zero = b.const(0, step.type)
    if dtypes.is_float(src):
        b.check(
            b.add(arith.CmpfOp(step, zero, "une")), "ValueError: arange step is zero"
        )
        span = b.add(arith.DivfOp(b.add(arith.SubfOp(stop, start)), step))
        count = b.add(
            arith.FPToSIOp(b.add(math.CeilOp(span)), dtypes.element_type("int64"))
        )
    else:
        b.check(b.cmpi("ne", step, zero), "ValueError: arange step is zero")
        # ceil((stop - start) / step) with integer arithmetic
        one = b.const(1, step.type)
        sign = b.select(b.cmpi("sgt", step, zero), one, b.const(-1, step.type))
        numer = b.addi(b.subi(stop, start), b.subi(step, sign))
        count = b.add(arith.DivSIOp(numer, step))
    length = b.maxi(b.to_index(count), b.const(0))

    def element(b_, idx):
        i = scalar.convert(
            b_, b_.from_index(idx[0], dtypes.element_type("int64")), "int64", src
        )
        mul = arith.MulfOp if dtypes.is_float(src) else arith.MuliOp
        add = arith.AddfOp if dtypes.is_float(src) else arith.AddiOp
        v = b_.add(add(start, b_.add(mul(i, step))))
        return scalar.convert(b_, v, src, dst)

    return Lazy(dst, [length], element)


_IDENTITY = {"sum": 0, "prod": 1, "all": 1, "any": 0}
_COMBINE = {
    "sum": "add",
    "prod": "mul",
    "max": "maximum",
    "min": "minimum",
    "all": "and",
    "any": "or",
}


def _combine(b, fn: str, acc: SSAValue, x: SSAValue, dt: str) -> SSAValue:
    return scalar.apply(b, _COMBINE[fn], [acc, x], dt)


def lower_reduce(lw: "Lowering", op: st.ReduceOp) -> Lowered:
    b = lw.b
    fn, dt = op.fn.data, dtype(op.result)
    value = lw.get(op.input)
    axes = list(op.axes.get_values())
    kept = [a for a in range(value.rank) if a not in axes]
    if fn in ("max", "min"):
        for a in axes:
            b.check(
                b.cmpi("sgt", value.sizes[a], b.const(0)),
                f"ValueError: {fn} of an empty axis has no identity",
            )
    if not kept:
        return Scalar(dt, [], _reduce_all(lw, fn, value, dt))
    out = lw.new_buffer(dt, [value.sizes[a] for a in kept])
    reduced_sizes = [value.sizes[a] for a in axes]

    def per_output(out_idx):
        def per_input(red_idx, acc):
            full = [None] * value.rank
            for a, i in zip(kept, out_idx):
                full[a] = i
            for a, i in zip(axes, red_idx):
                full[a] = i
            return _combine(b, fn, acc, value.load(b, full), dt)

        acc = _fold(
            lw,
            reduced_sizes,
            per_input,
            fn,
            dt,
            first=lambda: value.load(b, _first_index(b, value, kept, out_idx)),
        )
        b.store(acc, out.ref, out_idx)

    b.loop_nest(out.sizes, per_output)
    return out


def _first_index(b, value, kept, out_idx):
    full = [b.const(0)] * value.rank
    for a, i in zip(kept, out_idx):
        full[a] = i
    return full


def _fold(lw, sizes, per_element, fn, dt, first):
    """Fold `per_element(idx, acc)` over all indices of `sizes`."""
    b = lw.b
    init = (
        b.const(_IDENTITY[fn], dtypes.element_type(dt)) if fn in _IDENTITY else first()
    )

    def level(depth, idx, acc):
        if depth == len(sizes):
            return per_element(idx, acc)
        return b.for_(
            b.const(0),
            sizes[depth],
            lambda iv, c: [level(depth + 1, idx + [iv], c[0])],
            [acc],
        )[0]

    return level(0, [], init)


def _reduce_all(lw, fn, value: Lowered, dt: str) -> SSAValue:
    b = lw.b
    if value.rank == 0:
        return value.load(b, [])
    return _fold(
        lw,
        value.sizes,
        lambda idx, acc: _combine(b, fn, acc, value.load(b, idx), dt),
        fn,
        dt,
        first=lambda: value.load(b, [b.const(0)] * value.rank),
    )


def _normalize_index(b, i: SSAValue, size: SSAValue, axis: int) -> SSAValue:
    i = b.to_index(i)
    zero = b.const(0)
    i = b.select(b.cmpi("slt", i, zero), b.addi(i, size), i)
    inside = b.add(arith.AndIOp(b.cmpi("sge", i, zero), b.cmpi("slt", i, size)))
    b.check(inside, f"IndexError: index out of bounds for axis {axis}")
    return i


def _slice_bounds(b, size, start, stop, step):
    """numpy's slice normalisation: (offset, length, step) for `start:stop:step`."""
    zero, one = b.const(0), b.const(1)
    step = b.to_index(step) if step is not None else one
    neg = b.cmpi("slt", step, zero)
    minus_one = b.const(-1)

    def clamp(v, default_pos, default_neg):
        if v is None:
            return b.select(neg, default_neg, default_pos)
        v = b.to_index(v)
        v = b.select(b.cmpi("slt", v, zero), b.addi(v, size), v)
        low = b.select(neg, minus_one, zero)
        high = b.select(neg, b.subi(size, one), size)
        return b.mini(b.maxi(v, low), high)

    first = clamp(start, zero, b.subi(size, one))
    last = clamp(stop, size, minus_one)
    # length = max(0, ceil((last - first) / step))
    sign = b.select(neg, minus_one, one)
    numer = b.addi(b.subi(last, first), b.subi(step, sign))
    length = b.maxi(b.add(arith.DivSIOp(numer, step)), zero)
    return first, length, step


def index_view(lw: "Lowering", source: Buffer, entries: list[str], indices):
    """Offsets, sizes and strides of `source[index]` (numpy basic indexing), and the
    sizes of the axes that remain (integer-indexed axes are dropped)."""
    b = lw.b
    operands = iter(indices)
    offsets, sizes, strides, kept_sizes = [], [], [], []
    for axis, entry in enumerate(entries):
        size = source.sizes[axis]
        if entry == "i":
            index = lw.get(next(operands)).load(b, [])
            offsets.append(_normalize_index(b, index, size, axis))
            sizes.append(b.const(1))
            strides.append(b.const(1))
            continue
        fields = [
            lw.get(next(operands)).load(b, []) if f == "x" else None for f in entry[1:]
        ]
        first, length, step = _slice_bounds(b, size, *fields)
        offsets.append(first)
        sizes.append(length)
        strides.append(step)
        kept_sizes.append(length)
    for axis in range(len(entries), source.rank):
        offsets.append(b.const(0))
        sizes.append(source.sizes[axis])
        strides.append(b.const(1))
        kept_sizes.append(source.sizes[axis])
    return offsets, sizes, strides, kept_sizes


def lower_subtensor(lw: "Lowering", op: st.SubtensorOp) -> Lowered:
    b = lw.b
    source = lw.materialize(lw.get(op.input))
    offsets, sizes, strides, kept = index_view(lw, source, op.entries(), op.indices)
    dt = dtype(op.result)
    if not kept:
        return Scalar(dt, [], b.load(source.ref, offsets))
    ref = subview(b, source.ref, offsets, sizes, strides, len(kept))
    return Buffer(dt, kept, ref)


def lower_set_subtensor(lw: "Lowering", op: st.SetSubtensorOp) -> Lowered:
    """Copy the input, then set (or increment) the indexed region of the copy."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    offsets, sizes, strides, kept = index_view(lw, result, op.entries(), op.indices)
    value = lw.get(op.value)
    pinned = [d == 1 for d in op.value.type.get_shape()]  # type: ignore[attr-defined]
    for axis, (p, got, want) in enumerate(zip(pinned, value.sizes, kept)):
        if not p and got is not want:
            b.check(
                b.cmpi("eq", got, want),
                f"ValueError: {op.fn.data}_subtensor value does not fit the "
                f"indexed region along axis {axis}",
            )
    inc, dt = op.fn.data == "inc", result.dtype

    def update(ref, idx):
        zero = b.const(0)
        v = value.load(b, [zero if p else i for p, i in zip(pinned, idx)])
        if inc:
            v = scalar.apply(b, "add", [b.load(ref, idx), v], dt)
        b.store(v, ref, idx)

    if not kept:
        update(result.ref, offsets)
    else:
        view = subview(b, result.ref, offsets, sizes, strides, len(kept))
        b.loop_nest(kept, lambda idx: update(view, idx))
    return result


def lower_transpose(lw: "Lowering", op: st.TransposeOp) -> Lowered:
    value = lw.get(op.input)
    perm = list(op.perm.get_values())

    def element(b, idx):
        source_idx = [None] * len(perm)
        for axis, p in enumerate(perm):
            source_idx[p] = idx[axis]
        return value.load(b, source_idx)

    return Lazy(value.dtype, [value.sizes[p] for p in perm], element)


_CONTRACT = arith.FastMathFlagsAttr([FastMathFlag.ALLOW_CONTRACT])


def multiply_add(b, acc: SSAValue, x: SSAValue, y: SSAValue, dt: str) -> SSAValue:
    """`acc + x * y`; for floats LLVM may fuse it into one FMA (as BLAS does)."""
    if not dtypes.is_float(dt):
        return scalar.apply(b, "add", [acc, scalar.apply(b, "mul", [x, y], dt)], dt)
    product = b.add(arith.MulfOp(x, y, flags=_CONTRACT))
    return b.add(arith.AddfOp(acc, product, flags=_CONTRACT))


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
                return [
                    multiply_add(b, acc[0], a.load(b, [*idx, kk]), w.load(b, [kk]), dt)
                ]

            zero = b.const(0, dtypes.element_type(dt))
            return b.for_(b.const(0), k, step, [zero])[0]

        if a.rank == 1:
            return Scalar(dt, [], element([]))
        out = lw.new_buffer(dt, a.sizes[:1])
        b.for_(b.const(0), a.sizes[0], lambda i, _: b.store(element([i]), out.ref, [i]))
        return out
    rows = a.sizes[:-1]
    out = lw.new_buffer(dt, [*rows, w.sizes[1]])
    inline = lambda: _vector_matrix_loops(b, a, w, out, dt)  # noqa: E731
    if rows and _blas_applies(a, w, dt):
        flops = b.muli(b.muli(rows[0], k), w.sizes[1])
        large = b.cmpi("sge", flops, b.const(BLAS_MIN_MULTIPLY_ADDS))
        call = func.CallOp(GEMM[dt], [a.ref, w.ref, out.ref], [])
        b.if_(large, lambda: b.block.add_op(call), inline)
        lw.externals[GEMM[dt]] = [a.ref.type, w.ref.type, out.ref.type]
    else:
        inline()
    return out


#: matrix products with at least this many multiply-adds call BLAS
BLAS_MIN_MULTIPLY_ADDS = 32 * 32 * 32
GEMM = {"float64": "scanc_cblas_dgemm", "float32": "scanc_cblas_sgemm"}


def _blas_applies(a: Buffer, w: Buffer, dt: str) -> bool:
    """BLAS takes contiguous float matrices (views have unknown strides)."""
    contiguous = all(
        isinstance(v.ref.type, MemRefType)
        and not isinstance(v.ref.type.layout, StridedLayoutAttr)
        for v in (a, w)
    )
    return dt in GEMM and contiguous and blas.available()


#: output columns one block of the vector-matrix kernel keeps in registers
COLUMN_BLOCK = 8


#: products whose matrix has at most this many elements (32 KiB of float64, an L1
#: cache) use the register-blocked kernel; larger ones stream rows of the matrix
BLOCKED_MAX_ELEMENTS = 4096


def _vector_matrix_loops(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w with a kernel chosen at run time by the size of `w`."""
    elements = b.muli(a.sizes[-1], w.sizes[1])
    small = b.cmpi("sle", elements, b.const(BLOCKED_MAX_ELEMENTS))
    b.if_(
        small,
        lambda: _blocked_loops(b, a, w, out, dt),
        lambda: _row_streaming_loops(b, a, w, out, dt),
    )


def _row_streaming_loops(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w in the i-k-j order: the innermost loop walks rows of `w` and
    `out` contiguously, so LLVM vectorizes it into FMAs."""
    zero = b.const(0, dtypes.element_type(dt))
    b.loop_nest(out.sizes, lambda idx: b.store(zero, out.ref, idx))
    rows, k = a.sizes[:-1], a.sizes[-1]

    def row(i: list):
        def over_k(kk, _):
            coefficient = a.load(b, [*i, kk])

            def over_j(j, _):
                acc = b.load(out.ref, [*i, j])
                total = multiply_add(b, acc, coefficient, w.load(b, [kk, j]), dt)
                b.store(total, out.ref, [*i, j])

            b.for_(b.const(0), w.sizes[1], over_j)

        b.for_(b.const(0), k, over_k)

    if rows:
        b.for_(b.const(0), rows[0], lambda i, _: row([i]))
    else:
        row([])


def _blocked_loops(b, a: Lowered, w: Lowered, out: Buffer, dt: str) -> None:
    """out = a . w, one row of `a` at a time. Whole blocks of `COLUMN_BLOCK` output
    columns carry their sums through the k loop as loop values (registers; LLVM's
    SLP vectorizer makes them one vector FMA per k); the last columns use the
    i-k-j order, vectorized over j."""
    rows, k, n = a.sizes[:-1], a.sizes[-1], w.sizes[1]
    width = b.const(COLUMN_BLOCK)
    blocked = b.muli(b.add(arith.DivSIOp(n, width)), width)
    zero = b.const(0, dtypes.element_type(dt))

    def row(i: list):
        def column_block(jb, _):
            def over_k(kk, sums):
                coefficient = a.load(b, [*i, kk])
                return [
                    multiply_add(
                        b,
                        total,
                        coefficient,
                        w.load(b, [kk, b.addi(jb, b.const(c))]),
                        dt,
                    )
                    for c, total in enumerate(sums)
                ]

            sums = b.for_(b.const(0), k, over_k, [zero] * COLUMN_BLOCK)
            for c, total in enumerate(sums):
                b.store(total, out.ref, [*i, b.addi(jb, b.const(c))])

        b.for_(b.const(0), blocked, column_block, step=width)
        b.for_(blocked, n, lambda j, _: b.store(zero, out.ref, [*i, j]))

        def rest(kk, _):
            coefficient = a.load(b, [*i, kk])

            def over_j(j, _):
                acc = b.load(out.ref, [*i, j])
                total = multiply_add(b, acc, coefficient, w.load(b, [kk, j]), dt)
                b.store(total, out.ref, [*i, j])

            b.for_(blocked, n, over_j)

        b.for_(b.const(0), k, rest)

    if rows:
        b.for_(b.const(0), rows[0], lambda i, _: row([i]))
    else:
        row([])


def strided_type(element, rank: int) -> MemRefType:
    """The type of every view: dynamic sizes, strides and offset."""
    return MemRefType(
        element, [DYNAMIC_INDEX] * rank, StridedLayoutAttr([None] * rank, None)
    )


def subview(b, ref, offsets, sizes, strides, rank: int) -> SSAValue:
    result_type = strided_type(ref.type.element_type, rank)
    return b.add(memref.SubviewOp.get(ref, offsets, sizes, strides, result_type))


def lower_arg_reduce(lw: "Lowering", op: st.ArgReduceOp) -> Lowered:
    """For each output element, one pass along the axis carrying (best, index)."""
    b = lw.b
    value = lw.get(op.input)
    axis, fn = op.axis.value.data, op.fn.data
    b.check(
        b.cmpi("sgt", value.sizes[axis], b.const(0)),
        f"ValueError: {fn} of an empty axis",
    )
    out_sizes = [s for a, s in enumerate(value.sizes) if a != axis]

    def index_of_best(idx) -> SSAValue:
        def at(j):
            return value.load(b, [*idx[:axis], j, *idx[axis:]])

        def step(j, carried):
            best, where = carried
            v = at(j)
            better = _better(b, fn, v, best, value.dtype)
            return [b.select(better, v, best), b.select(better, j, where)]

        first = [at(b.const(0)), b.const(0)]
        _, where = b.for_(b.const(1), value.sizes[axis], step, first)
        return b.from_index(where, dtypes.element_type("int64"))

    if not out_sizes:
        return Scalar("int64", [], index_of_best([]))
    out = lw.new_buffer("int64", out_sizes)
    b.loop_nest(out_sizes, lambda idx: b.store(index_of_best(idx), out.ref, idx))
    return out


def _better(b, fn: str, v: SSAValue, best: SSAValue, dt: str) -> SSAValue:
    """Whether `v` replaces `best`: strictly larger (smaller), or the first NaN."""
    better = scalar.apply(b, "gt" if fn == "argmax" else "lt", [v, best], dt)
    if not dtypes.is_float(dt):
        return better
    best_is_nan = b.add(arith.CmpfOp(best, best, "uno"))
    v_is_nan = b.add(arith.CmpfOp(v, v, "uno"))
    better = b.add(arith.OrIOp(better, v_is_nan))
    return b.add(
        arith.AndIOp(
            better, b.add(arith.XOrIOp(best_is_nan, b.const(1, best_is_nan.type)))
        )
    )


def _flatten(b, idx, sizes):
    flat = b.const(0)
    for i, size in zip(idx, sizes):
        flat = b.addi(b.muli(flat, size), i)
    return flat


def unflatten(b, flat, sizes):
    idx = []
    for size in reversed(sizes[1:]):
        idx.insert(0, b.add(arith.RemSIOp(flat, size)))
        flat = b.add(arith.DivSIOp(flat, size))
    return [flat, *idx] if sizes else []


def lower_reshape(lw: "Lowering", op: st.ReshapeOp) -> Lowered:
    b = lw.b
    value = lw.get(op.input)
    sizes = []
    for d in op.dims:
        size = b.to_index(lw.get(d).load(b, []))
        b.check(b.cmpi("sge", size, b.const(0)), "ValueError: negative size in reshape")
        sizes.append(size)
    count = lambda dims: product(b, dims)  # noqa: E731
    b.check(
        b.cmpi("eq", count(sizes), count(value.sizes)),
        "ValueError: reshape must keep the number of elements",
    )
    if value.rank == 0:
        return Lazy(value.dtype, sizes, lambda b_, idx: value.load(b_, []))
    return Lazy(
        value.dtype,
        sizes,
        lambda b_, idx: value.load(
            b_, unflatten(b_, _flatten(b_, idx, sizes), value.sizes)
        ),
    )


def product(b, sizes):
    total = b.const(1)
    for size in sizes:
        total = b.muli(total, size)
    return total


def lower_concatenate(lw: "Lowering", op: st.ConcatenateOp) -> Lowered:
    """Store each input into its slice of one new buffer."""
    b = lw.b
    axis = op.axis.value.data
    parts = [lw.get(v) for v in op.inputs]
    first = parts[0]
    for n, part in enumerate(parts[1:], start=1):
        for a in range(first.rank):
            if a != axis and part.sizes[a] is not first.sizes[a]:
                b.check(
                    b.cmpi("eq", part.sizes[a], first.sizes[a]),
                    f"ValueError: concatenate input {n} differs in size along axis {a}",
                )
    total = b.const(0)
    for part in parts:
        total = b.addi(total, part.sizes[axis])
    sizes = [total if a == axis else s for a, s in enumerate(first.sizes)]
    out = lw.new_buffer(dtype(op.result), sizes)
    offset = b.const(0)
    one = b.const(1)
    for part in parts:
        offsets = [offset if a == axis else b.const(0) for a in range(first.rank)]
        view = subview(b, out.ref, offsets, part.sizes, [one] * first.rank, first.rank)
        store_into(b, part, view, part.sizes)
        offset = b.addi(offset, part.sizes[axis])
    return out


def lower_diagonal(lw: "Lowering", op: st.DiagonalOp) -> Lowered:
    b = lw.b
    value = lw.get(op.input)
    k = op.offset.value.data
    rows, cols = value.sizes
    if k >= 0:
        length = b.mini(rows, b.subi(cols, b.const(k)))
    else:
        length = b.mini(b.addi(rows, b.const(k)), cols)
    length = b.maxi(length, b.const(0))
    row0, col0 = max(-k, 0), max(k, 0)
    return Lazy(
        value.dtype,
        [length],
        lambda b_, idx: value.load(
            b_, [b_.addi(idx[0], b_.const(row0)), b_.addi(idx[0], b_.const(col0))]
        ),
    )


def lower_take(lw: "Lowering", op: st.TakeOp) -> Lowered:
    value, indices = lw.materialize(lw.get(op.input)), lw.get(op.indices)
    axis, k = op.axis.value.data, indices.rank
    sizes = [*value.sizes[:axis], *indices.sizes, *value.sizes[axis + 1 :]]

    def element(b, idx):
        position = indices.load(b, idx[axis : axis + k])
        at = _normalize_index(b, position, value.sizes[axis], axis)
        return value.load(b, [*idx[:axis], at, *idx[axis + k :]])

    return Lazy(value.dtype, sizes, element)


def lower_put(lw: "Lowering", op: st.PutOp) -> Lowered:
    """Copy the input, then write (or add) each taken position, in index order."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    indices, value = lw.get(op.indices), lw.get(op.value)
    axis, k = op.axis.value.data, indices.rank
    taken = [*result.sizes[:axis], *indices.sizes, *result.sizes[axis + 1 :]]
    pinned = [d == 1 for d in op.value.type.get_shape()]  # type: ignore[attr-defined]
    for a, (p, got, want) in enumerate(zip(pinned, value.sizes, taken)):
        if not p and got is not want:
            b.check(
                b.cmpi("eq", got, want),
                f"ValueError: {op.fn.data}_subtensor value does not fit the "
                f"indexed elements along axis {a}",
            )

    def update(idx):
        at = _normalize_index(
            b, indices.load(b, idx[axis : axis + k]), result.sizes[axis], axis
        )
        target = [*idx[:axis], at, *idx[axis + k :]]
        v = value.load(b, [b.const(0) if p else i for p, i in zip(pinned, idx)])
        if op.fn.data == "inc":
            v = scalar.apply(b, "add", [b.load(result.ref, target), v], result.dtype)
        b.store(v, result.ref, target)

    b.loop_nest(taken, update)
    return result


def lower_compress(lw: "Lowering", op: st.CompressOp) -> Lowered:
    """Count the true mask elements, then copy the selected rows in order."""
    b = lw.b
    value, mask = lw.materialize(lw.get(op.input)), lw.get(op.mask)
    k = mask.rank
    for a in range(k):
        b.check(
            b.cmpi("eq", mask.sizes[a], value.sizes[a]),
            f"IndexError: boolean index does not match the indexed array along axis {a}",
        )
    flat_mask = mask.sizes

    def count_true(idx, total):
        bit = b.to_index(scalar.convert(b, mask.load(b, idx), "bool", "int64"))
        return b.addi(total, bit)

    count = _fold_indices(b, flat_mask, count_true, b.const(0))
    out = lw.new_buffer(value.dtype, [count, *value.sizes[k:]])

    def copy(idx, written):
        selected = scalar.convert(b, mask.load(b, idx), mask.dtype, "bool")

        def write():
            source = value if value.rank == k else None
            if source is not None:
                b.store(value.load(b, idx), out.ref, [written])
            else:
                rest = value.sizes[k:]
                b.loop_nest(
                    rest,
                    lambda tail: b.store(
                        value.load(b, [*idx, *tail]), out.ref, [written, *tail]
                    ),
                )

        b.if_(selected, write)
        return b.addi(written, b.to_index(scalar.convert(b, selected, "bool", "int64")))

    _fold_indices(b, flat_mask, copy, b.const(0))
    return out


def lower_masked_put(lw: "Lowering", op: st.MaskedPutOp) -> Lowered:
    """Copy the input, then update the selected elements (rows) in order; the
    value's leading axis, unless it broadcasts, counts the selected ones."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    mask, value = lw.get(op.mask), lw.get(op.value)
    k = mask.rank
    for a in range(k):
        b.check(
            b.cmpi("eq", mask.sizes[a], result.sizes[a]),
            f"IndexError: boolean index does not match the indexed array along axis {a}",
        )
    pinned = [d == 1 for d in op.value.type.get_shape()]  # type: ignore[attr-defined]
    if not pinned[0]:
        count = _fold_indices(
            b,
            mask.sizes,
            lambda idx, total: b.addi(
                total,
                b.to_index(scalar.convert(b, mask.load(b, idx), mask.dtype, "int64")),
            ),
            b.const(0),
        )
        b.check(
            b.cmpi("eq", value.sizes[0], count),
            f"ValueError: {op.fn.data}_subtensor value does not fit the selection",
        )

    def visit(idx, seen):
        selected = scalar.convert(b, mask.load(b, idx), mask.dtype, "bool")

        def update():
            def at(tail):
                target = [*idx, *tail]
                source = [b.const(0) if p else i for p, i in zip(pinned, [seen, *tail])]
                v = value.load(b, source)
                if op.fn.data == "inc":
                    v = scalar.apply(
                        b, "add", [b.load(result.ref, target), v], result.dtype
                    )
                b.store(v, result.ref, target)

            b.loop_nest(result.sizes[k:], at)

        b.if_(selected, update)
        return b.addi(seen, b.to_index(scalar.convert(b, selected, "bool", "int64")))

    _fold_indices(b, mask.sizes, visit, b.const(0))
    return result


def _fold_indices(b, sizes, step, init: SSAValue) -> SSAValue:
    """`step(idx, acc)` over every index of `sizes` in row-major order."""

    def level(depth, idx, acc):
        if depth == len(sizes):
            return step(idx, acc)
        return b.for_(
            b.const(0),
            sizes[depth],
            lambda iv, c: [level(depth + 1, idx + [iv], c[0])],
            [acc],
        )[0]

    return level(0, [], init)


LOWERINGS = {
    arith.ConstantOp: lower_constant,
    st.ElementwiseOp: lower_elementwise,
    st.CastOp: lower_cast,
    st.ExpandDimsOp: lower_expand_dims,
    st.DimOp: lower_dim,
    st.AllocOp: lower_alloc,
    st.ArangeOp: lower_arange,
    st.ReduceOp: lower_reduce,
    st.SubtensorOp: lower_subtensor,
    st.SetSubtensorOp: lower_set_subtensor,
    st.TransposeOp: lower_transpose,
    st.DotOp: lower_dot,
    st.ArgReduceOp: lower_arg_reduce,
    st.ReshapeOp: lower_reshape,
    st.ConcatenateOp: lower_concatenate,
    st.DiagonalOp: lower_diagonal,
    st.TakeOp: lower_take,
    st.PutOp: lower_put,
    st.CompressOp: lower_compress,
    st.MaskedPutOp: lower_masked_put,
}
