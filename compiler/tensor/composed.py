"""PyTensor's functions that are compositions of scanc's core ops (and so get
their gradients from them): inverse hyperbolic functions, angle conversions,
predicates, rounding modes, closeness tests, ranges, stacking and vector
products, the gamma family of `pytensor.tensor.special`. Each follows NumPy's
(or SciPy's) function of the same name."""

from __future__ import annotations

import math
from functools import reduce

import numpy as np

from scanc import dtypes
from scanc.graph import TensorVariable
from scanc.tensor import basic as T
from scanc.tensor.extra_ops import dot
from scanc.tensor.reductions import all as all_
from scanc.tensor.reductions import argmax
from scanc.tensor.reductions import max as max_
from scanc.tensor.reductions import sum as sum_
from scanc.tensor.shape import concatenate, zeros

# -- aliases of PyTensor's other spellings --------------------------------------------

greater, greater_equal, less, less_equal = T.gt, T.ge, T.lt, T.le
equal, not_equal = T.eq, T.neq
power, sgn, floor_div = T.pow, T.sign, T.int_div


def _float(x) -> TensorVariable:
    x = T.as_tensor_variable(x)
    return x if dtypes.is_float(x.dtype) else T.cast(x, "float64")


# -- elementwise ---------------------------------------------------------------------


def sqr(x) -> TensorVariable:
    return T.square(x)


def arcsinh(x) -> TensorVariable:
    """`log1p(a + a^2 / (1 + sqrt(1 + a^2)))` of `a = |x|`, with x's sign:
    accurate near 0 and for large |x|. Each side reads `max(+-x, 0)`, so the
    side not taken stays finite and the derivative at 0 is 1."""
    x = _float(x)

    def positive(a):
        return T.log1p(a + a * a / (1 + T.sqrt(1 + a * a)))

    return T.switch(T.ge(x, 0), positive(T.maximum(x, 0)), -positive(T.maximum(-x, 0)))


def arccosh(x) -> TensorVariable:
    """`log(x + sqrt(x - 1) sqrt(x + 1))` (NaN below 1)."""
    x = _float(x)
    return T.log(x + T.sqrt(x - 1) * T.sqrt(x + 1))


def deg2rad(x) -> TensorVariable:
    return _float(x) * (math.pi / 180)


def rad2deg(x) -> TensorVariable:
    return _float(x) * (180 / math.pi)


def trunc(x) -> TensorVariable:
    """Rounded toward zero."""
    x = _float(x)
    return T.switch(T.lt(x, 0), T.ceil(x), T.floor(x))


def round_half_to_even(x) -> TensorVariable:
    return T.round(x)


def round_half_away_from_zero(x) -> TensorVariable:
    x = _float(x)
    return T.sign(x) * T.floor(T.abs(x) + 0.5)


def iround(x, mode=None) -> TensorVariable:
    """Rounded (half to even, or half away from zero with that `mode`) to int64."""
    rounded = (
        round_half_away_from_zero(x)
        if mode == "half_away_from_zero"
        else T.round(_float(x))
    )
    return T.cast(rounded, "int64")


def isfinite(x) -> TensorVariable:
    x = T.as_tensor_variable(x)
    if not dtypes.is_float(x.dtype):
        return T.ones_like(x, dtype="bool")
    return T.invert(T.or_(T.isnan(x), T.isinf(x)))


def isposinf(x) -> TensorVariable:
    x = T.as_tensor_variable(x)
    return T.and_(T.isinf(x), T.gt(x, 0))


