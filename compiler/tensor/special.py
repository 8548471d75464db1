"""Special functions of real models (PyTensor's `pt.special` and `pt.math`
names), each a composition of elementwise ops and reductions, written so that
neither the value nor the gradient overflows or turns into NaN where the
function itself is finite: the maximum subtracted for stability carries no
gradient (it cancels), and the branch a `switch` does not take reads a safe
input."""

from __future__ import annotations

import math

from scanc.graph import TensorVariable
from scanc.gradient import zero_grad
from scanc.tensor.basic import (
    _axes,
    as_tensor_variable,
    eq,
    exp,
    expm1,
    isinf,
    log,
    log1p,
    lt,
    maximum,
    minimum,
    sigmoid,
    softplus,
    switch,
)
from scanc.tensor.reductions import max as max_
from scanc.tensor.reductions import sum as sum_

_LN_HALF = -math.log(2.0)


def _offset(top: TensorVariable) -> TensorVariable:
    """A maximum to subtract for stability: 0 where it is infinite (all -inf:
    subtracting it would give NaN), without a gradient of its own (it cancels)."""
    return zero_grad(switch(isinf(top), 0.0, top))


def _stable_max(x: TensorVariable, axes: list[int]) -> TensorVariable:
    return _offset(max_(x, axis=axes, keepdims=True))


def logsumexp(x, axis=None, keepdims=False) -> TensorVariable:
    """log(sum(exp(x))) over `axis`, stable for large and -inf entries."""
    x = as_tensor_variable(x)
    axes = _axes(x, axis)
    top = _stable_max(x, axes)
    out = log(sum_(exp(x - top), axis=axes, keepdims=True)) + top
    return out if keepdims else out.squeeze(axes)


def softmax(c, axis=None) -> TensorVariable:
    """exp(c) / sum(exp(c)) over `axis` (all axes for None)."""
    c = as_tensor_variable(c)
    axes = _axes(c, axis)
    e = exp(c - _stable_max(c, axes))
    return e / sum_(e, axis=axes, keepdims=True)


def log_softmax(c, axis=None) -> TensorVariable:
    """c - logsumexp(c) over `axis` (all axes for None)."""
    c = as_tensor_variable(c)
    axes = _axes(c, axis)
    shifted = c - _stable_max(c, axes)
    return shifted - log(sum_(exp(shifted), axis=axes, keepdims=True))


def logaddexp(*xs) -> TensorVariable:
    """log(exp(x1) + exp(x2) + ...), broadcasting the inputs."""
    xs = [as_tensor_variable(x) for x in xs]
    top = xs[0]
    for x in xs[1:]:
        top = maximum(top, x)
    top = _offset(top)
    total = exp(xs[0] - top)
    for x in xs[1:]:
        total = total + exp(x - top)
    return log(total) + top


def log1mexp(x) -> TensorVariable:
    """log(1 - exp(x)) for x <= 0, accurate on both sides of -log 2."""
    x = as_tensor_variable(x)
    near_zero = log(-expm1(maximum(x, _LN_HALF)))
    far = log1p(-exp(minimum(x, _LN_HALF)))
    return switch(lt(x, _LN_HALF), far, near_zero)


log1pexp = softplus
expit = sigmoid


def logit(x) -> TensorVariable:
    """log(x / (1 - x)), the inverse of `expit`."""
    x = as_tensor_variable(x)
    return log(x / (1 - x))


def xlogy0(x, y) -> TensorVariable:
    """x * log(y), and 0 where x is 0 (whatever y is)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    return x * log(switch(eq(x, 0), 1.0, y))


xlogy = xlogy0


def xlogx(x) -> TensorVariable:
    """x * log(x), and 0 at x = 0."""
    return xlogy0(x, x)


# the gamma family, reachable as `scanc.tensor.special.*` (as PyTensor's)
from scanc.tensor.composed import beta, betaln, factorial, poch, xlog1py  # noqa: E402, F401, I001

__all__ = [
    "expit",
    "log1mexp",
    "log1pexp",
    "log_softmax",
    "logaddexp",
    "logit",
    "logsumexp",
    "softmax",
    "xlogx",
    "xlogy",
    "xlogy0",
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
