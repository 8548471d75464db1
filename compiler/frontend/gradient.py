"""`scanc.grad` (also `scanc.gradient.grad`): request a gradient in the graph.

The frontend only records an `ad.grad` op after checking the request; the
`construct-gradients` pass builds the gradient (the `grad` stage).
"""

from __future__ import annotations

import warnings

from scanc.dialects import st
from scanc.dialects.ad import GradOp
from scanc import dtypes
from scanc.graph import TensorVariable, emit
from xdsl.ir import Operation, SSAValue


class DisconnectedInputError(ValueError):
    """`grad` was asked for a variable the cost does not depend on."""


def _ancestors(value: SSAValue) -> set[SSAValue]:
    """The values `value` is computed from, along the paths a gradient takes."""
    seen, stack = set(), [value]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if isinstance(v.owner, Operation):
            stack.extend(_gradient_operands(v.owner))
    return seen


def _gradient_operands(op: Operation) -> list[SSAValue]:
    """The operands a gradient can flow to: not through `disconnected_grad`,
    nor to the factor or the bounds of `grad_scale` and `grad_clip`."""
    if isinstance(op, st.ElementwiseOp) and op.fn.data in st.GRADIENT_MARKS:
        return [] if op.fn.data == "disconnected_grad" else [op.operands[0]]
    return list(op.operands)


def grad(
    cost,
    wrt,
    consider_constant=None,
    disconnected_inputs="raise",
    known_grads=None,
    **_,
):
    """The gradient of the scalar `cost` with respect to `wrt` (a variable or a
    list), as PyTensor's `grad`. `known_grads` maps variables to gradients the
    caller already knows (then `cost` may be None)."""
    from scanc.tensor import as_tensor_variable, zeros_like

    known = _known_pairs(known_grads or {})
    if cost is None:
        if not known:
            raise TypeError("grad: cost is None and no known_grads are given")
        cost = as_tensor_variable(0.0)
    cost = as_tensor_variable(cost)
    if cost.ndim != 0:
        raise TypeError(f"grad: cost must be a scalar, got {cost.ndim} dimensions")
    if not dtypes.is_float(cost.dtype):
        raise TypeError(f"grad: cost must be a float, got {cost.dtype}")
    single = not isinstance(wrt, (list, tuple))
    variables = [wrt] if single else list(wrt)
    for var in variables:
        if not isinstance(var, TensorVariable):
            raise TypeError(f"grad: wrt must be symbolic variables, got {var!r}")
        if not dtypes.is_float(var.dtype):
            raise TypeError(
                f"grad: cannot differentiate with respect to the integer {var}"
            )
    ancestors = set().union(*(_ancestors(v) for v in [cost.value, *known]))
    connected = []
    for var in variables:
        if var.value in ancestors:
            connected.append(var)
            continue
        message = f"grad: cost does not depend on {var}"
        if disconnected_inputs == "raise":
            raise DisconnectedInputError(message + " (disconnected_inputs='raise')")
        if disconnected_inputs == "warn":
            warnings.warn(message, stacklevel=2)
    constants = [as_tensor_variable(c).value for c in (consider_constant or [])]
    gradients = {}
    if connected:
        op = emit(
            GradOp(cost.value, [v.value for v in connected], constants, known.items())
        )
        gradients = {id(v): TensorVariable(g) for v, g in zip(connected, op.results)}
    results = [
        gradients[id(v)] if id(v) in gradients else zeros_like(v) for v in variables
    ]
    return results[0] if single else results


def _known_pairs(known_grads) -> dict[SSAValue, SSAValue]:
    """known_grads as (value, gradient) with the gradient in the value's type."""
    from scanc.dialects import st
    from scanc.tensor import as_tensor_variable, cast

    if not isinstance(known_grads, dict):
        raise TypeError("grad: known_grads must be a dict {variable: gradient}")
    pairs = {}
    for var, g in known_grads.items():
        if not isinstance(var, TensorVariable) or not dtypes.is_float(var.dtype):
            raise TypeError(
                f"grad: known_grads keys must be float variables, got {var!r}"
            )
        g = cast(as_tensor_variable(g), var.dtype)
        if g.ndim != var.ndim:
            raise ValueError(
                f"grad: the known gradient of {var} has {g.ndim} dimensions, "
                f"not {var.ndim}"
            )
        if g.ir_type != var.ir_type:
            g = TensorVariable(emit(st.CastOp(g.value, var.ir_type)).results[0])
        pairs[var.value] = g.value
    return pairs
