"""Special functions (scanc.tensor.special / math) against NumPy references, on
float32 and float64, at the points where naive formulas overflow, inside a
scan, and with their gradients against finite differences."""

import math

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.gradient import verify_grad


def np_logsumexp(a, axis=None, keepdims=False):
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isinf(top), 0.0, top)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def np_softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log1mexp(a):
    return np.where(a < -np.log(2), np.log1p(-np.exp(a)), np.log(-np.expm1(a)))


CASES = {
    "logsumexp": (lambda x: st.logsumexp(x, axis=1), lambda a: np_logsumexp(a, 1)),
    "logsumexp-all-keepdims": (
        lambda x: st.logsumexp(x, keepdims=True),
        lambda a: np_logsumexp(a, None, True),
    ),
    "softmax": (lambda x: st.special.softmax(x, axis=-1), lambda a: np_softmax(a, -1)),
    "log_softmax": (
        lambda x: st.special.log_softmax(x, axis=0),
        lambda a: np.log(np_softmax(a, 0)),
    ),
    "logaddexp": (lambda x: st.logaddexp(x, -x), lambda a: np.logaddexp(a, -a)),
    "log1mexp": (
        lambda x: st.math.log1mexp(-abs(x) - 1e-3),
        lambda a: np_log1mexp(-np.abs(a) - 1e-3),
    ),
    "log1pexp": (lambda x: st.log1pexp(x), lambda a: np.logaddexp(0, a)),
    "expit": (lambda x: st.expit(x), lambda a: 1 / (1 + np.exp(-a))),
    "logit": (
        lambda x: st.logit(st.expit(x) * 0.5 + 0.25),
        lambda a: np.log(
            (0.5 / (1 + np.exp(-a)) + 0.25) / (0.75 - 0.5 / (1 + np.exp(-a)))
        ),
    ),
    "xlogx": (lambda x: st.xlogx(abs(x)), lambda a: np.abs(a) * np.log(np.abs(a))),
    "xlogy0": (
        lambda x: st.xlogy0(x, abs(x) + 1),
        lambda a: a * np.log(np.abs(a) + 1),
    ),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_against_numpy(name, dtype):
    build, reference = CASES[name]
    x = st.matrix("x", dtype=dtype)
    f = scanc.function([x], build(x))
    a = np.random.default_rng(3).normal(size=(4, 5)).astype(dtype) * 3
    a[0, 0] = 0.0  # xlogx and xlogy0 at zero
    with np.errstate(all="ignore"):
        want = np.nan_to_num(reference(a.astype("float64")), nan=0.0)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(f(a), want, rtol=rtol, atol=rtol)


def test_no_overflow_where_the_result_is_finite():
    x = st.vector("x")
    f = scanc.function(
        [x], [st.logsumexp(x), st.softmax(x), st.log_softmax(x), st.log1mexp(-x)]
    )
    lse, sm, lsm, l1m = f(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(lse, 1000 + np.log(2), rtol=1e-15)
    np.testing.assert_allclose(sm, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(lsm, [-np.log(2), -np.log(2), -2000 - np.log(2)])
    assert np.isfinite(l1m[:2]).all()
    everything_minus_inf = scanc.function([x], st.logsumexp(x))(np.full(3, -np.inf))
    assert everything_minus_inf == -np.inf


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_against_finite_differences(name):
    build, _ = CASES[name]
    a = np.random.default_rng(4).uniform(0.2, 1.5, size=(3, 4))
    verify_grad(build, [a])


def test_large_inputs_give_finite_gradients():
    x = st.vector("x")
    g = scanc.function([x], scanc.grad(st.logsumexp(x) + st.log_softmax(x)[0], x))
    got = g(np.array([1000.0, 999.0, -1000.0]))
    assert np.isfinite(got).all()
    softmax = np_softmax(np.array([1000.0, 999.0, -1000.0]), 0)
    np.testing.assert_allclose(got, softmax + np.eye(3)[0] - softmax, rtol=1e-12)


def test_inside_a_scan():
    X = st.matrix("X")
    rows, _ = scanc.scan(lambda r: [st.logsumexp(r), st.softmax(r)], sequences=X)
    f = scanc.function([X], rows)
    a = np.random.default_rng(5).normal(size=(3, 4))
    lse, sm = f(a)
    np.testing.assert_allclose(lse, np_logsumexp(a, 1), rtol=1e-13)
    np.testing.assert_allclose(sm, np_softmax(a, 1), rtol=1e-13)


def _lgamma(a):
    import math

    return np.vectorize(math.lgamma, otypes=[float])(a)


def _erfc(a):
    import math

    return np.vectorize(math.erfc, otypes=[float])(a)


POINTS = np.array([0.1, 0.5, 1.0, 2.5, 7.0, 30.0, 1e3, -0.5, -2.7, 5e-4])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_libm_functions(dtype):
    x = st.vector("x", dtype=dtype)
    f = scanc.function([x], [st.erfc(x), st.gammaln(x), st.math.erfc(-x)])
    erfc, gammaln, erfc_minus = f(POINTS.astype(dtype))
    rtol = 1e-5 if dtype == "float32" else 1e-14
    points = POINTS.astype(dtype).astype("float64")
    np.testing.assert_allclose(erfc, _erfc(points), rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(gammaln, _lgamma(points), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(erfc_minus, _erfc(-points), rtol=rtol)
    if dtype == "float64":
        assert erfc[4] > 0  # erfc(7) ~ 4e-23, where 1 - erf(7) is 0
    assert erfc.dtype == dtype


def test_digamma_and_trigamma():
    x = st.vector("x")
    f = scanc.function([x], [st.psi(x), st.digamma(x), st.tri_gamma(x)])
    psi, digamma, trigamma = f(POINTS)
    np.testing.assert_array_equal(psi, digamma)
    euler = 0.5772156649015329
    np.testing.assert_allclose(psi[2], -euler, rtol=1e-14)
    np.testing.assert_allclose(psi[1], -euler - 2 * np.log(2), rtol=1e-14)
    np.testing.assert_allclose(trigamma[2], np.pi**2 / 6, rtol=1e-14)
    np.testing.assert_allclose(trigamma[1], np.pi**2 / 2, rtol=1e-14)
    # the recurrences, across the reflection and the series
    shifted = f(POINTS + 1)
    np.testing.assert_allclose(shifted[0], psi + 1 / POINTS, rtol=1e-12)
    # (1/x^2 is 4e6 at x = 5e-4: the difference keeps ten digits)
    np.testing.assert_allclose(shifted[2], trigamma - 1 / POINTS**2, rtol=1e-9)
    # digamma is the derivative of gammaln
    h = np.minimum(1e-6, np.abs(POINTS) * 1e-5)  # small steps near the pole
    slope = (_lgamma(POINTS + h) - _lgamma(POINTS - h)) / (2 * h)
    np.testing.assert_allclose(psi, slope, rtol=1e-6, atol=1e-6)


def test_gradients_of_the_libm_functions():
    a = np.array([0.3, 1.7, 4.0, 12.0])
    for fn in (st.erfc, st.gammaln, st.psi):
        verify_grad(fn, [a])
    x = st.scalar("x")
    with pytest.raises(NotImplementedError, match="tri_gamma"):
        scanc.function([x], scanc.grad(st.tri_gamma(x), x))


def test_erfinv_inverts_erf_to_double_precision(mode):
    y = st.vector("y")
    f = scanc.function([y], st.erfinv(y), mode=mode)
    values = np.concatenate(
        [np.linspace(-0.999999, 0.999999, 201), [1 - 1e-15, -(1 - 1e-12), 0.0]]
    )
    got = f(values)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(erf(got), values, rtol=0, atol=4e-15)
    np.testing.assert_allclose(
        f(np.array([0.5, -0.5])), [0.4769362762044699, -0.4769362762044699], rtol=1e-15
    )
    edges = f(np.array([1.0, -1.0, 1.5, np.nan]))
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2:]).all()
    assert f(np.zeros(0)).shape == (0,)


def test_erfcinv_inverts_erfc_down_to_subnormals(mode):
    y = st.vector("y")
    f = scanc.function([y], st.erfcinv(y), mode=mode)
    values = np.concatenate(
        [np.logspace(-307, 0, 300), 2 - np.logspace(-15, -1, 50), [1.0, 1.5]]
    )
    got = f(values)
    erfc = np.vectorize(math.erfc)
    # erfc's relative change is 2x times x's: x is good to about 1e-16 relative
    np.testing.assert_allclose(erfc(got), values, rtol=5e-13)
    np.testing.assert_allclose(
        f(np.array([0.5, 1.5])), [0.4769362762044699, -0.4769362762044699], rtol=1e-15
    )
    tiny = f(np.array([1e-310, 5e-324]))  # subnormal: erfc(26.64...) = 1e-310
    assert np.all(np.isfinite(tiny)) and np.all(np.diff(tiny) > 0)
    edges = f(np.array([0.0, 2.0, -0.5, 2.5, np.nan]))
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2:]).all()
    assert f(np.zeros(0)).shape == (0,)


def test_erfcx_is_scaled_erfc_without_overflow(mode):
    x = st.vector("x")
    f = scanc.function([x], st.erfcx(x), mode=mode)
    small = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 9.9, 10.0, 10.5, 20.0])
    np.testing.assert_allclose(
        f(small), [math.exp(v * v) * math.erfc(v) for v in small], rtol=1e-13
    )
    large = np.array([30.0, 1e3, 1e10])
    # asymptotically 1 / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + ...),
    # the next term below 1e-11 of it from x = 30
    u = 1 / (2 * large**2)
    series = 1 - u + 3 * u**2 - 15 * u**3
    np.testing.assert_allclose(
        f(large), series / (large * math.sqrt(math.pi)), rtol=1e-10
    )


@pytest.mark.parametrize(
    "fn,points",
    [
        (st.erfinv, [np.array([-0.9, -0.3, 0.0, 0.4, 0.95])]),
        (st.erfcinv, [np.array([0.02, 0.3, 1.0, 1.4, 1.9])]),
        (st.erfcx, [np.array([-2.0, 0.0, 1.5, 9.5, 10.5, 25.0])]),
    ],
)
def test_erfinv_erfcx_gradients(fn, points, mode):
    verify_grad(fn, points, mode=mode)
