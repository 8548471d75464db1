"""`scanc.tensor.random`'s distributions (PyTensor's `pytensor.tensor.random.basic`):
draws from a generator variable given as `rng=`.

Each draw returns its values; `return_next_rng=True` returns `(next_rng, values)`,
and `values.owner.outputs` is `[next_rng, values]` (PyMC's spelling). Nothing
advances by itself: thread `next_rng` into the next draw, or give the shared
generator the update `{rng: next_rng}`. Without `rng=`, a draw makes a new
unseeded shared generator that no update advances (as PyTensor does): every
call of the function then repeats its numbers.

Distributions that are not one `st.random` op are built from draws chained on
the same generator (beta from two gammas, categorical from a uniform,
lognormal from a normal, ...); their `next_rng` is the last state of the chain.
"""

from __future__ import annotations

import numpy as np
from scanc import dtypes
from scanc.dialects import st
from scanc.frontend.generators import RandomGeneratorVariable, shared_rng
from scanc.graph import DRAWS, TensorVariable, emit
from scanc.tensor import basic as T
from scanc.tensor.extra_ops import cumsum, dot
from scanc.tensor.factorizations import eigh, svd
from scanc.tensor.slinalg import cholesky


def draw(fn: str, state: TensorVariable, params, size, dtype: str, trials: int = 1):
    """One `st.random` op: `(values, next state value)` of `fn` with `params`
    (cast to float64 and broadcast to the draw's shape) drawn from `state`."""
    params = [T.cast(T.as_tensor_variable(p), "float64") for p in params]
    shape, sizes = draw_shape(size, params, fn)
    for p in params:
        if p.ndim > len(shape):
            raise ValueError(f"{fn}: parameter {p} has more dimensions than size")
        T._broadcast_shape(
            [[1] * (len(shape) - p.ndim) + list(p.ir_type.get_shape()), shape]
        )
    params = [T._align(p, len(shape)) for p in params]
    result_type = dtypes.tensor_type(
        dtypes.canonical(dtype), [None if d == T.DYN else d for d in shape]
    )
    op = emit(
        st.RandomOp(
            fn,
            state.value,
            [s.value for s in sizes],
            [p.value for p in params],
            result_type,
            trials,
        )
    )
    return TensorVariable(op.results[0]), op.results[1]


def draw_shape(size, params, fn: str) -> tuple[list[int], list[TensorVariable]]:
    """Static shape and int64 size variables of a draw's result: `size`, or
    the parameters' broadcast shape."""
    if size is None:
        ndim = max((p.ndim for p in params), default=0)
        aligned = [T._align(p, ndim) for p in params]
        static = T._broadcast_shape([list(p.ir_type.get_shape()) for p in aligned])
        size = [
            d if d != T.DYN else _broadcast_size(aligned, axis)
            for axis, d in enumerate(static)
        ]
    elif isinstance(size, (int, np.integer, TensorVariable)) and not (
        isinstance(size, TensorVariable) and size.ndim == 1
    ):
        size = [size]
    sizes = [T._int_scalar(s, f"{fn}: size") for s in size]
    shape = [T._static_int(s) for s in sizes]
    return [T.DYN if d is None else d for d in shape], sizes


def _broadcast_size(params, axis: int) -> TensorVariable:
    """The run-time size of `axis` of parameters that broadcast (sizes 1 and n)."""
    sizes = [T.dim(p, axis) for p in params if p.ir_type.get_shape()[axis] != 1]
    result = sizes[0]
    for s in sizes[1:]:
        result = T.maximum(result, s)
    return result


def _generator(rng) -> RandomGeneratorVariable:
    if rng is None:
        return shared_rng()
    if not isinstance(rng, RandomGeneratorVariable):
        raise TypeError(
            "rng= takes a random generator variable (scanc.shared("
            f"np.random.default_rng(seed)) or scanc.tensor.random.rng()), got {rng!r}"
        )
    return rng


def _result(values, next_state, dtype, name, return_next_rng):
    values = T.cast(values, dtype) if values.dtype != dtype else values
    next_rng = RandomGeneratorVariable(
        next_state.value if isinstance(next_state, TensorVariable) else next_state
    )
    DRAWS[values.value] = next_rng
    values.name = name
    return (next_rng, values) if return_next_rng else values


def _float(dtype) -> str:
    return dtypes.canonical("floatX" if dtype is None else dtype)


def _primitive(fn: str, default_dtype: str):
    def sample(
        *params, size=None, rng=None, dtype=None, name=None, return_next_rng=False
    ):
        dtype = dtypes.canonical(default_dtype if dtype is None else dtype)
        values, state = draw(fn, _generator(rng), params, size, dtype)
        return _result(values, state, dtype, name, return_next_rng)

    return sample


_uniform = _primitive("uniform", "floatX")
_normal = _primitive("normal", "floatX")
_integers = _primitive("integers", "int64")
_exponential = _primitive("exponential", "floatX")
_gamma = _primitive("gamma", "floatX")
_poisson = _primitive("poisson", "int64")


