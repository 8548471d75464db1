"""Random generators as PyMC threads them: shared NumPy Generators passed as
`rng=`, `owner.outputs`, `return_next_rng`, updates, generators in scans, the
distributions' statistics and their refusals."""

from math import comb, exp, factorial

import numpy as np
import pytest

import scanc
import scanc.tensor as pt

N = 200_000


def _sample(name, *params, size=N, seed=0, **kwargs):
    rng = scanc.shared(np.random.default_rng(seed))
    draw = getattr(pt.random, name)(*params, size=size, rng=rng, **kwargs)
    next_rng, x = draw.owner.outputs
    return scanc.function([], x, updates={rng: next_rng})()


# (distribution, parameters, mean, variance)
MOMENTS = [
    ("uniform", (-1.0, 3.0), 1.0, 16 / 12),
    ("normal", (2.0, 0.5), 2.0, 0.25),
    ("standard_normal", (), 0.0, 1.0),
    ("exponential", (2.0,), 2.0, 4.0),
    ("gamma", (3.0, 2.0), 6.0, 12.0),
    ("gamma", (0.4,), 0.4, 0.4),  # shape < 1: boosted
    ("beta", (2.0, 5.0), 2 / 7, 10 / (49 * 8)),
    ("poisson", (3.5,), 3.5, 3.5),
    ("poisson", (80.0,), 80.0, 80.0),  # PTRS
    ("lognormal", (0.0, 0.5), exp(0.125), (exp(0.25) - 1) * exp(0.25)),
    ("halfnormal", (1.0, 2.0), 1.0 + 2.0 * np.sqrt(2 / np.pi), 4.0 * (1 - 2 / np.pi)),
    ("integers", (0, 10), 4.5, 99 / 12),
    ("bernoulli", (0.3,), 0.3, 0.21),
    ("binomial", (10, 0.3), 3.0, 2.1),
]


@pytest.mark.parametrize("name, params, mean, var", MOMENTS, ids=lambda v: str(v))
def test_moments_of_each_distribution(name, params, mean, var):
    x = _sample(name, *params)
    # five standard errors of the mean; the variance within 3%
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / N)
    assert abs(x.var() - var) < 0.03 * var


def test_poisson_counts_pass_a_chi_square_test():
    counts = np.bincount(_sample("poisson", 2.0), minlength=12)[:12]
    expected = np.array([exp(-2) * 2.0**k / factorial(k) for k in range(12)]) * N
    keep = expected > 5
    assert (((counts - expected) ** 2 / expected)[keep]).sum() < 32.9  # 99.9%, 10 dof


