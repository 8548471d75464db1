"""NumPy's array functions (scanc.tensor.extra_ops) against NumPy: float and
integer dtypes, empty and non-contiguous inputs, inside a scan, and gradients
by finite differences."""

import warnings

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.gradient import verify_grad

#: name: (scanc's function of a matrix, NumPy's, differentiable)
CASES = {
    "moveaxis": (lambda m: st.moveaxis(m, 0, -1), lambda a: np.moveaxis(a, 0, -1), 1),
    "broadcast_to": (
        lambda m: st.broadcast_to(m[0], (2, m.shape[1])),
        lambda a: np.broadcast_to(a[0], (2, a.shape[1])),
        1,
    ),
    "shape_padleft": (lambda m: st.shape_padleft(m, 2), lambda a: a[None, None], 1),
    "shape_padright": (lambda m: st.shape_padright(m), lambda a: a[..., None], 1),
    "shape_padaxis": (lambda m: st.shape_padaxis(m, 1), lambda a: a[:, None], 1),
    "atleast_3d": (lambda m: st.atleast_3d(m[0]), lambda a: np.atleast_3d(a[0]), 1),
    "atleast_2d": (lambda m: st.atleast_2d(m[0]), lambda a: np.atleast_2d(a[0]), 1),
    "atleast_1d": (
        lambda m: st.atleast_1d(m[0, 0]),
        lambda a: np.atleast_1d(a[0, 0]),
        1,
    ),
    "flip": (lambda m: st.flip(m, 1), lambda a: np.flip(a, 1), 1),
    "flip-all": (lambda m: st.flip(m), lambda a: np.flip(a), 1),
    "roll": (lambda m: st.roll(m, 5, 1), lambda a: np.roll(a, 5, 1), 1),
    "roll-flat": (lambda m: st.roll(m, -2), lambda a: np.roll(a, -2), 1),
    "diff": (lambda m: st.diff(m, 2, axis=1), lambda a: np.diff(a, 2, axis=1), 1),
    "repeat": (lambda m: st.repeat(m, 2, axis=0), lambda a: np.repeat(a, 2, 0), 1),
    "repeat-flat": (lambda m: st.repeat(m, 3), lambda a: np.repeat(a, 3), 1),
    "tile": (lambda m: st.tile(m, (2, 3)), lambda a: np.tile(a, (2, 3)), 1),
    "take": (
        lambda m: st.take(m, [0, -1, 0], axis=1),
        lambda a: np.take(a, [0, -1, 0], axis=1),
        1,
    ),
    "tril": (lambda m: st.tril(m, -1), lambda a: np.tril(a, -1), 1),
    "triu": (lambda m: st.triu(m, 1), lambda a: np.triu(a, 1), 1),
    "trace": (lambda m: st.trace(m), lambda a: np.trace(a), 1),
    "var": (lambda m: st.var(m, axis=0, ddof=1), lambda a: np.var(a, 0, ddof=1), 1),
    "std": (lambda m: st.std(m, keepdims=True), lambda a: np.std(a, keepdims=True), 1),
    "ptp": (lambda m: st.ptp(m, axis=1), lambda a: np.ptp(a, axis=1), 1),
    "cumsum": (lambda m: st.cumsum(m, axis=1), lambda a: np.cumsum(a, axis=1), 1),
    "cumsum-flat": (lambda m: st.cumsum(m), lambda a: np.cumsum(a), 1),
    "cumprod": (lambda m: st.cumprod(m, axis=0), lambda a: np.cumprod(a, axis=0), 1),
    "matmul": (lambda m: st.matmul(m, m.T), lambda a: a @ a.T, 1),
    "matmul-stack": (
        lambda m: st.matmul(st.stack([m, 2 * m]), m.T),
        lambda a: np.stack([a, 2 * a]) @ a.T,
        1,
    ),
    "matmul-matrix-stack": (
        lambda m: st.matmul(m.T, st.stack([m, m + 1])),
        lambda a: a.T @ np.stack([a, a + 1]),
        1,
    ),
    "matmul-stacks": (
        lambda m: st.matmul(st.stack([m, 2 * m]), st.stack([m.T, m.T + 1])),
        lambda a: np.stack([a, 2 * a]) @ np.stack([a.T, a.T + 1]),
        1,
    ),
    "tensordot": (
        lambda m: st.tensordot(m, m.T, 1),
        lambda a: np.tensordot(a, a.T, 1),
        1,
    ),
    "tensordot-pairs": (
        lambda m: st.tensordot(m, m, [[0], [0]]),
        lambda a: np.tensordot(a, a, [[0], [0]]),
        1,
    ),
    "tensordot-all": (
        lambda m: st.tensordot(m, m, 2),
        lambda a: np.tensordot(a, a, 2),
        1,
    ),
    "full_like": (lambda m: st.full_like(m, 2), lambda a: np.full_like(a, 2), 0),
    "identity_like": (lambda m: st.identity_like(m), lambda a: np.eye(*a.shape), 0),
}

