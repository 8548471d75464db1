"""The `libm` dialect: C library math functions that the upstream `math`
dialect has no op for, used by the `loops` stage and emitted as libm calls.

    %y = libm.erfc %x : f64          // erfc(x), 1 - erf(x) without cancellation
    %l = libm.lgamma %x : f64        // log |Gamma(x)| (lgamma_r: no global state)
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import AnyFloatConstr
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    irdl_op_definition,
    operand_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure


class _UnaryFloat(IRDLOperation):
    T: ClassVar = VarConstraint("T", AnyFloatConstr)
    operand = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$operand attr-dict `:` type($result)"

    def __init__(self, operand: SSAValue):
        super().__init__(operands=[operand], result_types=[operand.type])


@irdl_op_definition
class ErfcOp(_UnaryFloat):
    """The complementary error function, accurate where it is tiny."""

    name = "libm.erfc"


@irdl_op_definition
class LgammaOp(_UnaryFloat):
    """The logarithm of the absolute value of the gamma function."""

    name = "libm.lgamma"


LIBM = Dialect("libm", [ErfcOp, LgammaOp], [])
