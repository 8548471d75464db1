"""Inputs a hostile user would try: sizes that overflow, zero and extreme steps,
NaN bounds, values that do not fit, shared values changed behind scanc's back,
and every integer dtype. Each raises a clear error or gives NumPy's answer; the
cases that once crashed the process run in a subprocess of their own."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import scanc
import scanc.tensor as st

#: run in a fresh process: a regression here kills the interpreter
CRASHERS = """
import numpy as np, scanc, scanc.tensor as st

def raises(kind, text, f, *args):
    try:
        f(*args)
    except kind as error:
        assert text in str(error), error
    else:
        raise AssertionError(f"no {kind.__name__} for {args}")

x, s = st.vector("x"), st.lscalar("s")
a, b = st.lscalar("a"), st.lscalar("b")
# a size product that wraps modulo 2**64 to the element count of x
reshape = scanc.function([x, a, b], x.reshape((a, b)).sum())
raises(ValueError, "overflow", reshape, np.ones(1), 7, pow(7, -1, 2**64))
raises(ValueError, "overflow", reshape, np.ones(1), 2**62, 4)
step = scanc.function([x, s], x[::s])
raises(ValueError, "slice step cannot be zero", step, np.arange(5.0), 0)
assert step(np.arange(5.0), -2**63).tolist() == [4.0]
assert step(np.arange(5.0), 2**63 - 1).tolist() == [0.0]
arange = scanc.function([a, b, s], st.arange(a, b, s))
raises(ValueError, "maximum allowed size", arange, 1, -2**63 + 1, -1)
raises(ValueError, "maximum allowed size", arange, -2**63, 2**63 - 1, 1)
# two elements (NumPy's own length computation overflows and gives one)
assert arange(5, -2**63, -2**63).tolist() == list(range(5, -2**63, -2**63))
f = st.dscalar("f")
float_range = scanc.function([f], st.arange(f))
raises(ValueError, "maximum allowed size", float_range, np.inf)
raises(ValueError, "maximum allowed size", float_range, -np.inf)
raises(ValueError, "cannot compute the length", float_range, np.nan)
print("survived")
"""


def test_cases_that_crashed_the_process_now_raise():
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CRASHERS)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "survived"


@pytest.mark.parametrize(
    "size, shape",
    [
        (0, (-1, 0)),
        (0, (0, -1)),
        (6, (-1, 4)),
        (6, (-1, -1)),
        (6, (2, -1)),
        (0, (-1, 3)),
        (6, (6, 1)),
    ],
)
def test_reshape_sizes_as_numpy_checks_them(size, shape):
    x, a, b = st.vector("x"), st.lscalar("a"), st.lscalar("b")
    f = scanc.function([x, a, b], x.reshape((a, b)))
    data = np.arange(size, dtype=float)
    try:
        want = data.reshape(shape)
    except ValueError:
        with pytest.raises(ValueError, match="reshape"):
            f(data, *shape)
    else:
        np.testing.assert_array_equal(f(data, *shape), want)
        # the same -1 known when the graph is built
        g = scanc.function([x], x.reshape(shape))
        np.testing.assert_array_equal(g(data), want)


def test_static_reshape_with_minus_one_and_zero_is_refused():
    with pytest.raises(ValueError, match="cannot reshape"):
        st.tensor("x", shape=(0,)).reshape((-1, 0))


@pytest.mark.parametrize("fn", ["set", "inc"])
def test_masked_update_checks_the_value_rows(fn):
    x, m, v = (
        st.matrix("x"),
        st.tensor("m", dtype="bool", shape=(None,)),
        st.matrix("v"),
    )
    update = st.set_subtensor if fn == "set" else st.inc_subtensor
    f = scanc.function([x, m, v], update(x[m], v))
    mask = np.array([True, False, True])
    for bad in (np.ones((2, 2)), np.ones((2, 9)), np.ones((3, 5))):
        with pytest.raises(ValueError, match="does not fit the selection"):
            f(np.zeros((3, 5)), mask, bad)
    want = np.zeros((3, 5))
    want[mask] = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(
        f(np.zeros((3, 5)), mask, np.arange(10.0).reshape(2, 5)), want
    )


def test_shared_value_changed_in_place_is_refused_not_misread():
    x = st.vector("x")
    w = scanc.shared(np.ones(3), "w")
    f = scanc.function([x], x * w)
    w.get_value(borrow=True).dtype = np.int64  # same bytes, another dtype
    with pytest.raises(TypeError, match="shared variable 'w' now holds int64"):
        f(np.ones(3))
    w.set_value(np.full(3, 2.0))
    np.testing.assert_array_equal(f(np.ones(3)), [2.0, 2.0, 2.0])
    m = scanc.shared(np.ones((2, 2)), "m")
    g = scanc.function([], m.sum())
    m.get_value(borrow=True).shape = (4,)
    with pytest.raises(TypeError, match="shared variable 'm'"):
        g()


@pytest.mark.parametrize(
    "build, value",
    [
        (lambda a: st.max(a, keepdims=True), 2.5),
        (lambda a: st.sum(a, keepdims=True), 2.5),
        (lambda a: st.alloc(a), 2.5),
        (lambda a: a.reshape(()), 2.5),
        (lambda a: st.alloc(st.cast(a, "int64")), 4.0),
        (lambda a: st.alloc(a > 1), 2.5),
    ],
    ids=["max-keepdims", "sum-keepdims", "alloc", "reshape", "alloc-int", "alloc-bool"],
)
def test_zero_dimensional_outputs_are_values_not_addresses(build, value):
    a = st.dscalar("a")
    out = build(a)
    got = scanc.function([a], out)(value)
    want = {"float64": value, "int64": int(value), "bool": value > 1}[out.dtype]
    assert got.shape == () and got.dtype == out.dtype and got == want


INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool"]


def _data(dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, 9).astype(bool)
    info = np.iinfo(dtype)
    data = rng.integers(info.min, info.max, 9, endpoint=True).astype(dtype)
    data[:3] = np.array([info.max, info.min, 0]).astype(dtype)
    return data


#: name: (NumPy's function, scanc's); both take the arrays a and b
OPS = {
    "maximum": (np.maximum, st.maximum),
    "minimum": (np.minimum, st.minimum),
    "max": (lambda a, b: a.max(), lambda a, b: a.max()),
    "min": (lambda a, b: a.min(), lambda a, b: a.min()),
    "argmax": (lambda a, b: np.argmax(a), lambda a, b: st.argmax(a)),
    "argmin": (lambda a, b: np.argmin(a), lambda a, b: st.argmin(a)),
    "abs": (lambda a, b: np.abs(a), lambda a, b: abs(a)),
    "sign": (lambda a, b: np.sign(a), lambda a, b: st.sign(a)),
    "neg": (lambda a, b: -a, lambda a, b: -a),
    "invert": (lambda a, b: ~a, lambda a, b: ~a),
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "floordiv": (lambda a, b: a // b, lambda a, b: a // b),
    "mod": (lambda a, b: a % b, lambda a, b: a % b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
    "lt": (lambda a, b: a < b, lambda a, b: a < b),
    "and": (lambda a, b: a & b, lambda a, b: a & b),
    "cast": (lambda a, b: a.astype("float64"), lambda a, b: st.cast(a, "float64")),
}


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", OPS)
def test_integer_and_bool_ops_match_numpy(dtype, name):
    """Each op on each integer dtype works as NumPy does or raises TypeError
    when the graph is built (where NumPy raises too)."""
    numpy_fn, scanc_fn = OPS[name]
    A, B = _data(dtype, 1), _data(dtype, 2)
    if name in ("floordiv", "mod") and dtype != "bool":
        B[B == 0] = 1
    if name == "pow" and dtype != "bool":
        B = np.abs(B % 5).astype(dtype)  # small exponents, none negative
    a, b = st.vector("a", dtype=dtype), st.vector("b", dtype=dtype)
    with np.errstate(all="ignore"):
        try:
            want = numpy_fn(A, B)
        except TypeError:
            with pytest.raises(TypeError):
                scanc_fn(a, b)
            return
    f = scanc.function([a, b], scanc_fn(a, b), on_unused_input="ignore")
    got = f(A, B)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


def test_constants_of_unsigned_dtypes():
    a = st.vector("a", dtype="uint8")
    f = scanc.function(
        [a],
        [
            a + np.uint8(200),
            (a * np.uint8(3)).max(),
            st.constant(250, dtype="uint8") + a[0],
        ],
    )
    A = np.array([10, 100, 60], dtype=np.uint8)
    got = f(A)
    with np.errstate(over="ignore"):  # uint8 arithmetic wraps, in both
        want = [A + np.uint8(200), (A * np.uint8(3)).max(), np.uint8(250) + A[0]]
    for g, w in zip(got, want):
        assert g.dtype == np.uint8
        np.testing.assert_array_equal(g, w)


def test_a_variant_rejects_what_the_generic_code_rejects():
    x, y = st.vector("x"), st.vector("y")
    f = scanc.function([x, y], x + y)
    f.specialize(np.ones(3), np.ones(1))  # made now, used by the calls below
    for _ in range(3):
        with pytest.raises(ValueError, match="shape mismatch in 'add'"):
            f(np.ones(3), np.ones(1))
    np.testing.assert_array_equal(f(np.ones(1), np.ones(1)), [2.0])


def test_out_of_range_index_array_is_reported_for_empty_results():
    m = st.matrix("m")
    with pytest.raises(IndexError, match="index out of bounds"):
        scanc.function([m], m[[9]])(np.zeros((5, 0)))
    i = st.lvector("i")
    put = scanc.function([m, i], st.set_subtensor(m[i], 1.0))
    with pytest.raises(IndexError, match="index out of bounds"):
        put(np.zeros((5, 0)), np.array([-6]))


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SCANC_FLOATX", "bogus"),
        ("SCANC_SPECIALIZE", "bogus"),
        ("SCANC_MODE", "FAST"),
        ("SCANC_KEEP_FREED_MEMORY", "yes"),
        ("SCANC_CACHE", "on"),
        ("SCANC_CACHE_MAX_MB", "-5"),
        ("SCANC_TARGET", "tpu"),
        ("SCANC_CHECK_PTX", "yes"),
    ],
)
def test_environment_settings_are_validated(variable, value):
    env = dict(os.environ, **{variable: value})
    result = subprocess.run(
        [sys.executable, "-c", "import scanc"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"{variable}={value!r} is not a valid setting" in result.stderr
