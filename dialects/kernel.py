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
    %info = kernel.lapack_syevd %a, %w {lower}      // eigenvalues w, vectors into a
    %info = kernel.lapack_gesdd %a -> %u, %s, %vt {full_matrices}  // a destroyed
    %info = kernel.lapack_geqrf %a, %tau            // R and the reflectors into a
    %info = kernel.lapack_orgqr %q, %tau            // the reflectors in q -> Q
    %info = kernel.lapack_gesv %a, %ipiv, %b        // b := a^-1 b, a := its LU
    %info = kernel.lapack_getrf %a, %ipiv           // a := its LU, pivots in ipiv
    %info = kernel.lapack_potrf %a {lower}          // a's triangle := its Cholesky factor
    %info = kernel.lapack_trtrs %a, %b {lower, trans, unit_diagonal}  // b := op(a)^-1 b

The LAPACK ops (LAPACKE, row-major) overwrite their operands and give LAPACKE's
`info` (0: done; above 0: no convergence; -1010 and below: no memory for its
work; other negative values: an argument refused, such as a matrix with NaNs).

The packed layouts (`[panels, k, P]` for `W`, `[tile panels, k, TILE_COLUMNS]`
for `B`) are defined once, in `scanc.codegen.kernels`, which builds the CPU code.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    MemRefType,
    UnitAttr,
)
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    result_def,
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


class _LapackOp(IRDLOperation):
    """A LAPACK routine on contiguous row-major views; `info` is its status."""

    #: the rank of each operand
    RANKS: ClassVar[dict[str, int]]
    info = result_def(IntegerType(64))
    irdl_options = (ParsePropInAttrDict(),)

    def verify_(self) -> None:
        _check(self, self.RANKS)


def _flag(name: str, on: bool) -> dict[str, UnitAttr]:
    return {name: UnitAttr()} if on else {}


@irdl_op_definition
class LapackSyevdOp(_LapackOp):
    """Eigen-decomposition of the symmetric `a` read from one triangle
    (`lower`): eigenvalues ascending into `w`, eigenvectors (columns) into `a`."""

    name = "kernel.lapack_syevd"
    RANKS: ClassVar[dict[str, int]] = {"a": 2, "w": 1}
    a = operand_def(MemRefType)
    w = operand_def(MemRefType)
    lower = opt_prop_def(UnitAttr)
    assembly_format = "$a `,` $w attr-dict `:` type($a) `,` type($w)"

    def __init__(self, a: SSAValue, w: SSAValue, lower: bool):
        super().__init__(
            operands=[a, w],
            properties=_flag("lower", lower),
            result_types=[IntegerType(64)],
        )


@irdl_op_definition
class LapackGesddOp(_LapackOp):
    """`a = u diag(s) vt` by divide and conquer; `a` is destroyed. `u` is
    `m x k` and `vt` `k x n`, or square with `full_matrices`."""

    name = "kernel.lapack_gesdd"
    RANKS: ClassVar[dict[str, int]] = {"a": 2, "u": 2, "s": 1, "vt": 2}
    a = operand_def(MemRefType)
    u = operand_def(MemRefType)
    s = operand_def(MemRefType)
    vt = operand_def(MemRefType)
    full_matrices = opt_prop_def(UnitAttr)
    assembly_format = (
        "$a `->` $u `,` $s `,` $vt attr-dict"
        " `:` type($a) `->` type($u) `,` type($s) `,` type($vt)"
    )

    def __init__(self, a, u, s, vt, full_matrices: bool):
        super().__init__(
            operands=[a, u, s, vt],
            properties=_flag("full_matrices", full_matrices),
            result_types=[IntegerType(64)],
        )


class _Householder(_LapackOp):
    RANKS: ClassVar[dict[str, int]] = {"a": 2, "tau": 1}
    a = operand_def(MemRefType)
    tau = operand_def(MemRefType)
    assembly_format = "$a `,` $tau attr-dict `:` type($a) `,` type($tau)"

    def __init__(self, a: SSAValue, tau: SSAValue):
        super().__init__(operands=[a, tau], result_types=[IntegerType(64)])


@irdl_op_definition
class LapackGeqrfOp(_Householder):
    """QR by Householder reflections: `R` on and above the diagonal of `a`, the
    reflectors below it and their factors in `tau` (`min(m, n)` of them)."""

    name = "kernel.lapack_geqrf"


@irdl_op_definition
class LapackOrgqrOp(_Householder):
    """`a` (`m x n`, `m >= n`) holding the first `len(tau)` reflectors of
    `geqrf` in its leading columns becomes the first `n` columns of `Q`."""

    name = "kernel.lapack_orgqr"


