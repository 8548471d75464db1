"""`st` indexing: basic (`st.subtensor`), integer arrays (`st.take`), boolean
masks (`st.compress`), and their updating forms."""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import (
    is_index_scalar,
    parse_index_entry,
    tensor_type,
)
from xdsl.dialects.builtin import (
    ArrayAttr,
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
class SubtensorOp(IRDLOperation):
    """Basic indexing `x[i, a:b:c, ...]` (numpy semantics, negative indices count
    from the end). `index` has one entry per indexed leading axis; the operands hold
    the integer indices and present slice fields, in order. An out-of-range integer
    index is a run-time `IndexError`."""

    name = "st.subtensor"
    input = operand_def(TensorType)
    indices = var_operand_def(TensorType)
    index = prop_def(ArrayAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input $index `(` $indices `)` attr-dict `:` functional-type(operands, $result)"

    def __init__(
        self,
        input: SSAValue,
        entries: Sequence[str],
        indices: Sequence[SSAValue],
        result_type: TensorType,
    ):
        super().__init__(
            operands=[input, indices],
            properties={"index": ArrayAttr([StringAttr(e) for e in entries])},
            result_types=[result_type],
        )

    def entries(self) -> list[str]:
        return [e.data for e in self.index.data]  # type: ignore[attr-defined]

    def verify_(self) -> None:
        parsed = [parse_index_entry(e) for e in self.entries()]
        rank = tensor_type(self.input).get_num_dims()
        if len(parsed) > rank:
            raise VerifyException(f"too many indices ({len(parsed)}) for rank {rank}")
        if sum(n for _, n in parsed) != len(self.indices):
            raise VerifyException("st.subtensor operand count does not match `index`")
        dropped = sum(1 for kind, _ in parsed if kind == "i")
        if self.result.type.get_num_dims() != rank - dropped:
            raise VerifyException(
                "st.subtensor result rank must drop integer-indexed axes"
            )
        for value in self.indices:
            if not is_index_scalar(value):
                raise VerifyException(
                    f"indices must be integer scalars, got {value.type}"
                )


@irdl_op_definition
class SetSubtensorOp(IRDLOperation):
    """A copy of `input` where the region `input[index]` (as in `st.subtensor`) is
    replaced by (`fn = "set"`) or incremented by (`fn = "inc"`) `value`,
    broadcast to the region's shape."""

    name = "st.set_subtensor"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    value = operand_def(TensorType)
    indices = var_operand_def(TensorType)
    index = prop_def(ArrayAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$fn $input `,` $value $index `(` $indices `)` attr-dict `:` "
        "functional-type(operands, $result)"
    )

    def __init__(
        self,
        fn: str,
        input: SSAValue,
        value: SSAValue,
        entries: Sequence[str],
        indices: Sequence[SSAValue],
    ):
        super().__init__(
            operands=[input, value, indices],
            properties={
                "fn": StringAttr(fn),
                "index": ArrayAttr([StringAttr(e) for e in entries]),
            },
            result_types=[input.type],
        )

    def entries(self) -> list[str]:
        return [e.data for e in self.index.data]  # type: ignore[attr-defined]

    def verify_(self) -> None:
        if self.fn.data not in ("set", "inc"):
            raise VerifyException(
                f"st.set_subtensor fn must be set or inc, not {self.fn.data}"
            )
        for entry in self.entries():
            parse_index_entry(entry)
        if tensor_type(self.value).element_type != tensor_type(self.input).element_type:
            raise VerifyException(
                "st.set_subtensor value must have the input's element type"
            )


@irdl_op_definition
class TakeOp(IRDLOperation):
    """`numpy.take(input, indices, axis)`: the result's axes are input's axes
    before `axis`, then the indices' axes, then input's axes after `axis`.
    Negative indices count from the end; others out of range are an IndexError."""

    name = "st.take"
    input = operand_def(TensorType)
    indices = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $indices attr-dict `:` type($input) `,` type($indices) `->` "
        "type($result)"
    )

    def __init__(
        self, input: SSAValue, indices: SSAValue, axis: int, result_type: TensorType
    ):
        super().__init__(
            operands=[input, indices],
            properties={"axis": IntegerAttr(axis, i64)},
            result_types=[result_type],
        )


@irdl_op_definition
class PutOp(IRDLOperation):
    """A copy of `input` where `take(input, indices, axis)` is replaced by (`fn =
    "set"`, the last write wins) or incremented by (`"inc"`, repeated indices add
    up) `value`, broadcast to the taken shape."""

    name = "st.put"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    indices = operand_def(TensorType)
    value = operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$fn $input `,` $indices `,` $value attr-dict `:` type($input) `,` "
        "type($indices) `,` type($value) `->` type($result)"
    )

    def __init__(
        self, fn: str, input: SSAValue, indices: SSAValue, value: SSAValue, axis: int
    ):
        super().__init__(
            operands=[input, indices, value],
            properties={"fn": StringAttr(fn), "axis": IntegerAttr(axis, i64)},
            result_types=[input.type],
        )


@irdl_op_definition
class CompressOp(IRDLOperation):
    """`input[mask]` for a boolean `mask` over input's leading axes: the selected
    elements (or rows), in row-major order."""

    name = "st.compress"
    input = operand_def(TensorType)
    mask = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$input `,` $mask attr-dict `:` type($input) `,` type($mask) `->` type($result)"
    )

    def __init__(self, input: SSAValue, mask: SSAValue, result_type: TensorType):
        super().__init__(operands=[input, mask], result_types=[result_type])


@irdl_op_definition
class MaskedPutOp(IRDLOperation):
    """A copy of `input` where `input[mask]` (see `st.compress`) is replaced by
    (`"set"`) or incremented by (`"inc"`) `value`, broadcast to the selection."""

    name = "st.masked_put"
    fn = prop_def(StringAttr)
    input = operand_def(TensorType)
    mask = operand_def(TensorType)
    value = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$fn $input `,` $mask `,` $value attr-dict `:` type($input) `,` type($mask) "
        "`,` type($value) `->` type($result)"
    )

    def __init__(self, fn: str, input: SSAValue, mask: SSAValue, value: SSAValue):
        super().__init__(
            operands=[input, mask, value],
            properties={"fn": StringAttr(fn)},
            result_types=[input.type],
        )
