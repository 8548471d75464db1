"""The tensor library against NumPy: dtypes, empty and non-contiguous inputs, and
the same ops inside a scan body."""

import math

import numpy as np
import pytest

import scanc
import scanc.tensor as st

rng = np.random.default_rng(21)
FLOAT_FUNCTIONS = {
    "exp": np.exp,
    "exp2": np.exp2,
    "expm1": np.expm1,
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "log1p": np.log1p,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "softplus": lambda v: np.log1p(np.exp(v)),
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctanh": np.arctanh,
    "erf": np.vectorize(math.erf),
    "floor": np.floor,
    "ceil": np.ceil,
    "round": np.round,
}


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-13), ("float32", 2e-6)])
@pytest.mark.parametrize("name", sorted(FLOAT_FUNCTIONS))
def test_float_functions(mode, name, dtype, rtol):
    x = st.vector("x", dtype=dtype)
    f = scanc.function([x], getattr(st, name)(x), mode=mode)
    v = rng.uniform(-0.9, 0.9, 33).astype(dtype)
    if name in ("log", "log2", "log10", "sqrt"):
        v = np.abs(v) + 0.05
    got = f(v)
    assert got.dtype == dtype
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(
            got, FLOAT_FUNCTIONS[name](v).astype(dtype), rtol=rtol, atol=rtol
        )
    assert f(np.zeros(0, dtype)).shape == (0,)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_arithmetic_sign_and_clip_on_every_dtype(mode, dtype):
    x, y = st.vector("x", dtype=dtype), st.vector("y", dtype=dtype)
    f = scanc.function(
        [x, y],
        [
            x + y,
            x - y,
            x * y,
            abs(x),
            st.sign(x),
            st.clip(x, -3, 3),
            st.switch(x > y, x, y),
            st.square(x),
        ],
        mode=mode,
    )
    a = rng.integers(-9, 9, 21).astype(dtype)
    b = rng.integers(-9, 9, 21).astype(dtype)
    expected = [
        a + b,
        a - b,
        a * b,
        np.abs(a),
        np.sign(a),
        np.clip(a, -3, 3),
        np.where(a > b, a, b),
        a * a,
    ]
    for got, want in zip(f(a, b), expected):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_non_contiguous_and_negatively_strided_inputs(mode):
    x = st.matrix("x")
    f = scanc.function([x], [st.exp(x), x.sum(axis=0), x.T], mode=mode)
    v = rng.normal(size=(6, 8))
    for view in (v[::2], v[:, ::-3], v[::-1, ::-1], v.T):
        got = f(view)
        np.testing.assert_allclose(got[0], np.exp(view), rtol=1e-13)
        np.testing.assert_allclose(got[1], view.sum(0), rtol=1e-13)
        np.testing.assert_array_equal(got[2], view.T)


def test_logical_and_nan_tests(mode):
    a, b = st.ivector("a"), st.ivector("b")
    x = st.vector("x")
    f = scanc.function(
        [a, b, x],
        [
            st.and_(a, b),
            st.or_(a, b),
            st.xor(a, b),
            st.invert(a),
            st.isnan(x),
            st.isinf(x),
        ],
        mode=mode,
    )
    av, bv = np.array([0, 1, 6, -3], "int32"), np.array([3, 1, 5, 7], "int32")
    xv = np.array([0.0, np.nan, np.inf, -np.inf])
    expected = [av & bv, av | bv, av ^ bv, ~av, np.isnan(xv), np.isinf(xv)]
    for got, want in zip(f(av, bv, xv), expected):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError, match="integer or bool"):
        st.and_(x, x)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reductions_and_arg_reductions(mode, axis):
    x = st.matrix("x")
    f = scanc.function(
        [x],
        [
            x.mean(axis=axis),
            st.all(x > -2, axis=axis),
            st.any(x > 1, axis=axis),
            x.argmax(axis=axis),
            x.argmin(axis=axis),
        ],
        mode=mode,
    )
    v = rng.normal(size=(5, 4))
    v[2, 1] = v.max() + 1
    expected = [
        v.mean(axis),
        (v > -2).all(axis),
        (v > 1).any(axis),
        v.argmax(axis),
        v.argmin(axis),
    ]
    for got, want in zip(f(v), expected):
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_argmax_returns_the_first_nan_like_numpy():
    x = st.vector("x")
    f = scanc.function([x], [x.argmax(), x.argmin()])
    v = np.array([1.0, np.nan, 5.0, np.nan])
    assert [int(r) for r in f(v)] == [np.argmax(v), np.argmin(v)] == [1, 1]


