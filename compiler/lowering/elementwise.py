"""Lowering of constants, elementwise ops, casts, fills and ranges.

These become `Lazy` values: nothing is stored until a consumer needs the data,
so a chain of elementwise ops fuses into the one loop that stores its result.

    %p = st.elementwise "mul"(%prior, %a)       (nothing emitted: lazy)
    ... later stored by its consumer:
    scf.for %i = %c0 to %n step %c1 {
      %x = memref.load %prior[%i]   %y = memref.load %a[%i]
      %m = arith.mulf %x, %y        memref.store %m, %dest[%i]
    }
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from scanc.dialects import st
from scanc import dtypes
from scanc.lowering import scalar
from scanc.lowering.builder import Builder, element_type, signless
from scanc.lowering.values import Buffer, Lazy, Lowered, Scalar
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    TensorType,
)
from xdsl.ir import SSAValue

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
    value = b.const(values[0] if values else 0, signless(type_.element_type))
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
        b.store(b.const(v, signless(type_.element_type)), buffer.ref, idx)
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
    what = f"input {op.input.name_hint}" if op.input.name_hint else "st.cast input"
    sizes = lw.b.known_sizes(value.sizes, op.result.type.get_shape(), what)
    if src == dst and isinstance(value, Buffer) and not value.owned:
        return replace(value, sizes=sizes)  # a function argument seen with known sizes
    return Lazy(
        dst, sizes, lambda b, idx: scalar.convert(b, value.load(b, idx), src, dst)
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
    return Scalar("int64", [], lw.b.from_index(size, element_type("int64")))


def lower_alloc(lw: "Lowering", op: st.AllocOp) -> Lowered:
    b = lw.b
    fill = lw.get(op.value).load(b, [])
    sizes = []
    for d in op.dims:
        size = b.to_index(lw.get(d).load(b, []))
        b.check(b.cmpi("sge", size, b.const(0)), "ValueError: negative dimension size")
        sizes.append(size)
    return Lazy(dtype(op.result), sizes, lambda b_, idx: fill)


_TOO_LONG = "ValueError: arange: maximum allowed size exceeded"


def _float_range_length(b, start, stop, step) -> SSAValue:
    """ceil((stop - start) / step), at least 0, after checks that it is a number
    that fits a size (converting NaN or infinity to an integer is undefined)."""
    zero = b.const(0, step.type)
    b.check(b.add(arith.CmpfOp(step, zero, "une")), "ValueError: arange step is zero")
    span = b.add(
        math.CeilOp(b.add(arith.DivfOp(b.add(arith.SubfOp(stop, start)), step)))
    )
    b.check(
        b.add(arith.CmpfOp(span, span, "ord")),
        "ValueError: arange: cannot compute the length (a bound or the step is NaN)",
    )
    limit = b.const(2.0**63, span.type)
    b.check(b.add(arith.CmpfOp(b.add(math.AbsFOp(span)), limit, "olt")), _TOO_LONG)
    count = b.add(arith.FPToSIOp(span, element_type("int64")))
    return b.maxi(b.to_index(count), b.const(0))


def arange_length(b: Builder, start, stop, step, src: str) -> SSAValue:
    """The number of elements of `arange(start, stop, step)` (scalars of dtype
    `src`), checked: a zero step or a length that overflows stops the call."""
    if dtypes.is_float(src):
        return _float_range_length(b, start, stop, step)
    start_i, stop_i, step_i = (
        b.to_index(scalar.convert(b, v, src, "int64")) for v in (start, stop, step)
    )
    b.check(b.cmpi("ne", step_i, b.const(0)), "ValueError: arange step is zero")
    neg = b.cmpi("slt", step_i, b.const(0))
    length = b.range_length(start_i, stop_i, step_i, neg)
    b.check(b.cmpi("sge", length, b.const(0)), _TOO_LONG)
    return length


def lower_arange(lw: "Lowering", op: st.ArangeOp) -> Lowered:
    b = lw.b
    start, stop, step = (lw.get(v).load(b, []) for v in (op.start, op.stop, op.step))
    src, dst = dtype(op.start), dtype(op.result)
    length = arange_length(b, start, stop, step, src)

    def element(b_, idx):
        i = scalar.convert(
            b_, b_.from_index(idx[0], element_type("int64")), "int64", src
        )
        mul = arith.MulfOp if dtypes.is_float(src) else arith.MuliOp
        add = arith.AddfOp if dtypes.is_float(src) else arith.AddiOp
        v = b_.add(add(start, b_.add(mul(i, step))))
        return scalar.convert(b_, v, src, dst)

    return Lazy(dst, [length], element)
