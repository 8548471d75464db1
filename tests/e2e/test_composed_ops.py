"""PyTensor's composed functions (`scanc.tensor.composed`) against NumPy and
Python's math module: values on float64 and float32 (and integers where they
apply), edge values, empty inputs, inside scan, finite-difference gradients."""

import math

import numpy as np
import pytest

import scanc
import scanc.tensor as pt
from scanc.gradient import verify_grad

X = np.array([-3.7, -2.5, -0.5, 0.0, 0.5, 1.5, 2.5, 7.25])
EDGES = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0, 1e300])

UNARY = [
    ("arcsinh", np.arcsinh, X),
    ("arccosh", np.arccosh, np.abs(X) + 1.0),
    ("deg2rad", np.deg2rad, X),
    ("rad2deg", np.rad2deg, X),
    ("sqr", np.square, X),
    ("trunc", np.trunc, X),
    ("round_half_to_even", np.round, X),
    ("round_half_away_from_zero", lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5), X),
    ("isfinite", np.isfinite, EDGES),
    ("isposinf", np.isposinf, EDGES),
    ("isneginf", np.isneginf, EDGES),
    ("nan_to_num", np.nan_to_num, EDGES),
    (
        "gamma",
        np.vectorize(lambda v: math.gamma(v) if v not in (0.0, -1.0, -2.0) else np.nan),
        X + 0.1,
    ),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,reference,values", UNARY, ids=[u[0] for u in UNARY])
def test_unary_against_numpy(name, reference, values, dtype, mode):
    x = pt.vector("x", dtype=dtype)
    f = scanc.function([x], getattr(pt, name)(x), mode=mode)
    with np.errstate(all="ignore"):  # 1e300 is inf in float32, as it should be
        arg = values.astype(dtype)
        want = reference(arg)
    got = f(arg)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-30)
    assert f(np.zeros(0, dtype)).shape == (0,)


def test_iround_and_divmod_and_extremes():
    x, y = pt.vector("x"), pt.vector("y")
    q, r = pt.divmod(x, y)
    f = scanc.function(
        [x, y],
        [
            pt.iround(x),
            pt.iround(x, "half_away_from_zero"),
            q,
            r,
            pt.largest(x, y, 1.0),
            pt.smallest(x, y),
        ],
    )
    xv, yv = np.array([-2.5, 0.5, 1.5, 7.0]), np.array([2.0, -0.3, 4.0, 3.0])
    got = f(xv, yv)
    assert got[0].dtype == np.int64
    np.testing.assert_array_equal(got[0], np.round(xv))
    np.testing.assert_array_equal(got[1], [-3, 1, 2, 7])
    np.testing.assert_allclose(got[2], np.floor_divide(xv, yv))
    np.testing.assert_allclose(got[3], np.mod(xv, yv))
    np.testing.assert_array_equal(got[4], np.maximum(np.maximum(xv, yv), 1.0))
    np.testing.assert_array_equal(got[5], np.minimum(xv, yv))


def test_isclose_and_allclose():
    a, b = pt.vector("a"), pt.vector("b")
    f = scanc.function(
        [a, b], [pt.isclose(a, b), pt.isclose(a, b, equal_nan=True), pt.allclose(a, b)]
    )
    av = np.array([1.0, 1e-9, np.inf, np.inf, np.nan, 1.0])
    bv = np.array([1.0 + 1e-7, 0.0, np.inf, -np.inf, np.nan, 1.1])
    got = f(av, bv)
    np.testing.assert_array_equal(got[0], np.isclose(av, bv))
    np.testing.assert_array_equal(got[1], np.isclose(av, bv, equal_nan=True))
    assert not got[2]
    assert f(av[:3], av[:3])[2]


def test_ranges():
    n = pt.iscalar("n")
    f = scanc.function(
        [n],
        [
            pt.linspace(0.0, 1.0, n),
            pt.linspace(2.0, 3.0, n, endpoint=False),
            pt.logspace(0.0, 2.0, n),
            pt.geomspace(1.0, 1000.0, n),
        ],
    )
    for count in (0, 1, 5):
        got = f(count)
        np.testing.assert_allclose(got[0], np.linspace(0.0, 1.0, count))
        np.testing.assert_allclose(got[1], np.linspace(2.0, 3.0, count, endpoint=False))
        np.testing.assert_allclose(got[2], np.logspace(0.0, 2.0, count))
        np.testing.assert_allclose(got[3], np.geomspace(1.0, 1000.0, count))


