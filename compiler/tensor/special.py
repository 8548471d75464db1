"""Special functions of real models (PyTensor's `pt.special` and `pt.math`
names), each a composition of elementwise ops and reductions, written so that
neither the value nor the gradient overflows or turns into NaN where the
function itself is finite: the maximum subtracted for stability carries no
gradient (it cancels), and the branch a `switch` does not take reads a safe
input."""

from __future__ import annotations

import math

import numpy as np

from scanc.graph import TensorVariable
from scanc.gradient import zero_grad
from scanc.tensor.basic import (
    _axes,
    abs,
    as_tensor_variable,
    eq,
    erfc,
    exp,
    expm1,
    isinf,
    log,
    log1p,
    gt,
    lt,
    maximum,
    minimum,
    sigmoid,
    sign,
    softplus,
    sqrt,
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


_SQRT_PI = math.sqrt(math.pi)

#: Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): the
#: single-precision polynomials in w = -log(1 - y^2), central and tail
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _horner(coefficients, w):
    result = coefficients[0]
    for c in coefficients[1:]:
        result = c + result * w
    return result


def erfinv(y) -> TensorVariable:
    """The inverse of `erf` on [-1, 1] (+-inf at +-1, NaN outside): Giles'
    single-precision guess, then three Newton steps on `erfc(x) = 1 - |y|`
    (exact near 1, where `erf` saturates), which reach double precision. Its
    gradient is the analytic `sqrt(pi)/2 exp(erfinv(y)^2)`."""
    y = as_tensor_variable(y)
    y = y if y.dtype.startswith("float") else y.astype("float64")
    a = abs(y)
    w = -log1p(-a * a)
    central = _horner(_ERFINV_CENTRAL, w - 2.5)
    tail = _horner(_ERFINV_TAIL, sqrt(maximum(w, 5.0)) - 3.0)
    x = switch(lt(w, 5.0), central, tail) * a
    for _ in range(3):
        residual = erfc(x) - (1 - a)
        x = x + residual * (_SQRT_PI / 2) * exp(x * x)
    x = switch(eq(a, 1), np.inf, x) * sign(y)
    # value x; gradient sqrt(pi)/2 exp(x^2) with respect to y (0 at +-1,
    # where x is infinite, so the value stays x)
    slope = zero_grad(switch(isinf(x), 0.0, (_SQRT_PI / 2) * exp(x * x)))
    return zero_grad(x) + (y - zero_grad(y)) * slope


_LOG2 = float(np.log(2.0))


def erfcinv(y) -> TensorVariable:
    """The inverse of `erfc` on [0, 2] (+inf at 0, -inf at 2, NaN outside),
    from `c = min(y, 2 - y)` itself, so a tiny `y` keeps the precision that
    `1 - y` would round away: `erfinv`'s guess down to `c = 1e-10`, below it
    the asymptotic `x^2 = -log c - log(x sqrt(pi))` iterated once, then three
    Newton steps on `log erfc(x) = log c` (written with `erfcx`: no overflow
    down to the smallest subnormals). Its gradient is the analytic
    `-sqrt(pi)/2 exp(erfcinv(y)^2)`, saturated at the largest float where that
    overflows (y below about 1e-308)."""
    y = as_tensor_variable(y)
    y = y if y.dtype.startswith("float") else y.astype("float64")
    c = minimum(y, 2 - y)
    # log c, also for subnormal c (scaled up first: vector logs may flush them)
    subnormal = lt(c, np.finfo(y.dtype).tiny)
    scaled_c = switch(subnormal, c * 2.0**54, c)
    log_c = log(scaled_c) - subnormal.astype(y.dtype) * (54 * _LOG2)
    w = -log(c * (2 - c))
    central = _horner(_ERFINV_CENTRAL, w - 2.5)
    tail = _horner(_ERFINV_TAIL, sqrt(maximum(w, 5.0)) - 3.0)
    deep = maximum(-log_c, 1.0)
    far = sqrt(deep - log(sqrt(deep) * _SQRT_PI))
    x = switch(lt(w, 5.0), central * (1 - c), switch(gt(c, 1e-10), tail * (1 - c), far))
    for _ in range(3):
        scaled = erfcx(x)
        x = x + (log(scaled) - x * x - log_c) * (_SQRT_PI / 2) * scaled
    x = switch(eq(c, 0), np.inf, x) * sign(1 - y)
    # exp(x^2) saturates below the largest float (subnormal y) so the value,
    # x + 0 * slope, stays x
    largest = float(np.log(np.finfo(y.dtype).max))
    steepness = exp(minimum(x * x, largest))
    slope = zero_grad(switch(isinf(x), 0.0, -(_SQRT_PI / 2) * steepness))
    return zero_grad(x) + (y - zero_grad(y)) * slope


def erfcx(x) -> TensorVariable:
    """The scaled complementary error function `exp(x^2) erfc(x)`: computed so
    below 10, by its asymptotic series `1/(x sqrt(pi)) sum (-1)^k (2k-1)!!/(2x^2)^k`
    (12 terms, below 1e-16 relative) from 10 on, where exp(x^2) would
    overflow. Each side reads its argument clamped to its range, so the side
    not taken stays finite for the gradient."""
    x = as_tensor_variable(x)
    x = x if x.dtype.startswith("float") else x.astype("float64")
    near = minimum(x, 10.0)
    direct = exp(near * near) * erfc(near)
    far = maximum(x, 10.0)
    inverse_square = 1 / (2 * far * far)
    term, series = 1.0, 1.0
    for k in range(1, 12):
        term = term * (-(2 * k - 1)) * inverse_square
        series = series + term
    return switch(lt(x, 10.0), direct, series / (far * _SQRT_PI))


# the gamma family, reachable as `scanc.tensor.special.*` (as PyTensor's)
from scanc.tensor.composed import beta, betaln, factorial, poch, xlog1py  # noqa: E402, F401, I001

__all__ = [
    "erfcinv",
    "erfcx",
    "erfinv",
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
