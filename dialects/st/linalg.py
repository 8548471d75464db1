"""`st` linear algebra on square matrices (float32/float64), computed inline by
the `loops` stage (Gaussian elimination with partial pivoting, Cholesky,
substitution), as suits the small matrices of a scan step:

    %x = st.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
    %l = st.cholesky %a {lower} : tensor<?x?xf64> -> tensor<?x?xf64>
    %y = st.triangular_solve %l, %b {lower, trans} : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
    %d = st.det "logabsdet" %a : tensor<?x?xf64> -> tensor<f64>

`st.solve` solves `a x = b` (`b` a vector or a matrix of right-hand sides) and
fails with `LinAlgError` when a pivot is exactly zero, as LAPACK's `gesv`.
`st.cholesky` reads one triangle of `a` (`lower`: the lower one, giving `L`
with `a = L L^T`; else the upper one, giving `U = L^T`) and fails with
`LinAlgError` unless `a` is positive definite, or gives NaNs with `nan_on_error`.
`st.triangular_solve` solves `op(a) x = b` reading one triangle of `a`
(`lower`), `op` the transpose with `trans`, ones on the diagonal with
`unit_diagonal`; a zero on the diagonal fails with `LinAlgError`.
`st.det` is the determinant (`"det"`), the log of its absolute value
(`"logabsdet"`, -inf when singular) or its sign (`"sign"`, 0 when singular).
"""

from __future__ import annotations

from scanc.dialects.st.core import tensor_type
from xdsl.dialects.builtin import StringAttr, TensorType, UnitAttr
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

DETERMINANTS = ("det", "logabsdet", "sign")


def check_square(op: IRDLOperation, a: SSAValue) -> None:
    shape = tensor_type(a).get_shape()
    if len(shape) != 2 or (shape[0] >= 0 and shape[1] >= 0 and shape[0] != shape[1]):
        raise VerifyException(f"{op.name} needs a square matrix, got {a.type}")


def _check_right_hand_side(
    op: IRDLOperation, a: SSAValue, b: SSAValue, x: SSAValue
) -> None:
    check_square(op, a)
    rhs, result = tensor_type(b), tensor_type(x)
    if (
        rhs.get_num_dims() not in (1, 2)
        or rhs.get_num_dims() != result.get_num_dims()
        or rhs.element_type != result.element_type
    ):
        raise VerifyException(
            f"{op.name}: the right-hand side is a vector or a matrix of the result's "
            "element type and rank"
        )


def flags(**flags: bool) -> dict[str, UnitAttr]:
    return {name: UnitAttr() for name, on in flags.items() if on}


@irdl_op_definition
class SolveOp(IRDLOperation):
    """`x` with `a x = b`."""

    name = "st.solve"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)"

    def __init__(self, a: SSAValue, b: SSAValue):
        super().__init__(operands=[a, b], result_types=[b.type])

    def verify_(self) -> None:
        _check_right_hand_side(self, self.a, self.b, self.result)


@irdl_op_definition
class CholeskyOp(IRDLOperation):
    """The Cholesky factor of `a` read from one triangle (see the module docstring)."""

    name = "st.cholesky"
    input = operand_def(TensorType)
    lower = opt_prop_def(UnitAttr)
    nan_on_error = opt_prop_def(UnitAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, lower: bool, nan_on_error: bool = False):
        super().__init__(
            operands=[input],
            properties=flags(lower=lower, nan_on_error=nan_on_error),
            result_types=[input.type],
        )

    def verify_(self) -> None:
        check_square(self, self.input)


@irdl_op_definition
class TriangularSolveOp(IRDLOperation):
    """`x` with `op(a) x = b` for a triangular `a` (see the module docstring)."""

    name = "st.triangular_solve"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    lower = opt_prop_def(UnitAttr)
    trans = opt_prop_def(UnitAttr)
    unit_diagonal = opt_prop_def(UnitAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)"

    def __init__(
        self, a: SSAValue, b: SSAValue, lower: bool, trans: bool, unit_diagonal: bool
    ):
        super().__init__(
            operands=[a, b],
            properties=flags(lower=lower, trans=trans, unit_diagonal=unit_diagonal),
            result_types=[b.type],
        )

    def verify_(self) -> None:
        _check_right_hand_side(self, self.a, self.b, self.result)


@irdl_op_definition
class DetOp(IRDLOperation):
    """The determinant of `input`, its log-absolute value or its sign (`fn`)."""

    name = "st.det"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$fn $input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, fn: str, input: SSAValue):
        element = tensor_type(input).element_type
        super().__init__(
            operands=[input],
            properties={"fn": StringAttr(fn)},
            result_types=[TensorType(element, [])],
        )

    def verify_(self) -> None:
        check_square(self, self.input)
        if self.fn.data not in DETERMINANTS:
            raise VerifyException(
                f"st.det computes one of {DETERMINANTS}, not '{self.fn.data}'"
            )
