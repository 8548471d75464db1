"""`st` ops for the target's choices of how a product in a loop runs, left by
the passes of the `plan` stage (`pack-invariant-matrices`,
`input-products-in-loop`) for `lower-to-loops` to follow. Each has the value
of the product it stands for; the attributes say how it is computed:

    %p = st.pack_panels %W {min_bytes = 1048576 : i64, min_steps = 16 : i64}
        : tensor<?x?xf64> -> tensor<?x?x8xf64>
    %y:2 = st.input_products %X, %W0, %W1 {min_steps = 16 : i64}
        : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>)
        -> (tensor<?x?xf64>, tensor<?x?xf64>)
    %h = scan.loop ... seqs(%y#0 taps [0], %y#1 taps [0]) invariants(%p, %W) {
      %s = st.panel_dot %x, %pp, %w {tiles} : ... -> tensor<?xf64>
    }

`st.pack_panels`: `W` in the panel layout of `scanc.codegen.kernels` (panel
`q` holds columns `q * P` to `q * P + P - 1` of every row, zero past the last
column; `P` is the static last size), made before the `scan.loop` that takes
it as an invariant when `W` has at least `min_bytes` and that loop runs at
least `min_steps` steps (a test at run time); with no panels otherwise. Its
uses are invariants of `scan.loop`s.

`st.panel_dot`: `x . W` for a vector `x`, read from `panels` (`W` packed by
`st.pack_panels`) when they hold any, else from `W`. With `tiles`, the same
kernel call also computes the next rows of its loop's `st.input_products`
(one such product per loop, at the top of its body).

`st.input_products`: `X . W_i` for each `W_i` (float64), read by one
`scan.loop` as sequences at tap 0; that loop computes them a few rows ahead of
its steps inside its `tiles` product when it runs at least `min_steps` steps
and every `W_i` has a whole number of 16-column tiles (`X`'s rows contiguous,
its panels packed), else before its first step.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.scan import LoopOp
from scanc.dialects.st.core import tensor_type
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    Float32Type,
    Float64Type,
    IntegerAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Operation, SSAValue, Use
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


def _check_float_matrix(op: Operation, value: SSAValue, what: str) -> None:
    type_ = tensor_type(value)
    if type_.get_num_dims() != 2 or not isinstance(
        type_.element_type, (Float32Type, Float64Type)
    ):
        raise VerifyException(f"{op.name}: {what} must be a float matrix")


def _is_invariant(use: Use) -> bool:
    """Whether `use` is a `scan.loop` taking its value as an invariant."""
    loop = use.operation
    first = len(loop.operands) - len(getattr(loop, "invariants", ()))
    return isinstance(loop, LoopOp) and use.index >= first


def read_at_tap_zero(use: Use) -> bool:
    """Whether `use` is a `scan.loop` reading its value as a sequence at tap 0."""
    loop = use.operation
    if not isinstance(loop, LoopOp):
        return False
    position = loop.sequence_of(use.index)
    return position is not None and loop.sequence_taps()[position] == (0,)


@irdl_op_definition
class PackPanelsOp(IRDLOperation):
    """`W` in column panels, made before the loop that takes it."""

    name = "st.pack_panels"
    matrix = operand_def(TensorType)
    min_bytes = prop_def(IntegerAttr)
    min_steps = prop_def(IntegerAttr)
    panels = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$matrix attr-dict `:` type($matrix) `->` type($panels)"

    def __init__(self, matrix: SSAValue, columns: int, min_bytes: int, min_steps: int):
        type_ = tensor_type(matrix)
        k = type_.get_shape()[0]
        panels = TensorType(type_.element_type, [DYNAMIC_INDEX, k, columns])
        super().__init__(
            operands=[matrix],
            result_types=[panels],
            properties={
                "min_bytes": IntegerAttr(min_bytes, i64),
                "min_steps": IntegerAttr(min_steps, i64),
            },
        )

    def verify_(self) -> None:
        _check_float_matrix(self, self.matrix, "its operand")
        w, p = tensor_type(self.matrix), tensor_type(self.panels)
        if p.get_num_dims() != 3 or p.element_type != w.element_type:
            raise VerifyException(
                "st.pack_panels: the panels are a rank-3 tensor of the matrix's type"
            )
        if p.get_shape()[2] == DYNAMIC_INDEX:
            raise VerifyException("st.pack_panels: the panel width must be static")
        if not all(_is_invariant(use) for use in self.panels.uses):
            raise VerifyException("st.pack_panels: its panels are scan.loop invariants")


@irdl_op_definition
class PanelDotOp(IRDLOperation):
    """`x . W`, from `panels` when `W` was packed."""

    name = "st.panel_dot"
    vector = operand_def(TensorType)
    panels = operand_def(TensorType)
    matrix = operand_def(TensorType)
    tiles = opt_prop_def(UnitAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$vector `,` $panels `,` $matrix attr-dict `:` "
        "functional-type(operands, $result)"
    )

    def __init__(
        self,
        vector: SSAValue,
        panels: SSAValue,
        matrix: SSAValue,
        result_type: TensorType,
        tiles: bool = False,
    ):
        super().__init__(
            operands=[vector, panels, matrix],
            result_types=[result_type],
            properties={"tiles": UnitAttr()} if tiles else {},
        )

    def verify_(self) -> None:
        _check_float_matrix(self, self.matrix, "its matrix")
        x, w, p = (tensor_type(v) for v in (self.vector, self.matrix, self.panels))
        if x.get_num_dims() != 1 or p.get_num_dims() != 3:
            raise VerifyException("st.panel_dot: a vector, its panels and a matrix")
        if {x.element_type, p.element_type} != {w.element_type}:
            raise VerifyException("st.panel_dot: operands of one element type")
        if self.result.type != TensorType(w.element_type, [w.get_shape()[1]]):
            raise VerifyException("st.panel_dot: the result is a row of the matrix")


@irdl_op_definition
class InputProductsOp(IRDLOperation):
    """`X . W_i` for each `W_i`, computed by the loop that reads them."""

    name = "st.input_products"
    x = operand_def(TensorType)
    matrices = var_operand_def(TensorType)
    min_steps = prop_def(IntegerAttr)
    products = var_result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$x `,` $matrices attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        x: SSAValue,
        matrices: Sequence[SSAValue],
        result_types: Sequence[TensorType],
        min_steps: int,
    ):
        super().__init__(
            operands=[x, list(matrices)],
            result_types=[list(result_types)],
            properties={"min_steps": IntegerAttr(min_steps, i64)},
        )

    def verify_(self) -> None:
        for value in (self.x, *self.matrices):
            _check_float_matrix(self, value, "each operand")
            if not isinstance(tensor_type(value).element_type, Float64Type):
                raise VerifyException("st.input_products: float64 operands")
        if len(self.products) != len(self.matrices) or not self.matrices:
            raise VerifyException("st.input_products: one product per matrix")
        uses = [use for p in self.products for use in p.uses]
        if (
            len(uses) != len(self.products)
            or len({id(use.operation) for use in uses}) != 1
            or not all(read_at_tap_zero(use) for use in uses)
        ):
            raise VerifyException(
                "st.input_products: each product is read once, by one scan.loop, "
                "as a sequence at tap 0"
            )
