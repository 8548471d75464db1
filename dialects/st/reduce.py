"""`st` reductions: `st.reduce` and `st.arg_reduce`."""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import (
    REDUCTIONS,
    tensor_type,
)
from xdsl.dialects.builtin import (
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
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class ReduceOp(IRDLOperation):
    """Reduce `input` with `fn` over `axes` (sorted, unique); those axes disappear."""

    name = "st.reduce"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    axes = prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$fn `(` $input `)` attr-dict `:` type($input) `->` type($result)"

    def __init__(
        self, fn: str, input: SSAValue, axes: Sequence[int], type_: TensorType
    ):
        super().__init__(
            operands=[input],
            properties={
                "fn": StringAttr(fn),
                "axes": DenseArrayBase.from_list(i64, axes),
            },
            result_types=[type_],
        )

    def verify_(self) -> None:
        if self.fn.data not in REDUCTIONS:
            raise VerifyException(f"unknown reduction '{self.fn.data}'")
        rank = tensor_type(self.input).get_num_dims()
        axes = self.axes.get_values()
        if list(axes) != sorted(set(axes)) or any(not 0 <= a < rank for a in axes):
            raise VerifyException(f"bad reduction axes {list(axes)} for rank {rank}")
        if self.result.type.get_num_dims() != rank - len(axes):
            raise VerifyException("st.reduce result rank must drop the reduced axes")


@irdl_op_definition
class ArgReduceOp(IRDLOperation):
    """Index (int64) of the first largest ("argmax") or smallest ("argmin") element
    along `axis`; a NaN counts as the extreme, as in numpy."""

    name = "st.arg_reduce"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$fn `(` $input `)` attr-dict `:` type($input) `->` type($result)"

    def __init__(self, fn: str, input: SSAValue, axis: int, result_type: TensorType):
        super().__init__(
            operands=[input],
            properties={"fn": StringAttr(fn), "axis": IntegerAttr(axis, i64)},
            result_types=[result_type],
        )

    def verify_(self) -> None:
        if self.fn.data not in ("argmax", "argmin"):
            raise VerifyException(f"unknown index reduction '{self.fn.data}'")
        rank = tensor_type(self.input).get_num_dims()
        if not 0 <= self.axis.value.data < rank:
            raise VerifyException(
                f"axis {self.axis.value.data} out of range for rank {rank}"
            )


@irdl_op_definition
class ArgsortOp(IRDLOperation):
    """The int64 indices that sort `input` along its last axis (ascending,
    stable: equal elements keep their order, NaN after everything, as NumPy's
    `argsort(kind="stable")`)."""

    name = "st.argsort"
    input = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($result)"

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        source, result = tensor_type(self.input), tensor_type(self.result)
        if source.get_num_dims() == 0 or source.get_num_dims() != result.get_num_dims():
            raise VerifyException(
                "st.argsort sorts along the last axis of a tensor of rank >= 1"
            )