def uniform(low=0.0, high=1.0, size=None, **kwargs):
    """Uniform on [low, high)."""
    return _uniform(low, high, size=size, **kwargs)


def normal(loc=0.0, scale=1.0, size=None, **kwargs):
    return _normal(loc, scale, size=size, **kwargs)


def standard_normal(size=None, **kwargs):
    return _normal(0.0, 1.0, size=size, **kwargs)


def integers(low, high=None, size=None, **kwargs):
    """Integers in [low, high) (in [0, low) without `high`)."""
    if high is None:
        low, high = 0, low
    return _integers(low, high, size=size, **kwargs)


def exponential(scale=1.0, size=None, **kwargs):
    return _exponential(scale, size=size, **kwargs)


def poisson(lam=1.0, size=None, **kwargs):
    return _poisson(lam, size=size, **kwargs)


def binomial(
    n, p, size=None, *, rng=None, dtype="int64", name=None, return_next_rng=False
):
    """`n` trials (a constant integer: it sets the blocks each element uses)."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise NotImplementedError("binomial: n must be a constant non-negative integer")
    dtype = dtypes.canonical(dtype)
    values, state = draw("binomial", _generator(rng), [n, p], size, dtype, int(n))
    return _result(values, state, dtype, name, return_next_rng)


def bernoulli(p=0.5, size=None, **kwargs):
    return binomial(1, p, size=size, **kwargs)


def _chain(first, then, dtype, name, return_next_rng):
    """A draw built from `first` (a `(next_rng, values)` pair) by `then(values)`."""
    next_rng, values = first
    return _result(then(values), next_rng, dtype, name, return_next_rng)


def gamma(
    shape,
    scale=1.0,
    size=None,
    *,
    rng=None,
    dtype=None,
    name=None,
    return_next_rng=False,
):
    """Gamma with `shape` and `scale` (NumPy's parametrization)."""
    first = _gamma(
        shape,
        size=_size_with(size, shape, scale),
        rng=rng,
        dtype="float64",
        return_next_rng=True,
    )
    return _chain(first, lambda g: g * scale, _float(dtype), name, return_next_rng)


def _size_with(size, *params):
    """`size`, or the broadcast shape of all the parameters (a draw made from
    some of them must still cover the others)."""
    if size is not None:
        return size
    ps = [T.cast(T.as_tensor_variable(p), "float64") for p in params]
    _, sizes = draw_shape(None, ps, "draw")
    return sizes


def beta(
    alpha, beta, size=None, *, rng=None, dtype=None, name=None, return_next_rng=False
):
    """`X / (X + Y)` for `X ~ gamma(alpha)`, `Y ~ gamma(beta)` drawn in turn."""
    size = _size_with(size, alpha, beta)
    rng, x = _gamma(alpha, size=size, rng=rng, dtype="float64", return_next_rng=True)
    rng, y = _gamma(beta, size=size, rng=rng, dtype="float64", return_next_rng=True)
    return _result(x / (x + y), rng, _float(dtype), name, return_next_rng)


def lognormal(
    mean=0.0,
    sigma=1.0,
    size=None,
    *,
    dtype=None,
    name=None,
    return_next_rng=False,
    rng=None,
):
    first = _normal(
        mean, sigma, size=size, rng=rng, dtype="float64", return_next_rng=True
    )
    return _chain(first, T.exp, _float(dtype), name, return_next_rng)


def halfnormal(
    loc=0.0,
    scale=1.0,
    size=None,
    *,
    dtype=None,
    name=None,
    return_next_rng=False,
    rng=None,
):
    """`loc + |z| scale` for a standard normal `z`."""
    size = _size_with(size, loc, scale)
    first = _normal(0.0, 1.0, size=size, rng=rng, dtype="float64", return_next_rng=True)
    return _chain(
        first, lambda z: loc + abs(z) * scale, _float(dtype), name, return_next_rng
    )


def categorical(
    p, size=None, *, rng=None, dtype="int64", name=None, return_next_rng=False
):
    """Index `i` with probability `p[..., i]` (the last axis; `p` is normalized):
    the number of entries of the cumulative sums at or below `u * total`."""
    p = T.cast(T.as_tensor_variable(p), "float64")
    if p.ndim == 0:
        raise ValueError("categorical: p needs at least one dimension")
    batch = size if size is not None else [T.dim(p, a) for a in range(p.ndim - 1)]
    next_rng, u = _uniform(
        0.0, 1.0, size=batch, rng=rng, dtype="float64", return_next_rng=True
    )
    cdf = cumsum(p, axis=-1)
    threshold = u * (cdf[..., -1] if cdf.ndim > 1 else cdf[-1])
    below = T.le(cdf, T.expand_dims(threshold, [threshold.ndim]))
    return _result(
        below.sum(axis=-1), next_rng, dtypes.canonical(dtype), name, return_next_rng
    )


def choice(
    a,
    size=None,
    replace=True,
    p=None,
    *,
    rng=None,
    dtype=None,
    name=None,
    return_next_rng=False,
):
    """Elements of `a` (or of `arange(a)` for an int) taken with replacement,
    uniformly or with probabilities `p`."""
    if not replace:
        raise NotImplementedError("choice: replace=False is not implemented")
    values = (
        T.arange(a) if isinstance(a, (int, np.integer)) else T.as_tensor_variable(a)
    )
    if p is not None:
        p = T.as_tensor_variable(p)
        if p.ndim != 1:
            raise NotImplementedError("choice: p must be a vector")
        next_rng, index = categorical(
            p, size=size if size is not None else [], rng=rng, return_next_rng=True
        )
    else:
        next_rng, index = integers(
            0, T.dim(values, 0), size=size, rng=rng, return_next_rng=True
        )
    picked = values[index]
    return _result(picked, next_rng, dtype or picked.dtype, name, return_next_rng)


def _batch_and_support(size, param: TensorVariable) -> list:
    """The shape of a draw with a vector support (the last axis of `param`):
    `size` (the batch shape, as PyTensor's `size` of such distributions) or
    `param`'s leading axes, then the support."""
    support = T.dim(param, param.ndim - 1)
    if size is None:
        return [T.dim(param, a) for a in range(param.ndim - 1)] + [support]
    batch = list(size) if isinstance(size, (list, tuple)) else [size]
    return batch + [support]


def _singular_factor(cov):
    u, s, _ = svd(cov, full_matrices=False)
    return u * T.sqrt(s)


def _eigen_factor(cov):
    w, v = eigh(cov)
    return v * T.sqrt(T.maximum(w, 0.0))


#: the factors `L` of `cov = L L^T` that `multivariate_normal` draws with
FACTORS = {"cholesky": cholesky, "svd": _singular_factor, "eigh": _eigen_factor}


def multivariate_normal(
    mean,
    cov,
    size=None,
    *,
    method="cholesky",
    rng=None,
    dtype=None,
    name=None,
    return_next_rng=False,
):
    """`mean + L z` for standard normal `z` and `L` a factor of `cov` with
    `cov = L L^T`: its Cholesky factor (`method="cholesky"`; a `cov` that is
    not positive definite raises LinAlgError when the function runs), or, as
    NumPy's `method="svd"` and `"eigh"`, `u sqrt(s)` from its singular values
    or `v sqrt(max(w, 0))` from its eigenvalues (for a positive semi-definite
    `cov`). One matrix; `size` is the batch shape: the draw has shape
    `size + (k,)`."""
    if method not in FACTORS:
        raise ValueError(
            f"multivariate_normal: method must be one of {list(FACTORS)}, "
            f"got {method!r}"
        )
    mean = T.cast(T.as_tensor_variable(mean), "float64")
    if mean.ndim == 0:
        raise ValueError("multivariate_normal: mean needs at least one dimension")
    factor = FACTORS[method](T.cast(T.as_tensor_variable(cov), "float64"))
    next_rng, z = _normal(
        0.0,
        1.0,
        size=_batch_and_support(size, mean),
        rng=rng,
        dtype="float64",
        return_next_rng=True,
    )
    values = mean + dot(z, factor.T)
    return _result(values, next_rng, _float(dtype), name, return_next_rng)


def dirichlet(
    alphas, size=None, *, rng=None, dtype=None, name=None, return_next_rng=False
):
    """Gamma draws of shape `alphas` (scale 1) divided by their sum over the
    last axis. `size` is the batch shape: the draw has shape `size + (k,)`."""
    alphas = T.cast(T.as_tensor_variable(alphas), "float64")
    if alphas.ndim == 0:
        raise ValueError("dirichlet: alphas needs at least one dimension")
    next_rng, g = _gamma(
        alphas,
        size=_batch_and_support(size, alphas),
        rng=rng,
        dtype="float64",
        return_next_rng=True,
    )
    values = g / g.sum(axis=-1, keepdims=True)
    return _result(values, next_rng, _float(dtype), name, return_next_rng)


def _method(distribution):
    def method(self, *args, **kwargs):
        return distribution(*args, rng=self, return_next_rng=True, **kwargs)

    method.__name__ = distribution.__name__
    method.__doc__ = (
        f"`(next_rng, draw)` of `scanc.tensor.random.{distribution.__name__}` "
        "from this generator."
    )
    return method


__all__ = [
    "beta",
    "bernoulli",
    "binomial",
    "categorical",
    "choice",
    "dirichlet",
    "exponential",
    "gamma",
    "halfnormal",
    "integers",
    "lognormal",
    "multivariate_normal",
    "normal",
    "poisson",
    "standard_normal",
    "uniform",
]

for _name in __all__:
    setattr(RandomGeneratorVariable, _name, _method(globals()[_name]))
