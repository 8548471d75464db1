"""Every binary op and reduction on float32, float64, int32 and int64, with
broadcasting, empty, non-contiguous and negatively strided inputs, outside and
inside a scan body, against NumPy."""

import warnings

import numpy as np
import pytest

import scanc
import scanc.tensor as st

DTYPES = ["float32", "float64", "int32", "int64"]
BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "true_div": np.true_divide,
    "int_div": np.floor_divide,
    "mod": np.mod,
    "pow": np.power,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "neq": np.not_equal,
}
REDUCTIONS = ["sum", "prod", "max", "min", "mean", "argmax", "argmin"]


def data(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        return rng.integers(-4, 5, shape).astype(dtype)
    return rng.uniform(-2, 2, shape).astype(dtype)


def layouts(x):
    """The array itself, a broadcast-free view with steps, reversed, empty."""
    return [x, x[::2], x[::-1, ::-1], x[:0]]


def expected(name, a, b):
    with np.errstate(all="ignore"):
        if name == "pow" and a.dtype.kind == "i":
            b = np.abs(b)  # numpy refuses negative integer powers
        return BINARY[name](a, b), b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op(mode, name, dtype):
    x, row = st.matrix("x", dtype=dtype), st.vector("row", dtype=dtype)
    f = scanc.function([x, row], getattr(st, name)(x, row), mode=mode)
    base, r = data(dtype, (6, 5), 1), data(dtype, (5,), 2)
    for a in layouts(base):
        want, b = expected(name, a, r)
        got = f(a, b)
        rtol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["add", "mul", "int_div", "mod", "maximum", "lt"])
def test_binary_op_inside_scan(mode, name, dtype):
    x, row = st.matrix("x", dtype=dtype), st.vector("row", dtype=dtype)
    out, _ = scanc.scan(getattr(st, name), sequences=x, non_sequences=row)
    f = scanc.function([x, row], out, mode=mode)
    a, b = data(dtype, (4, 3), 3)[::-1], data(dtype, (3,), 4)
    want, _ = expected(name, a, b)
    np.testing.assert_allclose(f(a, b), want, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reduction(mode, name, dtype, axis):
    x = st.matrix("x", dtype=dtype)
    f = scanc.function([x], getattr(x, name)(axis=axis), mode=mode)
    base = data(dtype, (6, 5), 5)
    for a in layouts(base)[:3]:
        want = getattr(a, name)(axis=axis)
        got = f(a)
        rtol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    if name in ("sum", "prod", "mean"):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # mean of nothing is nan
            want = getattr(base[:0], name)(axis=axis)
        np.testing.assert_allclose(f(base[:0]), want)
    else:
        with pytest.raises(ValueError):
            f(base[:0]) if axis != 1 else f(base[:, :0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_reductions_inside_scan(mode, dtype):
    X = st.matrix("X", dtype=dtype)
    out, _ = scanc.scan(lambda r: [r.sum(), r.max(), r.argmin()], sequences=X)
    f = scanc.function([X], out, mode=mode)
    a = data(dtype, (5, 4), 6)[:, ::-1]
    for got, want in zip(f(a), [a.sum(1), a.max(1), a.argmin(1)]):
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_integer_overflow_wraps_like_numpy(mode):
    x = st.ivector("x")
    f = scanc.function([x], [x * x, x + x], mode=mode)
    v = np.array([2**31 - 1, -(2**31), 46341], dtype="int32")
    with np.errstate(over="ignore"):
        for got, want in zip(f(v), [v * v, v + v]):
            np.testing.assert_array_equal(got, want)
