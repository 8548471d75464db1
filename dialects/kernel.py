"""The `kernel` dialect: the hand-written and library kernels that `lower-to-loops`
chooses for matrix products, as typed ops of the `loops` stage.

Each op says what it computes and on which operands; the emitter (or another
target) decides how to call it. Operands are strided memref views; the lowering
checks at run time, before the op, what the kernel needs of their strides (see
`scanc.lowering.linalg.kernel_reads`); the verifiers check ranks, element types
and any static stride.

    kernel.vecmat %x, %w -> %out reverse %r         // out = x . W (k, k x n)
    kernel.vecmat_panels %x, %p -> %out reverse %r  // W packed [panels, k, P]
    kernel.vecmat_panels_tiles %x, %p -> %out reverse %r
        tiles %a, %bt -> %y rows %m first %t count %c  // and tiles t..t+c-1 of A . B
    kernel.gemm_tiles %a, %bt -> %y rows %m first %t count %c  // tiles of Y = A . B
    kernel.blas_gemm %a, %b -> %c                   // C = A . B (BLAS dgemm/sgemm)
    kernel.blas_gemv %a, %x -> %y                   // y = A . x (BLAS dgemv/sgemv)

The packed layouts (`[panels, k, P]` for `W`, `[tile panels, k, TILE_COLUMNS]`
for `B`) are defined once, in `scanc.codegen.kernels`, which builds the CPU code.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import Float32Type, Float64Type, IndexType, MemRefType
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
)
from xdsl.utils.exceptions import VerifyException


def _check(op: IRDLOperation, ranks: dict[str, int], floats=(Float64Type, Float32Type)):
    """Every view of `ranks` has that rank and the same float element type,
    one of `floats`; a static innermost stride is 1 (rows contiguous)."""
    elements = set()
    for name, rank in ranks.items():
        type_ = getattr(op, name).type
        if type_.get_num_dims() != rank:
            raise VerifyException(
                f"{op.name}: '{name}' must have rank {rank}, not {type_.get_num_dims()}"
            )
        elements.add(type_.element_type)
        if rank > 1 and _static_inner_stride(type_) not in (None, 1):
            raise VerifyException(f"{op.name}: the rows of '{name}' must be contiguous")
    if len(elements) != 1:
        raise VerifyException(f"{op.name}: operands of different element types")
    (element,) = elements
    if not isinstance(element, floats):
        names = " or ".join(str(f()) for f in floats)
        raise VerifyException(f"{op.name}: element type must be {names}, not {element}")


def _static_inner_stride(type_: MemRefType) -> int | None:
    strides = type_.get_strides()
    if not strides:
        return 1  # row-major
    return strides[-1]


class _VecMat(IRDLOperation):
    """`out = x . W`; `reverse` (0 or 1) walks the column panels backwards (a
    loop passes its step's parity)."""

    #: the rank of `w`
    W_RANK: ClassVar[int]
    x = operand_def(MemRefType)
    w = operand_def(MemRefType)
    out = operand_def(MemRefType)
    reverse = operand_def(IndexType)
    assembly_format = (
        "$x `,` $w `->` $out `reverse` $reverse attr-dict"
        " `:` type($x) `,` type($w) `->` type($out)"
    )

    def __init__(self, x: SSAValue, w: SSAValue, out: SSAValue, reverse: SSAValue):
        super().__init__(operands=[x, w, out, reverse])

    def verify_(self) -> None:
        _check(self, {"x": 1, "w": self.W_RANK, "out": 1})


@irdl_op_definition
class VecMatOp(_VecMat):
    """`out = x . W` by the vector-matrix kernel, `W` as it is."""

    name = "kernel.vecmat"
    W_RANK: ClassVar[int] = 2


@irdl_op_definition
class VecMatPanelsOp(_VecMat):
    """`out = x . W` with `W` packed in column panels, `[panels, k, P]`."""

    name = "kernel.vecmat_panels"
    W_RANK: ClassVar[int] = 3


_TILE_OPERANDS = "$a `,` $bt `->` $y `rows` $rows `first` $first `count` $count"
_TILE_TYPES = "type($a) `,` type($bt) `->` type($y)"


@irdl_op_definition
class GemmTilesOp(IRDLOperation):
    """Tiles `first` to `first + count - 1` of `Y = A . B` (rows `rows` of `Y`),
    `B` packed in tile panels `[tile panels, k, TILE_COLUMNS]`; float64."""

    name = "kernel.gemm_tiles"
    a = operand_def(MemRefType)
    bt = operand_def(MemRefType)
    y = operand_def(MemRefType)
    rows = operand_def(IndexType)
    first = operand_def(IndexType)
    count = operand_def(IndexType)
    assembly_format = f"{_TILE_OPERANDS} attr-dict `:` {_TILE_TYPES}"

    def __init__(self, a, bt, y, rows, first, count):
        super().__init__(operands=[a, bt, y, rows, first, count])

    def verify_(self) -> None:
        _check(self, {"a": 2, "bt": 3, "y": 2}, (Float64Type,))


@irdl_op_definition
class VecMatPanelsTilesOp(IRDLOperation):
    """`kernel.vecmat_panels` that also computes tiles of `Y = A . B` (as
    `kernel.gemm_tiles`) in the same walk over its rows (see
    `scanc.lowering.input_products`); float64."""

    name = "kernel.vecmat_panels_tiles"
    x = operand_def(MemRefType)
    w = operand_def(MemRefType)
    out = operand_def(MemRefType)
    reverse = operand_def(IndexType)
    a = operand_def(MemRefType)
    bt = operand_def(MemRefType)
    y = operand_def(MemRefType)
    rows = operand_def(IndexType)
    first = operand_def(IndexType)
    count = operand_def(IndexType)
    assembly_format = (
        f"$x `,` $w `->` $out `reverse` $reverse `tiles` {_TILE_OPERANDS} attr-dict"
        f" `:` type($x) `,` type($w) `->` type($out) `,` {_TILE_TYPES}"
    )

    def __init__(self, x, w, out, reverse, a, bt, y, rows, first, count):
        super().__init__(operands=[x, w, out, reverse, a, bt, y, rows, first, count])

    def verify_(self) -> None:
        ranks = {"x": 1, "w": 3, "out": 1, "a": 2, "bt": 3, "y": 2}
        _check(self, ranks, (Float64Type,))


class _BlasOp(IRDLOperation):
    a = operand_def(MemRefType)
    b = operand_def(MemRefType)
    c = operand_def(MemRefType)
    assembly_format = (
        "$a `,` $b `->` $c attr-dict `:` type($a) `,` type($b) `->` type($c)"
    )

    def __init__(self, a: SSAValue, b: SSAValue, c: SSAValue):
        super().__init__(operands=[a, b, c])


@irdl_op_definition
class BlasGemmOp(_BlasOp):
    """`C = A . B` by BLAS gemm (row-major, no transposes)."""

    name = "kernel.blas_gemm"

    def verify_(self) -> None:
        _check(self, {"a": 2, "b": 2, "c": 2})


@irdl_op_definition
class BlasGemvOp(_BlasOp):
    """`y = A . x` by BLAS gemv (row-major `A`, not transposed): operands `a`,
    `b` (the vector x) and `c` (y)."""

    name = "kernel.blas_gemv"

    def verify_(self) -> None:
        _check(self, {"a": 2, "b": 1, "c": 1})


OPS: tuple[type[IRDLOperation], ...] = (
    VecMatOp,
    VecMatPanelsOp,
    VecMatPanelsTilesOp,
    GemmTilesOp,
    BlasGemmOp,
    BlasGemvOp,
)

KERNEL = Dialect("kernel", list(OPS), [])
