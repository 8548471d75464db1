"""`st.random`: draws from a counter-based generator state."""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import (
    tensor_type,
)
from xdsl.dialects.builtin import (
    IntegerAttr,
    StringAttr,
    TensorType,
    i64,
)
from xdsl.ir import SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException

#: each distribution and its number of parameters
RANDOM_DISTRIBUTIONS = {
    "uniform": 2,
    "normal": 2,
    "binomial": 2,
    "integers": 2,
    "exponential": 1,
    "gamma": 1,
    "poisson": 1,
}


@irdl_op_definition
class RandomOp(IRDLOperation):
    """Draw a tensor of shape `sizes` from `fn`, with Philox4x32-10 keyed and
    counted by `state` (`[key, counter]`, int64); also returns the state after the
    draw (the counter advanced past every block used). The same state gives the
    same numbers on every target; it is not `Pure` so that no pass merges or moves
    draws. Parameters broadcast to the result's shape:
    uniform(low, high), normal(loc, scale), binomial(n, p), integers(low, high),
    exponential(scale), gamma(shape) (scale 1), poisson(lam).
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
        count = RANDOM_DISTRIBUTIONS[self.fn.data]
        if len(self.params) != count:
            raise VerifyException(
                f"st.random {self.fn.data} takes {count} distribution parameters"
            )
        if len(self.sizes) != self.values.type.get_num_dims():
            raise VerifyException("st.random needs one size per result dimension")
        if tensor_type(self.state).get_shape() != (2,):
            raise VerifyException("st.random state must be tensor<2xi64>")