def isneginf(x) -> TensorVariable:
    x = T.as_tensor_variable(x)
    return T.and_(T.isinf(x), T.lt(x, 0))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> TensorVariable:
    """NumPy's `isclose`: `|a - b| <= atol + rtol |b|`, infinities equal only to
    themselves, NaN equal to NaN with `equal_nan`."""
    a, b = T.as_tensor_variable(a), T.as_tensor_variable(b)
    close = T.le(T.abs(a - b), atol + rtol * T.abs(b))
    both_inf = T.and_(T.eq(a, b), T.or_(T.isinf(a), T.isinf(b)))
    finite = T.invert(T.or_(T.isinf(a), T.isinf(b)))
    result = T.or_(T.and_(close, finite), both_inf)
    if equal_nan:
        result = T.or_(result, T.and_(T.isnan(a), T.isnan(b)))
    return result


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> TensorVariable:
    return all_(isclose(a, b, rtol, atol, equal_nan))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> TensorVariable:
    """NaN and infinities replaced: by `nan`, and by the dtype's largest and
    smallest finite values unless `posinf`/`neginf` are given."""
    x = T.as_tensor_variable(x)
    if not dtypes.is_float(x.dtype):
        return x
    info = np.finfo(x.dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    x = T.switch(T.isnan(x), T.constant(nan, dtype=x.dtype), x)
    x = T.switch(isposinf(x), T.constant(big, dtype=x.dtype), x)
    return T.switch(isneginf(x), T.constant(small, dtype=x.dtype), x)


def divmod(x, y) -> tuple[TensorVariable, TensorVariable]:  # noqa: A001
    return T.int_div(x, y), T.mod(x, y)


def largest(*args) -> TensorVariable:
    return reduce(T.maximum, args)


def smallest(*args) -> TensorVariable:
    return reduce(T.minimum, args)


def max_and_argmax(x, axis=None, keepdims=False):
    return max_(x, axis=axis, keepdims=keepdims), argmax(
        x, axis=axis, keepdims=keepdims
    )


def identity(x) -> TensorVariable:
    """A copy of `x` (PyTensor's `tensor_copy`)."""
    return T.as_tensor_variable(x).copy()


tensor_copy = identity


def empty(shape, dtype=None) -> TensorVariable:
    """An array of `shape` (scanc fills it with zeros)."""
    return zeros(shape, dtype=dtype)


def empty_like(x, dtype=None) -> TensorVariable:
    return T.zeros_like(x, dtype=dtype)


# -- ranges --------------------------------------------------------------------------


def linspace(start, end, steps=50, endpoint=True, axis=0, dtype=None) -> TensorVariable:
    """`steps` values from `start` to `end` (scalars), evenly spaced."""
    if axis != 0:
        raise NotImplementedError("linspace: axis other than 0")
    start, end = _float(start), _float(end)
    count = T.as_tensor_variable(steps)
    intervals = count - 1 if endpoint else count
    width = (end - start) / T.cast(T.maximum(intervals, 1), "float64")
    values = start + T.cast(T.arange(count), "float64") * width
    return T.cast(values, dtypes.canonical(dtype or "floatX"))


def logspace(
    start, end, steps=50, base=10.0, endpoint=True, axis=0, dtype=None
) -> TensorVariable:
    return T.cast(
        T.as_tensor_variable(base)
        ** linspace(start, end, steps, endpoint, axis, "float64"),
        dtypes.canonical(dtype or "floatX"),
    )


def geomspace(
    start, end, steps=50, base=10.0, endpoint=True, axis=0, dtype=None
) -> TensorVariable:
    """Evenly spaced on a log scale from `start` to `end` (both positive)."""
    logs = linspace(
        T.log(_float(start)), T.log(_float(end)), steps, endpoint, axis, "float64"
    )
    return T.cast(T.exp(logs), dtypes.canonical(dtype or "floatX"))


# -- stacking and vector products ----------------------------------------------------


def horizontal_stack(*args) -> TensorVariable:
    """Joined along the last axis of matrices (the only axis of vectors)."""
    args = [T.as_tensor_variable(a) for a in args]
    return concatenate(args, axis=args[0].ndim - 1 if args[0].ndim > 1 else 0)


def vertical_stack(*args) -> TensorVariable:
    return concatenate(list(args), axis=0)


def vecdot(x1, x2, axis=-1) -> TensorVariable:
    """NumPy 2's `vecdot`: `sum(x1 * x2)` over `axis`."""
    return sum_(T.as_tensor_variable(x1) * T.as_tensor_variable(x2), axis=axis)


def matvec(x1, x2) -> TensorVariable:
    """NumPy 2's `matvec`: matrices (stacked) times vectors (stacked)."""
    x1, x2 = T.as_tensor_variable(x1), T.as_tensor_variable(x2)
    if x1.ndim == 2 and x2.ndim == 1:
        return dot(x1, x2)
    return sum_(x1 * T.expand_dims(x2, -2), axis=-1)


def vecmat(x1, x2) -> TensorVariable:
    """NumPy 2's `vecmat`: vectors (stacked) times matrices (stacked)."""
    x1, x2 = T.as_tensor_variable(x1), T.as_tensor_variable(x2)
    if x1.ndim == 1 and x2.ndim == 2:
        return dot(x1, x2)
    return sum_(T.expand_dims(x1, -1) * x2, axis=-2)


# -- the gamma family ----------------------------------------------------------------


def gamma(x) -> TensorVariable:
    """The gamma function: `exp(gammaln(x))` for x > 0, the reflection
    `pi / (sin(pi x) gamma(1 - x))` below (infinite at the poles)."""
    x = _float(x)
    positive = T.exp(T.gammaln(x))
    reflected = math.pi / (T.sin(math.pi * x) * T.exp(T.gammaln(1 - x)))
    return T.switch(T.gt(x, 0), positive, reflected)


def betaln(a, b) -> TensorVariable:
    a, b = _float(a), _float(b)
    return T.gammaln(a) + T.gammaln(b) - T.gammaln(a + b)


def beta(a, b) -> TensorVariable:
    """The beta function of positive arguments."""
    return T.exp(betaln(a, b))


def factorial(n, exact=False) -> TensorVariable:
    """`gamma(n + 1)` (SciPy's `factorial(n, exact=False)`); 0 below 0."""
    if exact:
        raise NotImplementedError("factorial: exact=True (integer results)")
    n = _float(n)
    return T.switch(T.lt(n, 0), T.zeros_like(n), T.exp(T.gammaln(n + 1)))


def poch(z, m) -> TensorVariable:
    """The rising factorial `gamma(z + m) / gamma(z)` (positive arguments)."""
    z, m = _float(z), _float(m)
    return T.exp(T.gammaln(z + m) - T.gammaln(z))


def xlog1py(x, y) -> TensorVariable:
    """`x log1p(y)`, 0 where x is 0."""
    x, y = _float(x), _float(y)
    return T.switch(T.eq(x, 0), T.zeros_like(x * y), x * T.log1p(y))


#: the names `scanc.tensor` takes from this module (`special.py` re-exports the
#: gamma family under `scanc.tensor.special`)
__all__ = [
    "allclose",
    "arccosh",
    "arcsinh",
    "deg2rad",
    "divmod",
    "empty",
    "empty_like",
    "equal",
    "floor_div",
    "gamma",
    "geomspace",
    "greater",
    "greater_equal",
    "horizontal_stack",
    "identity",
    "iround",
    "isclose",
    "isfinite",
    "isneginf",
    "isposinf",
    "largest",
    "less",
    "less_equal",
    "linspace",
    "logspace",
    "matvec",
    "max_and_argmax",
    "nan_to_num",
    "not_equal",
    "power",
    "rad2deg",
    "round_half_away_from_zero",
    "round_half_to_even",
    "sgn",
    "smallest",
    "sqr",
    "tensor_copy",
    "trunc",
    "vecdot",
    "vecmat",
    "vertical_stack",
]
