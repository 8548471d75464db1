"""LLVM types and the register form of a memref, shared by the emitter's parts."""

from __future__ import annotations

from dataclasses import dataclass

from llvmlite import ir
from xdsl.dialects.builtin import Float32Type, Float64Type, IndexType, IntegerType
from xdsl.ir import Attribute

i1, i8, i32, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
f32, f64 = ir.FloatType(), ir.DoubleType()
ptr = ir.PointerType()


def llvm_type(type_: Attribute) -> ir.Type:
    if isinstance(type_, (IndexType,)):
        return i64
    if isinstance(type_, IntegerType):
        return ir.IntType(type_.width.data)
    if isinstance(type_, Float64Type):
        return f64
    if isinstance(type_, Float32Type):
        return f32
    raise NotImplementedError(f"llvm emitter: no LLVM type for {type_}")


@dataclass
class Descriptor:
    """A memref in registers: element pointer, sizes and strides (elements)."""

    data: ir.Value
    sizes: list[ir.Value]
    strides: list[ir.Value]
    element: ir.Type


def contiguous_strides(b: ir.IRBuilder, sizes: list[ir.Value]) -> list[ir.Value]:
    """Row-major strides, in elements, of an array of `sizes`."""
    strides: list[ir.Value] = []
    count: ir.Value = ir.Constant(i64, 1)
    for size in reversed(sizes):
        strides.insert(0, count)
        count = b.mul(count, size)
    return strides


def byte_width(element: ir.Type) -> int:
    """Bytes of one element (an i1 takes one)."""
    if isinstance(element, ir.IntType):
        return max(element.width // 8, 1)
    return 8 if element == f64 else 4
