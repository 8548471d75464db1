"""The `ad` dialect: gradients requested by the frontend, expanded by a pass.

`scanc.grad(cost, wrt)` records one `ad.grad` op; the `construct-gradients` pass
(`compiler/autodiff/`) replaces it by the reverse-mode computation, so the
`grad` stage shows the constructed gradient:

    %g = ad.grad %cost wrt(%W) : tensor<f64>, (tensor<?x?xf64>) -> (tensor<?x?xf64>)

`constants` lists values the gradient does not flow through (PyTensor's
`consider_constant`). `known(%v, ...) grads(%g, ...)` adds `%g` to the adjoint of
`%v` (PyTensor's `known_grads`): the gradient is that of `cost + sum(v * g)`
with `g` held constant.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import TensorType
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class GradOp(IRDLOperation):
    """The gradient of the scalar `cost` with respect to each of `wrt`."""

    name = "ad.grad"
    cost = operand_def(TensorType)
    wrt = var_operand_def(TensorType)
    constants = var_operand_def(TensorType)
    known = var_operand_def(TensorType)
    known_grads = var_operand_def(TensorType)
    gradients = var_result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    assembly_format = (
        "$cost `wrt` `(` $wrt `)` (`constants` `(` $constants^ `)`)? "
        "(`known` `(` $known^ `)` `grads` `(` $known_grads `)`)? attr-dict `:` "
        "type($cost) `,` `(` type($wrt) `)` (`,` `(` type($constants)^ `)`)? "
        "(`known` `(` type($known)^ `)` `(` type($known_grads) `)`)? "
        "`->` `(` type($gradients) `)`"
    )

    def __init__(
        self,
        cost: SSAValue,
        wrt: Sequence[SSAValue],
        constants: Sequence[SSAValue] = (),
        known: Sequence[tuple[SSAValue, SSAValue]] = (),
    ):
        super().__init__(
            operands=[
                cost,
                wrt,
                constants,
                [v for v, _ in known],
                [g for _, g in known],
            ],
            result_types=[[v.type for v in wrt]],
        )

    def verify_(self) -> None:
        cost = self.cost.type
        if not isinstance(cost, TensorType) or cost.get_num_dims() != 0:
            raise VerifyException(f"ad.grad needs a scalar cost, got {cost}")
        if len(self.known) != len(self.known_grads):
            raise VerifyException("ad.grad needs one known gradient per known value")
        for value, gradient in zip(self.known, self.known_grads):
            if value.type != gradient.type:
                raise VerifyException("a known gradient has the type of its value")
        for value, gradient in zip(self.wrt, self.gradients):
            if value.type != gradient.type:
                raise VerifyException("each gradient has the type of its variable")


AD = Dialect("ad", [GradOp], [])
