"""`st` products and layout: `st.dot`, `st.transpose`, `st.reshape`,
`st.concatenate`, `st.diagonal`."""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import (
    tensor_type,
)
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IntegerAttr,
    TensorType,
    i64,
)
from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class DotOp(IRDLOperation):
    """numpy `dot` for vectors and matrices: contracts the last axis of `lhs` with
    the first axis of `rhs`."""

    name = "st.dot"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, $result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: TensorType):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        a, b = tensor_type(self.lhs), tensor_type(self.rhs)
        if not (1 <= a.get_num_dims() <= 2 and 1 <= b.get_num_dims() <= 2):
            raise VerifyException("st.dot takes vectors and matrices")
        if a.element_type != b.element_type:
            raise VerifyException("st.dot operands must have the same element type")
        k1, k2 = a.get_shape()[-1], b.get_shape()[0]
        if DYNAMIC_INDEX not in (k1, k2) and k1 != k2:
            raise VerifyException(f"st.dot contracts sizes {k1} and {k2}")
        rank = a.get_num_dims() + b.get_num_dims() - 2
        if self.result.type.get_num_dims() != rank:
            raise VerifyException(f"st.dot result must have rank {rank}")


@irdl_op_definition
class TransposeOp(IRDLOperation):
    """Permute the axes: result axis `i` is input axis `perm[i]`."""

    name = "st.transpose"
    input = operand_def(TensorType)
    perm = prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `to` type($result)"

    def __init__(self, input: SSAValue, perm: Sequence[int], result_type: TensorType):
        super().__init__(
            operands=[input],
            properties={"perm": DenseArrayBase.from_list(i64, perm)},
            result_types=[result_type],
        )

    def verify_(self) -> None:
        perm = list(self.perm.get_values())
        if sorted(perm) != list(range(tensor_type(self.input).get_num_dims())):
            raise VerifyException(f"st.transpose needs a permutation, got {perm}")


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    """The elements of `input`, in row-major order, with the shape `dims`; one
    size may be -1, inferred from the others when the function runs."""

    name = "st.reshape"
    input = operand_def(TensorType)
    dims = var_operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input ` ` `[` $dims `]` attr-dict `:` type($input) `,` `[` type($dims) `]` "
        "`->` type($result)"
    )

    def __init__(
        self, input: SSAValue, dims: Sequence[SSAValue], result_type: TensorType
    ):
        super().__init__(operands=[input, dims], result_types=[result_type])

    def verify_(self) -> None:
        if len(self.dims) != self.result.type.get_num_dims():
            raise VerifyException("st.reshape needs one size per result dimension")


@irdl_op_definition
class ConcatenateOp(IRDLOperation):
    """The inputs joined along `axis` (all other sizes must agree)."""

    name = "st.concatenate"
    inputs = var_operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "`(` $inputs `)` attr-dict `:` type($inputs) `->` type($result)"

    def __init__(self, inputs: Sequence[SSAValue], axis: int, result_type: TensorType):
        super().__init__(
            operands=[inputs],
            properties={"axis": IntegerAttr(axis, i64)},
            result_types=[result_type],
        )

    def verify_(self) -> None:
        rank = self.result.type.get_num_dims()
        if not self.inputs or any(
            tensor_type(v).get_num_dims() != rank for v in self.inputs
        ):
            raise VerifyException(
                "st.concatenate joins one or more tensors of equal rank"
            )


@irdl_op_definition
class DiagonalOp(IRDLOperation):
    """The diagonal `offset` of a matrix (above the main one when positive)."""

    name = "st.diagonal"
    input = operand_def(TensorType)
    offset = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, offset: int, result_type: TensorType):
        super().__init__(
            operands=[input],
            properties={"offset": IntegerAttr(offset, i64)},
            result_types=[result_type],
        )
