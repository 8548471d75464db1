"""Every binary op and reduction on every dtype (float32, float64, int32, int64,
uint8, int8, int16, bool), with broadcasting, empty, non-contiguous and
negatively strided inputs, outside and inside a scan body, against NumPy."""

import warnings

import numpy as np
import pytest

import scanc
import scanc.tensor as st

DTYPES = ["float32", "float64", "int32", "int64"]
#: the other integer dtypes, for the ops and reductions
SMALL_INTS = ["uint8", "int8", "int16", "bool"]
BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "true_div": np.true_divide,
    "int_div": np.floor_divide,
    "mod": np.mod,
    "pow": np.power,
    "arctan2": np.arctan2,
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
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith(("int", "uint")):
        return rng.integers(-4, 5, shape).astype(dtype)  # uint8 wraps to 252..255
    return rng.uniform(-2, 2, shape).astype(dtype)


def layouts(x):
    """The array itself, a broadcast-free view with steps, reversed, empty."""
    return [x, x[::2], x[::-1, ::-1], x[:0]]


def expected(name, a, b):
    with np.errstate(all="ignore"):
        if name == "pow" and a.dtype.kind == "i":
            b = np.abs(b)  # numpy refuses negative integer powers
        if name == "arctan2" and a.dtype.kind in "iub":
            # scanc computes float functions of integers in float64, as its
            # unary ones (NumPy gives float16 for the small integers)
            return np.arctan2(a.astype("float64"), b.astype("float64")), b
        return BINARY[name](a, b), b


@pytest.mark.parametrize("dtype", DTYPES + SMALL_INTS)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op(mode, name, dtype):
    x, row = st.matrix("x", dtype=dtype), st.vector("row", dtype=dtype)
    base, r = data(dtype, (6, 5), 1), data(dtype, (5,), 2)
    try:
        expected(name, base, r)
    except TypeError:  # NumPy refuses (bool - bool): so does the graph
        with pytest.raises(TypeError):
            getattr(st, name)(x, row)
        return
    f = scanc.function([x, row], getattr(st, name)(x, row), mode=mode)
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


@pytest.mark.parametrize("dtype", DTYPES + SMALL_INTS)
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


UNARY = [
    "exp",
    "expm1",
    "log1p",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "sin",
    "cos",
    "tan",
    "arctan",
    "sinh",
    "cosh",
    "erf",
    "floor",
    "ceil",
    "round",
    "abs",
    "sign",
    "square",
    "neg",
]


def numpy_unary(name, a):
    import math

    table = {
        "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "softplus": lambda v: np.log1p(np.exp(v)),
        "erf": np.vectorize(math.erf, otypes=[a.dtype]),
        "neg": np.negative,
    }
    with np.errstate(all="ignore"):
        return table.get(name, getattr(np, name, None))(a)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_function_layouts(mode, name, dtype):
    x = st.matrix("x", dtype=dtype)
    fn = (lambda v: -v) if name == "neg" else getattr(st, name)
    f = scanc.function([x], fn(x), mode=mode)
    base = (
        np.abs(data(dtype, (6, 5), 7))
        if name in ("sqrt", "log1p")
        else data(dtype, (6, 5), 7)
    )
    for a in layouts(base):
        rtol = 3e-6 if dtype == "float32" else 1e-13
        np.testing.assert_allclose(
            f(a), numpy_unary(name, a).astype(dtype), rtol=rtol, atol=rtol
        )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_functions_inside_scan(mode, dtype):
    X = st.matrix("X", dtype=dtype)
    names = [n for n in UNARY if n not in ("sqrt", "log1p")]
    fns = [(lambda v: -v) if n == "neg" else getattr(st, n) for n in names]
    out, _ = scanc.scan(lambda r: [fn(r) for fn in fns], sequences=X)
    f = scanc.function([X], out, mode=mode)
    a = data(dtype, (4, 3), 8)[::-1]
    for got, name in zip(f(a), names):
        rtol = 3e-6 if dtype == "float32" else 1e-13
        np.testing.assert_allclose(
            got, numpy_unary(name, a).astype(dtype), rtol=rtol, atol=rtol
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_and_indexing_ops(mode, dtype):
    x, i = st.matrix("x", dtype=dtype), st.lvector("i")
    ops = [
        lambda v: v.reshape((-1,)),
        lambda v: st.concatenate([v, v], axis=1),
        lambda v: st.stack([v, v], axis=2),
        lambda v: v.T,
        lambda v: st.diagonal(v),
        lambda v: v[i],
        lambda v: v[v > 0],
        lambda v: v[1:, ::-2],
        lambda v: st.set_subtensor(v[i], 1),
        lambda v: st.inc_subtensor(v[:, 1], 2),
        lambda v: st.dot(v, v.T),
        lambda v: v[None, -1],
    ]
    ref = [
        lambda a, j: a.reshape(-1),
        lambda a, j: np.concatenate([a, a], 1),
        lambda a, j: np.stack([a, a], 2),
        lambda a, j: a.T,
        lambda a, j: np.diagonal(a),
        lambda a, j: a[j],
        lambda a, j: a[a > 0],
        lambda a, j: a[1:, ::-2],
        lambda a, j: _set(a, j, 1),
        lambda a, j: _inc_column(a, 2),
        lambda a, j: a @ a.T,
        lambda a, j: a[None, -1],
    ]
    f = scanc.function([x, i], [op(x) for op in ops], mode=mode)
    j = np.array([0, -1, 1])
    base = data(dtype, (6, 5), 9)
    for a in layouts(base)[:3]:
        for got, want in zip(f(a, j), [r(a, j) for r in ref]):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5)


def _set(a, j, value):
    out = a.copy()
    out[j] = value
    return out


def _inc_column(a, value):
    out = a.copy()
    out[:, 1] += value
    return out