def test_shape_functions(mode):
    x, v = st.matrix("x"), st.vector("v")
    outs = [
        x.reshape((2, -1)),
        x.flatten(),
        st.concatenate([x, 2 * x], axis=1),
        st.stack([v, v + 1]),
        st.zeros((2, 3)),
        st.ones(4, dtype="int32"),
        st.full((2, 2), 7.5),
        st.fill(x, 3.0),
        st.eye(3, 4, k=1),
        st.diag(v),
        st.diag(v, 2),
        st.diag(v, -1),
        st.diagonal(x, 1),
        x[None, :, 1],
        x[..., -1],
    ]
    f = scanc.function([x, v], outs, mode=mode)
    xv, vv = rng.normal(size=(4, 3)), rng.normal(size=3)
    expected = [
        xv.reshape(2, -1),
        xv.ravel(),
        np.concatenate([xv, 2 * xv], 1),
        np.stack([vv, vv + 1]),
        np.zeros((2, 3)),
        np.ones(4, "int32"),
        np.full((2, 2), 7.5),
        np.full_like(xv, 3.0),
        np.eye(3, 4, k=1),
        np.diag(vv),
        np.diag(vv, 2),
        np.diag(vv, -1),
        np.diagonal(xv, 1),
        xv[None, :, 1],
        xv[..., -1],
    ]
    for got, want in zip(f(xv, vv), expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want)


def test_shape_errors_are_value_errors():
    x = st.matrix("x")
    f = scanc.function([x], x.reshape((5, -1)))
    with pytest.raises(ValueError, match="reshape must keep the number of elements"):
        f(np.ones((3, 3)))
    g = scanc.function([x], st.concatenate([x, x.T]))
    with pytest.raises(ValueError, match="concatenate input 1 differs"):
        g(np.ones((2, 3)))


def test_library_inside_a_scan_body(mode):
    X = st.matrix("X")

    def step(row, acc):
        both = st.concatenate([row, row[::-1]])
        return acc + st.softplus(both).reshape((2, -1)).mean(axis=0) * st.argmax(row)

    out, _ = scanc.scan(step, sequences=X, outputs_info=st.zeros((3,)))
    f = scanc.function([X], out[-1], mode=mode)
    x = rng.normal(size=(5, 3))
    acc = np.zeros(3)
    for row in x:
        both = np.concatenate([row, row[::-1]])
        acc = acc + np.log1p(np.exp(both)).reshape(2, -1).mean(0) * np.argmax(row)
    np.testing.assert_allclose(f(x), acc, rtol=1e-12)


def test_integer_array_and_boolean_mask_indexing(mode):
    x, i = st.matrix("x"), st.lvector("i")
    m = st.matrix("m", dtype="bool")
    f = scanc.function(
        [x, i, m],
        [
            x[i],
            x[:, i],
            x[[0, 2]],
            x[m],
            x[x[:, 0] > 0],
            st.set_subtensor(x[i], 9.0),
            st.inc_subtensor(x[:, i], 1.0),
            x[np.array([[1, 0], [2, 2]])],
        ],
        mode=mode,
    )
    v = np.arange(12.0).reshape(4, 3) - 5
    iv, mv = np.array([2, -1, 0, 2]), v > 0
    set_rows = v.copy()
    set_rows[iv] = 9.0
    inc_columns = v.copy()
    np.add.at(inc_columns, (slice(None), iv), 1.0)  # repeated indices add up
    expected = [
        v[iv],
        v[:, iv],
        v[[0, 2]],
        v[mv],
        v[v[:, 0] > 0],
        set_rows,
        inc_columns,
        v[np.array([[1, 0], [2, 2]])],
    ]
    for got, want in zip(f(v, iv, mv), expected):
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with pytest.raises(IndexError, match="out of bounds"):
        f(v, np.array([4]), mv)
    with pytest.raises(IndexError, match="boolean index does not match"):
        f(v, iv, np.ones((3, 3), bool))


