"""Tensor ops against NumPy, with the graph passes on and off."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st

rng = np.random.default_rng(7)


@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((0, 3), (3, 2)),
    ],
)
def test_dot_matches_numpy(mode, a_shape, b_shape):
    a, b = (
        st.tensor("a", shape=(None,) * len(a_shape)),
        st.tensor("b", shape=(None,) * len(b_shape)),
    )
    f = scanc.function([a, b], [st.dot(a, b), a @ b], mode=mode)
    x, y = rng.normal(size=a_shape), rng.normal(size=b_shape)
    for got in f(x, y):
        np.testing.assert_allclose(got, np.dot(x, y), rtol=1e-12, atol=1e-12)


def test_dot_shape_mismatch_is_a_value_error():
    a, b = st.matrix("a"), st.matrix("b")
    f = scanc.function([a, b], st.dot(a, b))
    with pytest.raises(ValueError, match="not aligned"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_transpose_and_dimshuffle(mode):
    x = st.tensor3("x")
    f = scanc.function(
        [x], [x.T, x.transpose(1, 0, 2), x.dimshuffle(2, "x", 0, 1)], mode=mode
    )
    v = rng.normal(size=(2, 3, 4))
    t, p, d = f(v)
    np.testing.assert_array_equal(t, v.T)
    np.testing.assert_array_equal(p, v.transpose(1, 0, 2))
    np.testing.assert_array_equal(d, v.transpose(2, 0, 1)[:, None])


def test_set_and_inc_subtensor(mode):
    x, y, i = st.matrix("x"), st.vector("y"), st.lscalar("i")
    f = scanc.function(
        [x, y, i],
        [
            st.set_subtensor(x[i], y),
            st.inc_subtensor(x[1:, ::2], 1.5),
            st.set_subtensor(x[i, 0], 7),
        ],
        mode=mode,
    )
    v, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    s, inc, one = f(v, w, -1)
    expected = v.copy()
    expected[-1] = w
    np.testing.assert_array_equal(s, expected)
    expected = v.copy()
    expected[1:, ::2] += 1.5
    np.testing.assert_array_equal(inc, expected)
    expected = v.copy()
    expected[-1, 0] = 7
    np.testing.assert_array_equal(one, expected)
    np.testing.assert_array_equal(f(v, w, 0)[0][0], w)  # the input is not modified
    assert not np.array_equal(v[0], w)


def test_set_subtensor_needs_an_indexed_tensor():
    with pytest.raises(TypeError, match="indexed tensor"):
        st.set_subtensor(st.vector(), 1.0)


@pytest.mark.parametrize(
    "index",
    [
        np.s_[1:3],
        np.s_[::-1],
        np.s_[::2],
        np.s_[-2:],
        np.s_[5:1:-2],
        np.s_[10:],
        np.s_[:, 1],
        np.s_[-1, ::-1],
    ],
)
def test_basic_indexing_matches_numpy(mode, index):
    x = st.matrix("x")
    f = scanc.function([x], x[index], mode=mode)
    v = rng.normal(size=(6, 4))
    np.testing.assert_array_equal(f(v), v[index])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("fn", ["sum", "prod", "max", "min"])
def test_reductions_match_numpy(mode, fn, axis):
    x = st.matrix("x")
    f = scanc.function([x], getattr(st, fn)(x, axis=axis), mode=mode)
    v = rng.uniform(0.5, 1.5, size=(3, 5))
    np.testing.assert_allclose(f(v), getattr(np, fn)(v, axis=axis), rtol=1e-12)


def test_integer_division_and_modulo_follow_numpy(mode):
    a, b = st.lvector("a"), st.lvector("b")
    f = scanc.function([a, b], [a // b, a % b], mode=mode)
    x = np.array([7, -7, 7, -7, 5, np.iinfo(np.int64).min])
    y = np.array([2, 2, -2, -2, 0, -1])
    with np.errstate(divide="ignore", over="ignore"):
        expected = [x // y, x % y]
    for got, want in zip(f(x, y), expected):
        np.testing.assert_array_equal(got, want)


def test_elementwise_functions_match_numpy(mode):
    x = st.vector("x")
    outs = [
        st.exp(x),
        st.log(x),
        st.sqrt(x),
        st.tanh(x),
        st.sigmoid(x),
        st.sin(x),
        st.cos(x),
        abs(-x),
        st.maximum(x, 1.0),
        st.minimum(x, 1.0),
        x**3,
        2.0**x,
    ]
    f = scanc.function([x], outs, mode=mode)
    v = rng.uniform(0.1, 3.0, size=17)
    expected = [
        np.exp(v),
        np.log(v),
        np.sqrt(v),
        np.tanh(v),
        1 / (1 + np.exp(-v)),
        np.sin(v),
        np.cos(v),
        v,
        np.maximum(v, 1),
        np.minimum(v, 1),
        v**3,
        2**v,
    ]
    for got, want in zip(f(v), expected):
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_views_map_reduce_foldl_foldr(mode):
    x, z = st.vector("x"), st.scalar("z")
    squares, _ = scanc.map(lambda v: v * v, sequences=x)
    total, _ = scanc.reduce(lambda v, acc: acc + v, sequences=x, outputs_info=z)
    left, _ = scanc.foldl(lambda v, acc: acc * 2 + v, sequences=x, outputs_info=z)
    right, _ = scanc.foldr(lambda v, acc: acc * 2 + v, sequences=x, outputs_info=z)
    backwards, _ = scanc.scan(lambda v: v, sequences=x, go_backwards=True)
    f = scanc.function([x, z], [squares, total, left, right, backwards], mode=mode)
    v = np.array([1.0, 2.0, 3.0])
    sq, tot, lft, rgt, back = f(v, 0.0)
    np.testing.assert_array_equal(sq, v * v)
    assert (tot, lft, rgt) == (6.0, 11.0, 17.0)
    np.testing.assert_array_equal(back, v[::-1])
    assert scanc.scan.map is scanc.map and scanc.scan.utils.until is scanc.until


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_large_matrix_products_match_numpy(mode, dtype, rtol):
    # above the BLAS threshold (when NumPy bundles OpenBLAS), and through a view
    # (strided operands always take the inline loops)
    a, b = st.matrix("a", dtype=dtype), st.matrix("b", dtype=dtype)
    v = st.vector("v", dtype=dtype)
    f = scanc.function(
        [a, b, v],
        [st.dot(a, b), st.dot(a[::2], b), st.dot(v, b), st.dot(v[::-1], b)],
        mode=mode,
    )
    x = rng.normal(size=(80, 1200)).astype(dtype)
    y = rng.normal(size=(1200, 70)).astype(dtype)
    z = rng.normal(size=1200).astype(dtype)  # 1200 x 70 multiply-adds: gemv
    full, strided, vector, reversed_vector = f(x, y, z)
    tol = rtol * 30
    np.testing.assert_allclose(full, x @ y, rtol=tol, atol=tol)
    np.testing.assert_allclose(strided, x[::2] @ y, rtol=tol, atol=tol)
    np.testing.assert_allclose(vector, z @ y, rtol=tol, atol=tol)
    np.testing.assert_allclose(reversed_vector, z[::-1] @ y, rtol=tol, atol=tol)
