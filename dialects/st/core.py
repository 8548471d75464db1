"""Helpers and tables shared by the `st` ops."""

from __future__ import annotations

from xdsl.dialects.builtin import (
    TensorType,
)
from xdsl.ir import SSAValue
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

#: float functions of one operand beyond the `math` dialect's (libm calls or
#: series in the `loops` stage): erfc, log|Gamma|, digamma, trigamma
SPECIAL_UNARY = ("erfc", "gammaln", "psi", "tri_gamma")

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
            "arctan2",
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
    **dict.fromkeys(SPECIAL_UNARY, 1),
    **dict.fromkeys(("neg", "abs", "sign", "invert", "isnan", "isinf"), 1),
    "switch": 3,
    # the value of the first operand, with a gradient of its own (GRADIENT_MARKS)
    "zero_grad": 1,
    "disconnected_grad": 1,
    "grad_scale": 2,
    "grad_clip": 3,
}

#: elementwise functions whose value is their first operand and whose gradient
#: is changed: zero, disconnected, scaled, or clipped between two bounds
GRADIENT_MARKS = ("zero_grad", "disconnected_grad", "grad_scale", "grad_clip")


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


def parse_index_entry(entry: str) -> tuple[str, int]:
    """An index entry is "i" (one integer operand) or "s" + 3 flags, one per slice
    field start/stop/step, each "x" (an operand follows) or "_" (omitted)."""
    if entry == "i":
        return "i", 1
    if len(entry) == 4 and entry[0] == "s" and set(entry[1:]) <= {"x", "_"}:
        return "s", entry.count("x")
    raise VerifyException(f"bad index entry '{entry}'")


REDUCTIONS = ("sum", "prod", "max", "min", "all", "any")