def test_unsupported_advanced_indexing_says_so():
    # integer arrays mixed with slices work (test_extra_ops.py); a mask mixed
    # with other indices, or new axes among arrays, not yet
    x, t = st.matrix("x"), st.tensor3("t")
    with pytest.raises(NotImplementedError, match="boolean mask with other indices"):
        x[[0, 1], [True, False]]
    with pytest.raises(NotImplementedError, match="new axes"):
        t[:, None, [0, 1], [1, 0]]


def test_take_inside_a_scan_body(mode):
    X, order = st.matrix("X"), st.lvector("order")
    out, _ = scanc.scan(
        lambda row, order: row[order].sum() * row[row > 0].sum(),
        sequences=X,
        non_sequences=order,
    )
    f = scanc.function([X, order], out, mode=mode)
    x = rng.normal(size=(6, 4))
    o = np.array([3, 3, 0])
    np.testing.assert_allclose(
        f(x, o), [r[o].sum() * r[r > 0].sum() for r in x], rtol=1e-13
    )


def test_set_and_inc_on_boolean_masks(mode):
    x, y = st.matrix("x"), st.vector("y")
    f = scanc.function(
        [x, y],
        [
            st.set_subtensor(x[x > 0], 0.0),
            st.inc_subtensor(x[x > 0], y),
            st.set_subtensor(x[x[:, 0] > 0], 7.0),
        ],
        mode=mode,
    )
    v = np.arange(12.0).reshape(4, 3) - 5
    m = v > 0
    yv = np.arange(m.sum(), dtype=float)
    zeroed, added, rows = v.copy(), v.copy(), v.copy()
    zeroed[m] = 0
    added[m] += yv
    rows[v[:, 0] > 0] = 7
    for got, want in zip(f(v, yv), [zeroed, added, rows]):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="does not fit the selection"):
        f(v, np.ones(2))


def test_large_products_of_views_match_numpy():
    # transposed and reversed operands of products big enough for BLAS, which
    # takes them after a row-major copy
    A, B = st.matrix("A"), st.matrix("B")
    f = scanc.function([A, B], [st.dot(A.T, B), st.dot(A[::-1].T, B[:, ::-1])])
    rng = np.random.default_rng(40)
    a, b = rng.normal(size=(70, 60)), rng.normal(size=(50, 70))
    got_t, got_r = f(a, b.T)
    np.testing.assert_allclose(got_t, a.T @ b.T, rtol=1e-12)
    np.testing.assert_allclose(got_r, a[::-1].T @ b.T[:, ::-1], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_large_matrix_vector_products_match_numpy(mode, dtype):
    # above 4096 multiply-adds A . x and x . A call BLAS gemv; a view vector
    # (reversed) is copied for it, a view matrix keeps the inline loops
    A, x, y = (
        st.matrix("A", dtype=dtype),
        st.vector("x", dtype=dtype),
        st.vector("y", dtype=dtype),
    )
    outputs = [A @ x, A @ x[::-1], A[:, ::2] @ y[::-1], x @ A.T]
    f = scanc.function([A, x, y], outputs, mode=mode)
    rng = np.random.default_rng(41)
    tol = 1e-12 if dtype == "float64" else 1e-4
    for rows, cols in [(90, 80), (3, 5), (200, 1)]:
        a = rng.normal(size=(rows, cols)).astype(dtype)
        v = rng.normal(size=cols).astype(dtype)
        u = rng.normal(size=(cols + 1) // 2).astype(dtype)
        want = [a @ v, a @ v[::-1], a[:, ::2] @ u[::-1], v @ a.T]
        for got, expected in zip(f(a, v, u), want):
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