def test_categorical_and_choice_follow_their_probabilities():
    p = np.array([0.1, 0.6, 0.3])
    counts = np.bincount(_sample("categorical", p), minlength=3) / N
    np.testing.assert_allclose(counts, p, atol=0.01)
    picked = _sample("choice", np.array([5.0, 7.0, 9.0]), seed=1)
    assert set(np.unique(picked)) == {5.0, 7.0, 9.0}
    weighted = _sample("choice", 3, p=p)
    np.testing.assert_allclose(np.bincount(weighted) / N, p, atol=0.01)
    binomial = np.array([comb(4, k) * 0.5**4 for k in range(5)])
    drawn = _sample("categorical", binomial, size=(N // 2, 2))
    assert drawn.shape == (N // 2, 2)
    np.testing.assert_allclose(np.bincount(drawn.ravel()) / N, binomial, atol=0.01)


def test_draw_size_follows_parameters_known_only_at_run_time():
    mu = pt.vector("mu")
    rng = scanc.shared(np.random.default_rng(3))
    next_rng, x = pt.random.normal(mu, 1e-9, rng=rng).owner.outputs
    got = scanc.function([mu], x, updates={rng: next_rng})(np.arange(4.0))
    np.testing.assert_allclose(got, np.arange(4.0), atol=1e-6)


def test_updates_advance_and_seeds_repeat():
    rng = scanc.shared(np.random.default_rng(42), name="rng")
    next_rng, x = pt.random.normal(0, 1, size=3, rng=rng).owner.outputs
    f = scanc.function([], x, updates={rng: next_rng})
    first, second = f(), f()
    assert not np.array_equal(first, second)
    rng.set_value(np.random.default_rng(42))
    np.testing.assert_array_equal(f(), first)
    rng.set_value(seed=42)
    np.testing.assert_array_equal(f(), first)
    # get_value carries the state: setting it back continues the sequence
    saved = rng.get_value()
    third = f()
    rng.set_value(saved)
    np.testing.assert_array_equal(f(), third)
    assert isinstance(saved, np.random.Generator)


def test_without_updates_every_call_repeats():
    rng = scanc.shared(np.random.default_rng(1))
    f = scanc.function([], pt.random.uniform(size=2, rng=rng))
    np.testing.assert_array_equal(f(), f())


def test_chained_draws_differ_and_methods_return_next_rng():
    rng = pt.random.shared_rng(seed=5, name="rng")
    rng1, x = rng.normal(size=4)
    rng2, y = rng1.normal(size=4)
    _, z = pt.random.normal(size=4, rng=rng, return_next_rng=True)
    x_, y_, z_ = scanc.function([], [x, y, z], updates={rng: rng2})()
    assert not np.array_equal(x_, y_)
    np.testing.assert_array_equal(x_, z_)  # same state, same numbers


def test_generator_input_and_output():
    r = pt.random.rng("r")
    next_r, u = pt.random.uniform(rng=r, size=2, return_next_rng=True)
    f = scanc.function([r], [next_r, u])
    g1, u1 = f(np.random.default_rng(5))
    g2, u2 = f(g1)
    assert isinstance(g1, np.random.Generator)
    assert not np.array_equal(u1, u2)
    np.testing.assert_array_equal(f(np.random.default_rng(5))[1], u1)
    with pytest.raises(TypeError, match="expected a numpy.random.Generator"):
        f(np.array([1, 2]))


def test_scan_repeats_a_generator_it_does_not_thread():
    rng = pt.random.shared_rng(seed=123)

    def step(rng):
        _, x = rng.normal()
        return x

    draws = scanc.scan(
        step,
        outputs_info=[None],
        non_sequences=[rng],
        n_steps=5,
        strict=True,
        return_updates=False,
    )
    got = scanc.function([], draws)()
    assert np.all(got == got[0])


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_scan_threads_a_generator_through_outputs_info(mode):
    rng = pt.random.shared_rng(np.random.default_rng(123))

    def step(rng):
        next_rng, x = rng.normal()
        return x, next_rng

    draws, final_rng = scanc.scan(
        step, outputs_info=[None, rng], n_steps=5, return_updates=False
    )
    assert final_rng.type == pt.random.RandomGeneratorType()
    f = scanc.function([], draws, updates={rng: final_rng}, mode=mode)
    a, b = f(), f()
    assert len(set(a)) == 5 and not np.array_equal(a, b)
    # the same numbers as drawing five in a row from the same generator
    rng.set_value(np.random.default_rng(123))
    state, chained = rng, []
    for _ in range(5):
        state, x = state.normal()
        chained.append(x)
    # (up to the last bit: cos and log inside a loop may be vector functions)
    np.testing.assert_allclose(scanc.function([], chained)(), a, rtol=1e-15)


def test_scan_of_zero_steps_returns_the_generator_unchanged():
    rng = pt.random.shared_rng(seed=9)
    n = pt.iscalar("n")

    def step(rng):
        next_rng, x = rng.uniform()
        return x, next_rng

    _, final_rng = scanc.scan(
        step, outputs_info=[None, rng], n_steps=n, return_updates=False
    )
    f = scanc.function([n], [], updates={rng: final_rng})

    def counter():
        return int(rng.get_value().bit_generator.state["state"]["counter"][0])

    before = counter()
    f(0)
    assert counter() == before
    f(3)
    assert counter() == before + 3


def test_pymc_style_update_from_the_step():
    """An AR(1) simulation as PyMC's time-series code writes it: the shared rng
    is updated by the step function, and the scan's updates advance it."""
    rng = scanc.shared(np.random.default_rng(1))
    rho = pt.scalar("rho")

    def step(x_tm1, rho):
        next_rng, eps = pt.random.normal(0, 1, rng=rng).owner.outputs
        return rho * x_tm1 + eps, {rng: next_rng}

    xs, updates = scanc.scan(
        step, outputs_info=[pt.constant(0.0)], non_sequences=[rho], n_steps=6
    )
    f = scanc.function([rho], xs, updates=updates)
    first, second = f(0.5), f(0.5)
    assert not np.array_equal(first, second)
    eps = np.empty(6)  # the innovations are the AR residuals
    eps[0], eps[1:] = first[0], first[1:] - 0.5 * first[:-1]
    assert np.all(np.isfinite(eps)) and len(set(eps)) == 6


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("gamma", (-1.0,), "gamma: shape must be positive"),
        ("gamma", (np.nan,), "gamma: shape must be positive"),
        ("poisson", (-2.0,), r"poisson: lam must be in \[0, 1e10\)"),
        ("exponential", (-1.0,), "exponential: scale must be >= 0"),
    ],
)
def test_invalid_parameters_raise_at_call_time(name, params, message):
    p = pt.dscalar("p")
    rng = scanc.shared(np.random.default_rng(0))
    f = scanc.function([p], getattr(pt.random, name)(p, size=3, rng=rng))
    with pytest.raises(ValueError, match=message):
        f(params[0])


def test_refusals():
    with pytest.raises(TypeError, match="RandomState is not supported"):
        scanc.shared(np.random.RandomState(0))
    with pytest.raises(TypeError, match="rng= takes a random generator variable"):
        pt.random.normal(rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="method must be one of"):
        pt.random.multivariate_normal(np.zeros(2), np.eye(2), method="qr")
    with pytest.raises(NotImplementedError, match="replace=False"):
        pt.random.choice(5, size=2, replace=False)
    with pytest.raises(ValueError, match="takes tap -1 only"):
        rng = pt.random.shared_rng(seed=0)
        scanc.scan(
            lambda r: r.normal()[0],
            outputs_info=[dict(initial=rng, taps=[-2])],
            n_steps=2,
        )


def test_multivariate_normal_and_dirichlet_moments():
    rng = scanc.shared(np.random.default_rng(3))
    mean = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])  # a batch of two means
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    alphas = np.array([1.0, 2.0, 3.0])
    next_rng, x = pt.random.multivariate_normal(
        mean, cov, size=(20000, 2), rng=rng, return_next_rng=True
    )
    assert x.owner.outputs[0] is not None
    last_rng, d = pt.random.dirichlet(
        alphas, size=20000, rng=next_rng, return_next_rng=True
    )
    xs, ds = scanc.function([], [x, d], updates={rng: last_rng})()
    assert xs.shape == (20000, 2, 3) and ds.shape == (20000, 3)
    np.testing.assert_allclose(xs.mean(axis=0), mean, atol=0.05)
    for k in range(2):
        np.testing.assert_allclose(np.cov(xs[:, k].T), cov, atol=0.06)
    np.testing.assert_allclose(ds.sum(axis=1), 1.0)
    np.testing.assert_allclose(ds.mean(axis=0), alphas / alphas.sum(), atol=0.01)
    var = alphas * (alphas.sum() - alphas) / (alphas.sum() ** 2 * (alphas.sum() + 1))
    np.testing.assert_allclose(ds.var(axis=0), var, rtol=0.08)