def _right_hand_side_rank(b: SSAValue) -> int:
    """The rank a right-hand side must have: its own for a vector or a matrix."""
    rank = b.type.get_num_dims()
    return rank if rank in (1, 2) else 2


def _check_pivots(op: IRDLOperation, ipiv: SSAValue) -> None:
    type_ = ipiv.type
    if type_.get_num_dims() != 1 or type_.element_type != IntegerType(64):
        raise VerifyException(f"{op.name}: the pivots are a vector of i64, not {type_}")


@irdl_op_definition
class LapackGesvOp(_LapackOp):
    """`b := a^-1 b` (`b` a vector or `[n, k]`) by LU with partial pivoting;
    `a` is overwritten by its factors and `ipiv` by the pivots."""

    name = "kernel.lapack_gesv"
    a = operand_def(MemRefType)
    ipiv = operand_def(MemRefType)
    b = operand_def(MemRefType)
    assembly_format = (
        "$a `,` $ipiv `,` $b attr-dict `:` type($a) `,` type($ipiv) `,` type($b)"
    )

    def __init__(self, a: SSAValue, ipiv: SSAValue, b: SSAValue):
        super().__init__(operands=[a, ipiv, b], result_types=[IntegerType(64)])

    def verify_(self) -> None:
        _check(self, {"a": 2, "b": _right_hand_side_rank(self.b)})
        _check_pivots(self, self.ipiv)


@irdl_op_definition
class LapackGetrfOp(_LapackOp):
    """`a := L U` (unit lower `L` below the diagonal) by partial pivoting, row
    `i` swapped with row `ipiv[i] - 1`."""

    name = "kernel.lapack_getrf"
    a = operand_def(MemRefType)
    ipiv = operand_def(MemRefType)
    assembly_format = "$a `,` $ipiv attr-dict `:` type($a) `,` type($ipiv)"

    def __init__(self, a: SSAValue, ipiv: SSAValue):
        super().__init__(operands=[a, ipiv], result_types=[IntegerType(64)])

    def verify_(self) -> None:
        _check(self, {"a": 2})
        _check_pivots(self, self.ipiv)


@irdl_op_definition
class LapackPotrfOp(_LapackOp):
    """The Cholesky factor of `a` into the triangle it is read from (`lower`);
    the other triangle is left as it was."""

    name = "kernel.lapack_potrf"
    RANKS: ClassVar[dict[str, int]] = {"a": 2}
    a = operand_def(MemRefType)
    lower = opt_prop_def(UnitAttr)
    assembly_format = "$a attr-dict `:` type($a)"

    def __init__(self, a: SSAValue, lower: bool):
        super().__init__(
            operands=[a],
            properties=_flag("lower", lower),
            result_types=[IntegerType(64)],
        )


@irdl_op_definition
class LapackTrtrsOp(_LapackOp):
    """`b := op(a)^-1 b` for the triangle of `a` it reads (`lower`; `op` the
    transpose with `trans`; ones on the diagonal with `unit_diagonal`)."""

    name = "kernel.lapack_trtrs"
    a = operand_def(MemRefType)
    b = operand_def(MemRefType)
    lower = opt_prop_def(UnitAttr)
    trans = opt_prop_def(UnitAttr)
    unit_diagonal = opt_prop_def(UnitAttr)
    assembly_format = "$a `,` $b attr-dict `:` type($a) `,` type($b)"

    def __init__(self, a, b, lower: bool, trans: bool, unit_diagonal: bool):
        flags = {**_flag("lower", lower), **_flag("trans", trans)}
        super().__init__(
            operands=[a, b],
            properties={**flags, **_flag("unit_diagonal", unit_diagonal)},
            result_types=[IntegerType(64)],
        )

    def verify_(self) -> None:
        _check(self, {"a": 2, "b": _right_hand_side_rank(self.b)})


OPS: tuple[type[IRDLOperation], ...] = (
    VecMatOp,
    VecMatPanelsOp,
    VecMatPanelsTilesOp,
    GemmTilesOp,
    BlasGemmOp,
    BlasGemvOp,
    LapackSyevdOp,
    LapackGesddOp,
    LapackGeqrfOp,
    LapackOrgqrOp,
    LapackGesvOp,
    LapackGetrfOp,
    LapackPotrfOp,
    LapackTrtrsOp,
)

KERNEL = Dialect("kernel", list(OPS), [])
