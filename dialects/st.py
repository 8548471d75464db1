"""The `st` dialect: value-semantics tensor ops of the `graph` stage.

`st` is what the frontend (`scanc.tensor`) builds. Its values are builtin
`tensor` types; scalars are rank-0 tensors (`tensor<f64>`), dynamic dims are `?`.
Broadcasting follows PyTensor: a dim broadcasts only when its static size is 1;
two dynamic dims must be equal at run time.

Constants use the upstream `arith.constant` with a dense attribute; everything the
upstream dialects cannot say with PyTensor's semantics lives here:

    %p = st.elementwise "mul"(%prior, %A) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    %n = st.dim %A, 0 : tensor<?xf64> -> tensor<i64>
    %o = st.alloc %one [%n] : (tensor<f64>, tensor<i64>) -> tensor<?xf64>
    %s = st.reduce "sum"(%x) {axes = array<i64: 0>} : tensor<?xf64> -> tensor<f64>
    %l = st.subtensor %r [%i] {index = ["i"]} : (tensor<?x?xf64>, tensor<i64>) -> tensor<?xf64>
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    DenseArrayBase,
    IntegerAttr,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
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

#: Elementwise functions and their arity. The `fn` of `st.elementwise` names one.
#: unary functions of floats (integer inputs are converted to float64 first)
FLOAT_UNARY = (
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "arctanh",
    "erf",
    "floor",
    "ceil",
    "round",
)

ELEMENTWISE_ARITY: dict[str, int] = {
    **dict.fromkeys(
        (
            "add",
            "sub",
            "mul",
            "true_div",
            "int_div",
            "mod",
            "pow",
            "maximum",
            "minimum",
            "lt",
            "le",
            "gt",
            "ge",
            "eq",
            "neq",
            "and",
            "or",
            "xor",
        ),
        2,
    ),
    **dict.fromkeys(FLOAT_UNARY, 1),
    **dict.fromkeys(("neg", "abs", "sign", "invert", "isnan", "isinf"), 1),
    "switch": 3,
}

REDUCTIONS = ("sum", "prod", "max", "min", "all", "any")


def tensor_type(value: SSAValue) -> TensorType:
    if not isinstance(value.type, TensorType):
        raise VerifyException(f"expected a tensor value, got {value.type}")
    return value.type


def is_index_scalar(value: SSAValue) -> bool:
    t = value.type
    return (
        isinstance(t, TensorType)
        and t.get_num_dims() == 0
        and (t.element_type.__class__.__name__ == "IntegerType")
    )


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
    """Convert every element to the result's element type (numpy `astype`)."""

    name = "st.cast"
    input = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `to` type($result)"

    def __init__(self, input: SSAValue, result_type: TensorType):
        super().__init__(operands=[input], result_types=[result_type])

    def verify_(self) -> None:
        if tensor_type(self.input).get_shape() != self.result.type.get_shape():
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


def parse_index_entry(entry: str) -> tuple[str, int]:
    """An index entry is "i" (one integer operand) or "s" + 3 flags, one per slice
    field start/stop/step, each "x" (an operand follows) or "_" (omitted)."""
    if entry == "i":
        return "i", 1
    if len(entry) == 4 and entry[0] == "s" and set(entry[1:]) <= {"x", "_"}:
        return "s", entry.count("x")
    raise VerifyException(f"bad index entry '{entry}'")


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
class ReshapeOp(IRDLOperation):
    """The elements of `input`, in row-major order, with the shape `dims`."""

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


RANDOM_DISTRIBUTIONS = ("uniform", "normal", "binomial", "integers")


@irdl_op_definition
class RandomOp(IRDLOperation):
    """Draw a tensor of shape `sizes` from `fn`, with Philox4x32-10 keyed and
    counted by `state` (`[key, counter]`, int64); also returns the state after the
    draw (the counter advanced past every block used). The same state gives the
    same numbers on every target; it is not `Pure` so that no pass merges or moves
    draws. Parameters broadcast to the result's shape:
    uniform(low, high), normal(loc, scale), binomial(n, p), integers(low, high).
    `trials` is binomial's `n` (a constant): the Philox blocks used per element."""

    name = "st.random"
    fn = prop_def(StringAttr)
    trials = prop_def(IntegerAttr)
    state = operand_def(TensorType)
    sizes = var_operand_def(TensorType)
    params = var_operand_def(TensorType)
    values = result_def(TensorType)
    new_state = result_def(TensorType)
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    assembly_format = (
        "$fn $state ` ` `[` $sizes `]` `(` $params `)` `trials` $trials attr-dict `:` "
        "type($state) "
        "`,` `[` type($sizes) `]` `,` `(` type($params) `)` `->` type($values) `,` "
        "type($new_state)"
    )

    def __init__(
        self,
        fn: str,
        state: SSAValue,
        sizes: Sequence[SSAValue],
        params: Sequence[SSAValue],
        values_type: TensorType,
        trials: int = 1,
    ):
        super().__init__(
            operands=[state, sizes, params],
            properties={"fn": StringAttr(fn), "trials": IntegerAttr(trials, i64)},
            result_types=[values_type, state.type],
        )

    def verify_(self) -> None:
        if self.fn.data not in RANDOM_DISTRIBUTIONS:
            raise VerifyException(f"unknown distribution '{self.fn.data}'")
        if len(self.params) != 2:
            raise VerifyException("st.random takes two distribution parameters")
        if len(self.sizes) != self.values.type.get_num_dims():
            raise VerifyException("st.random needs one size per result dimension")
        if tensor_type(self.state).get_shape() != (2,):
            raise VerifyException("st.random state must be tensor<2xi64>")


ST = Dialect(
    "st",
    [
        PlaceholderOp,
        ElementwiseOp,
        CastOp,
        ExpandDimsOp,
        DimOp,
        AllocOp,
        ArangeOp,
        ReduceOp,
        SubtensorOp,
        DotOp,
        TransposeOp,
        SetSubtensorOp,
        RandomOp,
        ArgReduceOp,
        ReshapeOp,
        ConcatenateOp,
        DiagonalOp,
        TakeOp,
        PutOp,
        CompressOp,
        MaskedPutOp,
    ],
    [],
)


def element_of(type_: Attribute) -> Attribute:
    assert isinstance(type_, TensorType)
    return type_.element_type