def test_stacks_and_vector_products():
    a, b, M, S, V = (
        pt.vector("a"),
        pt.vector("b"),
        pt.matrix("M"),
        pt.tensor3("S"),
        pt.matrix("V"),
    )
    f = scanc.function(
        [a, b, M, S, V],
        [
            pt.horizontal_stack(M, M),
            pt.vertical_stack(M, M),
            pt.horizontal_stack(a, b),
            pt.vecdot(a, b),
            pt.matvec(M, a),
            pt.vecmat(a, M),
            pt.matvec(S, V),
            pt.vecmat(V, S),
            pt.max_and_argmax(M, axis=1)[1],
            pt.identity(a),
            pt.empty_like(M),
        ],
    )
    rng = np.random.default_rng(0)
    av, bv, mv = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(3, 3))
    sv, vv = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 3))
    got = f(av, bv, mv, sv, vv)
    want = [
        np.hstack([mv, mv]),
        np.vstack([mv, mv]),
        np.hstack([av, bv]),
        av @ bv,
        mv @ av,
        av @ mv,
        np.einsum("kij,kj->ki", sv, vv),
        np.einsum("ki,kij->kj", vv, sv),
        mv.argmax(axis=1),
        av,
        np.zeros((3, 3)),
    ]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_special_gamma_family():
    a, b = pt.vector("a"), pt.vector("b")
    f = scanc.function(
        [a, b],
        [
            pt.special.beta(a, b),
            pt.special.betaln(a, b),
            pt.special.factorial(a),
            pt.special.poch(a, b),
            pt.special.xlog1py(a, b),
        ],
    )
    av, bv = np.array([0.5, 1.0, 3.0, 0.0]), np.array([2.0, 0.25, 1.5, 4.0])
    lg = np.vectorize(math.lgamma)
    ap, bp = av[:3], bv[:3]  # the references below are for positive arguments
    want = [
        np.exp(lg(ap) + lg(bp) - lg(ap + bp)),
        lg(ap) + lg(bp) - lg(ap + bp),
        np.vectorize(lambda v: math.gamma(v + 1))(ap),
        np.exp(lg(ap + bp) - lg(ap)),
        ap * np.log1p(bp),
    ]
    with np.errstate(all="ignore"):
        got = f(av, bv)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g[:3], w, rtol=1e-12)
    assert got[4][3] == 0.0 and got[2][3] == 1.0


@pytest.mark.parametrize(
    "fn,points",
    [
        (pt.arcsinh, [X]),
        (pt.arccosh, [np.abs(X) + 1.5]),
        (pt.deg2rad, [X]),
        (pt.gamma, [np.array([0.7, 1.9, 3.2, -0.4])]),
        (pt.special.betaln, [np.array([0.7, 2.0]), np.array([1.5, 0.3])]),
        (pt.special.poch, [np.array([0.7, 2.0]), np.array([1.5, 0.3])]),
        (pt.special.xlog1py, [np.array([0.7, 2.0]), np.array([1.5, 0.3])]),
        (lambda a, b: pt.vecdot(a, b), [X, X[::-1]]),
        (
            lambda m, v: pt.matvec(m, v),
            [np.arange(9.0).reshape(3, 3), np.array([1.0, -2.0, 0.5])],
        ),
        (lambda a: pt.linspace(a.sum(), 2 * a.sum(), 4), [np.array([0.5, 1.0])]),
    ],
)
def test_gradients_against_finite_differences(fn, points, mode):
    verify_grad(fn, points, mode=mode)


def test_inside_scan():
    xs = pt.matrix("xs")
    out, _ = scanc.scan(lambda x: pt.arcsinh(x) + pt.nan_to_num(1 / x), sequences=xs)
    values = np.array([[0.0, 1.0], [2.0, -3.0]])
    with np.errstate(divide="ignore"):
        want = np.arcsinh(values) + np.nan_to_num(1 / values)
    np.testing.assert_allclose(scanc.function([xs], out)(values), want)


def test_new_constructors():
    assert pt.row("r").type.shape == (1, None) and pt.dcol("c").type.shape == (None, 1)
    assert pt.tensor5().ndim == 5 and pt.ltensor7().dtype == "int64"
    a, b = pt.frows("a,b")
    assert a.dtype == "float32" and b.type.broadcastable == (True, False)