NEEDS_ROWS = {
    "broadcast_to",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "std",
    "ptp",
    "trace",
}


def data(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        return rng.integers(-3, 4, shape).astype(dtype)
    return rng.uniform(0.5, 1.5, shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int16"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_numpy(name, dtype):
    build, reference, _ = CASES[name]
    m = st.matrix("m", dtype=dtype)
    f = scanc.function([m], build(m))
    base = data(dtype)
    layouts = [base, base[::-1, ::2], base[:, ::-1]]
    if name not in NEEDS_ROWS:
        layouts.append(base[:0])
    for a in layouts:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # var of nothing
            want = reference(a)
        got = f(a)
        assert np.shape(got) == np.shape(want), (a.shape, np.shape(got))
        rtol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize(
    "name",
    sorted(name for name, (_, _, differentiable) in CASES.items() if differentiable),
)
def test_gradients(name):
    build, _, _ = CASES[name]
    verify_grad(build, [data("float64", seed=1)])


def test_inside_a_scan():
    X = st.tensor3("X")
    out, _ = scanc.scan(
        lambda m: [st.cumsum(m, axis=0), st.roll(m, 1, 0), st.var(m)], sequences=X
    )
    f = scanc.function([X], out)
    a = np.random.default_rng(2).normal(size=(2, 3, 4))
    got = f(a)
    np.testing.assert_allclose(got[0], np.cumsum(a, axis=1), rtol=1e-13)
    np.testing.assert_allclose(got[1], np.roll(a, 1, 1), rtol=1e-13)
    np.testing.assert_allclose(got[2], a.reshape(2, -1).var(axis=1), rtol=1e-13)


def test_symbolic_counts():
    m, k = st.matrix("m"), st.lscalar("k")
    f = scanc.function(
        [m, k], [st.roll(m, k, 0), st.repeat(m, k, 1), st.tile(m, (k, 1))]
    )
    a = data("float64")
    for count in (0, 1, 2, 5):
        got = f(a, count)
        np.testing.assert_array_equal(got[0], np.roll(a, count, 0))
        np.testing.assert_array_equal(got[1], np.repeat(a, count, 1))
        np.testing.assert_array_equal(got[2], np.tile(a, (count, 1)))


def test_split():
    v, sizes = st.vector("v"), st.lvector("sizes")
    pieces = st.split(v, sizes, 3)
    f = scanc.function([v, sizes], pieces)
    got = f(np.arange(6.0), np.array([1, 0, 5]))
    for g, w in zip(got, np.split(np.arange(6.0), [1, 1])):
        np.testing.assert_array_equal(g, w)


def test_integer_arrays_on_several_leading_axes():
    # x[arange(n), y]: the likelihood of a classifier picks one entry per row
    x, i, j = st.matrix("x"), st.lvector("i"), st.lvector("j")
    outs = [
        x[i, j],
        x[st.arange(x.shape[0]), j[: x.shape[0]]],
        x[i, 2],
        st.set_subtensor(x[i, j], 0.0),
        st.inc_subtensor(x[i, j].copy(), 1.0),
    ]
    f = scanc.function([x, i, j], outs)
    a = np.arange(12.0).reshape(3, 4)
    rows, cols = np.array([0, 2, -1, 2]), np.array([3, 0, 1, 0])
    set_, inc = a.copy(), a.copy()
    set_[rows, cols] = 0.0
    np.add.at(inc, (rows, cols), 1.0)  # repeated positions accumulate
    want = [a[rows, cols], a[np.arange(3), cols[:3]], a[rows, 2], set_, inc]
    for got, expected in zip(f(a, rows, cols), want):
        np.testing.assert_array_equal(got, expected)
    for bad_rows, bad_cols, axis in [([3], [0], 0), ([0], [4], 1), ([0], [-5], 1)]:
        with pytest.raises(IndexError, match=f"out of bounds for axis {axis}"):
            f(a, np.array(bad_rows), np.array(bad_cols))
    t, k = st.tensor3("t"), st.lvector("k")
    cube = np.arange(24.0).reshape(2, 3, 4)
    g = scanc.function([t, i, k], t[i, k])(cube, np.array([1, 0]), np.array([2, 2]))
    np.testing.assert_array_equal(g, cube[[1, 0], [2, 2]])


# NumPy's advanced indexing with integer arrays, ints and slices: adjacent
# index axes keep their place, separated ones go first
MIXED = {
    "t[:, i, j]": lambda t, i, j: t[:, i, j],
    "t[i, :, j]": lambda t, i, j: t[i, :, j],
    "t[i, 1:3]": lambda t, i, j: t[i, 1:3],
    "t[i, ::-2, j]": lambda t, i, j: t[i, ::-2, j],
    "t[1, :, j]": lambda t, i, j: t[1, :, j],
    "t[:, 2, j]": lambda t, i, j: t[:, 2, j],
    "t[1:, i]": lambda t, i, j: t[1:, i],
    "t[..., j]": lambda t, i, j: t[..., j],
    "t[i, -1, 1:]": lambda t, i, j: t[i, -1, 1:],
}


@pytest.mark.parametrize("name", MIXED)
def test_integer_arrays_mixed_with_slices(name, mode):
    """Reads, set_subtensor and inc_subtensor (repeated positions accumulate)
    against NumPy, and the gradient by finite differences."""
    index = MIXED[name]
    t, i, j = st.tensor3("t"), st.lvector("i"), st.lvector("j")
    view = index(t, i, j)
    f = scanc.function(
        [t, i, j],
        [view, st.set_subtensor(view, -1.0), st.inc_subtensor(view, view * 0 + 1.0)],
        mode=mode,
        on_unused_input="ignore",
    )
    cube = np.arange(60.0).reshape(3, 4, 5)
    iv, jv = np.array([0, 2, 2, -1]), np.array([1, 4, 4, 0])
    got, set_, inc = f(cube, iv, jv)
    want = index(cube, iv, jv)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    expected_set, expected_inc = cube.copy(), cube.copy()
    key = _numpy_key(name, iv, jv)
    expected_set[key] = -1.0
    np.add.at(expected_inc, key, 1.0)
    np.testing.assert_array_equal(set_, expected_set)
    np.testing.assert_array_equal(inc, expected_inc)
    verify_grad(lambda x: index(x, iv[:3], jv[:3]) ** 2, [cube / 10])


def _numpy_key(name: str, i, j):
    """The index tuple `name` spells, for NumPy."""
    return eval("np.index_exp" + name[1:], {"i": i, "j": j, "np": np})


def test_mixed_indexing_refuses_out_of_bounds_and_runs_in_scan(mode):
    t, i = st.tensor3("t"), st.lvector("i")
    f = scanc.function([t, i], t[:, i, 1:], mode=mode)
    with pytest.raises(IndexError, match="out of bounds"):
        f(np.zeros((2, 3, 4)), np.array([3]))
    seq = st.tensor3("seq")
    picked, _ = scanc.scan(lambda m, i: m[i, 1:], sequences=[seq], non_sequences=[i])
    g = scanc.function([seq, i], picked, mode=mode)
    cube = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(g(cube, np.array([2, 0])), cube[:, [2, 0], 1:])


def test_gradient_through_integer_arrays_on_several_axes():
    rows, cols = np.array([0, 2, 2, 1]), np.array([3, 0, 0, 1])
    verify_grad(lambda m: m[rows, cols] ** 2, [data("float64", seed=3)])
    verify_grad(
        lambda m: st.set_subtensor(m[rows[:2], cols[:2]], m[0, :2] * 3),
        [data("float64")],
    )


def test_matmul_broadcasts_either_stack_of_static_size_one(mode):
    rng = np.random.default_rng(9)
    a, b = st.tensor("a", shape=(1, None, None)), st.tensor3("b")
    bt, at = b.transpose(0, 2, 1), a.transpose(0, 2, 1)
    f = scanc.function(
        [a, b],
        [
            st.matmul(a, b),
            st.matmul(bt, at),
            scanc.grad((st.matmul(a, b) ** 2).sum(), a),
        ],
        mode=mode,
    )
    av, bv = rng.normal(size=(1, 2, 3)), rng.normal(size=(4, 3, 2))
    product, swapped, grad = f(av, bv)
    np.testing.assert_allclose(product, av @ bv)
    np.testing.assert_allclose(swapped, bv.transpose(0, 2, 1) @ av.transpose(0, 2, 1))
    want = (2 * (av @ bv) @ bv.transpose(0, 2, 1)).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(grad, want)


def test_tensordot_and_matmul_refuse_what_numpy_refuses():
    m = st.matrix("m")
    with pytest.raises(ValueError, match="cannot contract 3 axes"):
        st.tensordot(m, m, 3)
    with pytest.raises(ValueError, match="do not pair up"):
        st.tensordot(m, m, [[0, 1], [0]])
    with pytest.raises(ValueError, match="scalar operands"):
        st.matmul(st.scalar(), m)
    a, b = st.tensor3("a"), st.tensor3("b")
    f = scanc.function([a, b], st.matmul(a, b))
    with pytest.raises(ValueError, match="shape mismatch"):
        f(np.ones((2, 3, 4)), np.ones((3, 4, 5)))  # stacks of 2 and 3
    with pytest.raises(ValueError, match="dot: shapes are not aligned"):
        f(np.ones((2, 3, 4)), np.ones((2, 5, 5)))


TAKE_ALONG = [
    ((3, 4), (3, 2), 1),
    ((3, 4), (5, 4), 0),
    ((2, 3, 4), (2, 1, 4), 1),
    ((2, 3, 4), (1, 3, 6), -1),  # indices broadcast over the first axis
    ((5,), (7,), 0),
    ((3, 4), (6,), None),
]


@pytest.mark.parametrize("shape, index_shape, axis", TAKE_ALONG)
def test_take_along_axis_matches_numpy(shape, index_shape, axis, mode):
    rng = np.random.default_rng(5)
    values = rng.normal(size=shape)
    length = values.size if axis is None else shape[axis]
    indices = rng.integers(-length, length, size=index_shape)
    x = st.tensor("x", shape=(None,) * len(shape))
    # a size-1 axis that broadcasts is static, as NumPy's broadcasting needs
    static = tuple(1 if n == 1 else None for n in index_shape)
    i = st.tensor("i", dtype="int64", shape=static)
    f = scanc.function([x, i], st.take_along_axis(x, i, axis), mode=mode)
    expected = np.take_along_axis(values, indices, axis)
    np.testing.assert_array_equal(f(values, indices), expected)


def test_take_along_axis_gradient_and_refusals():
    picks = np.array([[0, 3, 3], [1, 1, -4], [2, 0, 1]])  # repeats add up
    verify_grad(lambda m: st.take_along_axis(m, picks, 1) ** 2, [data("float64")])
    x, i = st.matrix("x"), st.lmatrix("i")
    f = scanc.function([x, i], st.take_along_axis(x, i, 1))
    with pytest.raises(IndexError, match="out of bounds"):
        f(np.ones((2, 3)), np.array([[0], [3]]))
    with pytest.raises(ValueError, match="indices have 1 dimensions"):
        st.take_along_axis(x, st.lvector(), 1)
    with pytest.raises(IndexError, match="must be integers"):
        st.take_along_axis(x, st.matrix(), 1)
