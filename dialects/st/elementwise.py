"""`st` ops that make or transform tensors element by element: placeholders,
elementwise functions, casts, broadcast axes, sizes, fills and ranges."""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import (
    ELEMENTWISE_ARITY,
    tensor_type,
)
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IntegerAttr,
    StringAttr,
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
class PlaceholderOp(IRDLOperation):
    """A named symbolic input (`st.vector("A")`) before `function` binds it.

    Placeholders live only in the frontend's detached graph: `function` maps each
    one to an argument of the `func.func` it builds, so they never reach a pass.
    """

    name = "st.placeholder"
    var_name = prop_def(StringAttr, prop_name="name")
    result = result_def(TensorType)
    assembly_format = "$name attr-dict `:` type($result)"

    def __init__(self, name: str, type_: TensorType):
        super().__init__(properties={"name": StringAttr(name)}, result_types=[type_])


@irdl_op_definition
class ElementwiseOp(IRDLOperation):
    """Apply the scalar function `fn` to broadcast operands, element by element."""

    name = "st.elementwise"
    fn = prop_def(StringAttr)
    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$fn `(` $inputs `)` attr-dict `:` functional-type($inputs, $result)"
    )

    def __init__(self, fn: str, inputs: Sequence[SSAValue], result_type: TensorType):
        super().__init__(
            operands=[inputs],
            properties={"fn": StringAttr(fn)},
            result_types=[result_type],
        )

    def verify_(self) -> None:
        fn = self.fn.data
        if fn not in ELEMENTWISE_ARITY:
            raise VerifyException(f"unknown elementwise function '{fn}'")
        if len(self.inputs) != ELEMENTWISE_ARITY[fn]:
            raise VerifyException(
                f"'{fn}' takes {ELEMENTWISE_ARITY[fn]} operands, got {len(self.inputs)}"
            )
        rank = self.result.type.get_num_dims()
        for operand in self.inputs:
            if tensor_type(operand).get_num_dims() != rank:
                raise VerifyException(
                    "operands of st.elementwise must have the result's rank "
                    f"{rank} (the frontend inserts st.expand_dims to broadcast)"
                )


@irdl_op_definition
class CastOp(IRDLOperation):
    """Convert every element to the result's element type (numpy `astype`); the
    result type may also know fewer or more sizes statically (never other ones)."""

    name = "st.cast"
    input = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `to` type($result)"

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        source, target = (
            tensor_type(self.input).get_shape(),
            self.result.type.get_shape(),
        )
        if len(source) != len(target) or any(
            a != b and DYNAMIC_INDEX not in (a, b) for a, b in zip(source, target)
        ):
            raise VerifyException("st.cast must not change the shape")


@irdl_op_definition
class ExpandDimsOp(IRDLOperation):
    """Insert broadcastable (size-1) axes at the positions `axes` of the result."""

    name = "st.expand_dims"
    input = operand_def(TensorType)
    axes = prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `to` type($result)"

    def __init__(self, input: SSAValue, axes: Sequence[int], result_type: TensorType):
        super().__init__(
            operands=[input],
            properties={"axes": DenseArrayBase.from_list(i64, axes)},
            result_types=[result_type],
        )


@irdl_op_definition
class DimOp(IRDLOperation):
    """The size of dimension `axis` of `input`, as an int64 scalar."""

    name = "st.dim"
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, axis: int):
        super().__init__(
            operands=[input],
            properties={"axis": IntegerAttr(axis, i64)},
            result_types=[TensorType(i64, [])],
        )

    def verify_(self) -> None:
        rank = tensor_type(self.input).get_num_dims()
        if not 0 <= self.axis.value.data < rank:
            raise VerifyException(
                f"axis {self.axis.value.data} out of range for rank {rank}"
            )


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A tensor of the given shape filled with the scalar `value`."""

    name = "st.alloc"
    value = operand_def(TensorType)
    dims = var_operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$value ` ` `[` $dims `]` attr-dict `:` functional-type(operands, $result)"
    )

    def __init__(
        self, value: SSAValue, dims: Sequence[SSAValue], result_type: TensorType
    ):
        super().__init__(operands=[value, dims], result_types=[result_type])

    def verify_(self) -> None:
        if tensor_type(self.value).get_num_dims() != 0:
            raise VerifyException("st.alloc fills with a scalar (rank-0) value")
        if len(self.dims) != self.result.type.get_num_dims():
            raise VerifyException("st.alloc needs one size per result dimension")


@irdl_op_definition
class ArangeOp(IRDLOperation):
    """`numpy.arange(start, stop, step)` with scalar operands."""

    name = "st.arange"
    start = operand_def(TensorType)
    stop = operand_def(TensorType)
    step = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$start `,` $stop `,` $step attr-dict `:` functional-type(operands, $result)"
    )

    def __init__(
        self, start: SSAValue, stop: SSAValue, step: SSAValue, type_: TensorType
    ):
        super().__init__(operands=[start, stop, step], result_types=[type_])
