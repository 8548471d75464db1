"""`st` matrix factorizations that the `loops` stage computes with LAPACK
(float32/float64 matrices):

    %w, %v = st.eigh %a {lower} : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
    %u, %s, %vt = st.svd %a {full_matrices}
        : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>
    %q, %r = st.qr %a {complete} : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
    %p = st.pinv %a {rcond = 1.0e-15 : f64} : tensor<?x?xf64> -> tensor<?x?xf64>

`st.eigh`: the eigenvalues of a symmetric matrix in ascending order and its
orthonormal eigenvectors as columns, reading one triangle (`lower`: the lower
one). `st.svd`: `a = u diag(s) vt`, singular values descending; `u` is `m x k`
and `vt` `k x n` (`k = min(m, n)`), or square with `full_matrices`. `st.qr`:
`a = q r` with orthonormal columns in `q` (`m x k`, or `m x m` with
`complete`) and `r` upper triangular (`k x n`, or `m x n`). `st.pinv`: the
Moore-Penrose pseudo-inverse (`n x m`), singular values at most `rcond` times
the largest taken as zero (NumPy's rule).
"""

from __future__ import annotations

from scanc.dialects.st.core import tensor_type
from scanc.dialects.st.linalg import check_square, flags
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    Float64Type,
    FloatAttr,
    TensorType,
    UnitAttr,
)
from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


def _matrix(op: IRDLOperation, a: SSAValue) -> list[int]:
    shape = tensor_type(a).get_shape()
    if len(shape) != 2:
        raise VerifyException(f"{op.name} needs a matrix, got {a.type}")
    return list(shape)


def _smaller(m: int, n: int) -> int:
    """min(m, n) as a static size (dynamic unless both are known, or one is 0)."""
    if 0 in (m, n):
        return 0
    return DYNAMIC_INDEX if DYNAMIC_INDEX in (m, n) else min(m, n)


def _like(a: SSAValue, shape: list[int]) -> TensorType:
    return TensorType(tensor_type(a).element_type, shape)


def _check_results(op: IRDLOperation, expected: list[TensorType]) -> None:
    """Each result as `expected` says: element type, rank, and every size that
    both know alike (a pass that learns a size may leave the other unknown)."""
    for result, want in zip(op.results, expected):
        got = tensor_type(result)
        sizes = zip(got.get_shape(), want.get_shape())
        if (
            got.element_type != want.element_type
            or got.get_num_dims() != want.get_num_dims()
            or any(DYNAMIC_INDEX not in pair and pair[0] != pair[1] for pair in sizes)
        ):
            raise VerifyException(
                f"{op.name}: result #{result.index} must be {want}, not {result.type}"
            )


def eigh_types(a: SSAValue) -> list[TensorType]:
    n = tensor_type(a).get_shape()[0]
    return [_like(a, [n]), _like(a, [n, n])]


@irdl_op_definition
class EighOp(IRDLOperation):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix."""

    name = "st.eigh"
    input = operand_def(TensorType)
    lower = opt_prop_def(UnitAttr)
    values = result_def(TensorType)
    vectors = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input attr-dict `:` type($input) `->` type($values) `,` type($vectors)"
    )

    def __init__(self, input: SSAValue, lower: bool):
        super().__init__(
            operands=[input],
            properties=flags(lower=lower),
            result_types=eigh_types(input),
        )

    def verify_(self) -> None:
        check_square(self, self.input)
        _check_results(self, eigh_types(self.input))


def svd_types(a: SSAValue, full_matrices: bool) -> list[TensorType]:
    m, n = tensor_type(a).get_shape()
    k = _smaller(m, n)
    if full_matrices:
        return [_like(a, [m, m]), _like(a, [k]), _like(a, [n, n])]
    return [_like(a, [m, k]), _like(a, [k]), _like(a, [k, n])]


@irdl_op_definition
class SvdOp(IRDLOperation):
    """`u`, `s`, `vt` with `a = u diag(s) vt`, `s` descending."""

    name = "st.svd"
    input = operand_def(TensorType)
    full_matrices = opt_prop_def(UnitAttr)
    u = result_def(TensorType)
    s = result_def(TensorType)
    vt = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input attr-dict `:` type($input) `->` type($u) `,` type($s) `,` type($vt)"
    )

    def __init__(self, input: SSAValue, full_matrices: bool):
        super().__init__(
            operands=[input],
            properties=flags(full_matrices=full_matrices),
            result_types=svd_types(input, full_matrices),
        )

    def verify_(self) -> None:
        _matrix(self, self.input)
        _check_results(self, svd_types(self.input, self.full_matrices is not None))


def qr_types(a: SSAValue, complete: bool) -> list[TensorType]:
    m, n = tensor_type(a).get_shape()
    if complete:
        return [_like(a, [m, m]), _like(a, [m, n])]
    k = _smaller(m, n)
    return [_like(a, [m, k]), _like(a, [k, n])]


@irdl_op_definition
class QrOp(IRDLOperation):
    """`q`, `r` with `a = q r`, `q` orthonormal columns, `r` upper triangular."""

    name = "st.qr"
    input = operand_def(TensorType)
    complete = opt_prop_def(UnitAttr)
    q = result_def(TensorType)
    r = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($q) `,` type($r)"

    def __init__(self, input: SSAValue, complete: bool):
        super().__init__(
            operands=[input],
            properties=flags(complete=complete),
            result_types=qr_types(input, complete),
        )

    def verify_(self) -> None:
        _matrix(self, self.input)
        _check_results(self, qr_types(self.input, self.complete is not None))


@irdl_op_definition
class PinvOp(IRDLOperation):
    """The pseudo-inverse of `a`, singular values up to `rcond` * the largest
    taken as zero."""

    name = "st.pinv"
    input = operand_def(TensorType)
    rcond = prop_def(FloatAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, rcond: float):
        m, n = tensor_type(input).get_shape()
        super().__init__(
            operands=[input],
            properties={"rcond": FloatAttr(rcond, Float64Type())},
            result_types=[_like(input, [n, m])],
        )

    def verify_(self) -> None:
        m, n = _matrix(self, self.input)
        _check_results(self, [_like(self.input, [n, m])])
        if not 0 <= self.rcond.value.data < 1:
            raise VerifyException(f"st.pinv: rcond must be in [0, 1), not {self.rcond}")