@pytest.mark.parametrize("method", ["svd", "eigh"])
def test_multivariate_normal_by_svd_and_eigh(method):
    """NumPy's other factors of cov, which also take a singular (positive
    semi-definite) covariance: the draws have its moments and lie in its range."""
    rng = scanc.shared(np.random.default_rng(5))
    cov = np.array([[2.0, 1.0, 0.0], [1.0, 0.5, 0.0], [0.0, 0.0, 1.0]])  # rank 2
    x = pt.random.multivariate_normal(
        np.ones(3), cov, size=20000, method=method, rng=rng
    )
    xs = scanc.function([], x)()
    np.testing.assert_allclose(xs.mean(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(np.cov(xs.T), cov, atol=0.06)
    null = np.array([1.0, -2.0, 0.0])  # cov @ null = 0
    np.testing.assert_allclose((xs - 1.0) @ null, 0.0, atol=1e-9)


def test_multivariate_normal_refuses_a_covariance_that_is_not_positive_definite():
    cov = pt.matrix("cov")
    f = scanc.function(
        [cov],
        pt.random.multivariate_normal(
            np.zeros(2), cov, rng=pt.random.shared_rng(seed=0)
        ),
    )
    assert f(np.eye(2)).shape == (2,)
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        f(-np.eye(2))
