"""A stochastic differential equation simulated and scored as PyMC's
`EulerMaruyama` does it (`pymc/distributions/timeseries.py`, PyMC 5:
`EulerMaruyamaRV.rv_op` and `eulermaruyama_logp`). Kept: the step function
that draws `Normal.dist(mu, sigma, rng=rng).owner.outputs` and returns
`{rng: next_rng}`, the scan over `n_steps=steps` with the shared generator as a
non-sequence, the concatenation of the initial value and the transposition to
time-last, and the vectorised log-density. Changed to make it a test: the
`SymbolicRandomVariable`/`OpFromGraph` wrapping is left out (the graph is
returned as it is), `Normal.dist(...)` is `pt.random.normal(...)`, its logp is
written out, and the initial value is given (not a distribution). The model is
an Ornstein-Uhlenbeck process, the usual first example."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt


def normal_logp(value, mu, sigma):
    return -0.5 * pt.log(2 * np.pi) - pt.log(sigma) - 0.5 * ((value - mu) / sigma) ** 2


def rv_op(init_dist, steps, sde_pars, dt, sde_fn, noise_rng):
    def step(*prev_args):
        prev_y, *prev_sde_pars, rng = prev_args
        f, g = sde_fn(prev_y, *prev_sde_pars)
        mu = prev_y + dt * f
        sigma = pt.sqrt(dt) * g
        next_rng, next_y = pt.random.normal(mu, sigma, rng=rng).owner.outputs
        return next_y, {rng: next_rng}

    y_t, innov_updates = pytensor.scan(
        fn=step,
        outputs_info=[init_dist],
        non_sequences=[*sde_pars, noise_rng],
        n_steps=steps,
        strict=True,
    )
    (noise_next_rng,) = tuple(innov_updates.values())

    sde_out = pt.concatenate([init_dist[None, ...], y_t], axis=0).dimshuffle(
        (*range(1, y_t.ndim), 0)
    )
    return noise_next_rng, sde_out


def eulermaruyama_logp(x, dt, sde_fn, sde_pars):
    sde_pars_broadcast = [x[..., None] for x in sde_pars]
    xtm1 = x[..., :-1]
    xt = x[..., 1:]
    f, g = sde_fn(xtm1, *sde_pars_broadcast)
    mu = xtm1 + dt * f
    sigma = pt.sqrt(dt) * g
    return pt.sum(normal_logp(xt, mu, sigma), axis=-1)


def ornstein_uhlenbeck(x, theta, sigma):
    return -theta * x, sigma


DT = 0.05


def simulator(seed):
    init = pt.vector("init")
    steps = pt.iscalar("steps")
    theta, sigma = pt.dscalars("theta", "sigma")
    noise_rng = pytensor.shared(np.random.default_rng(seed))
    next_rng, path = rv_op(
        init, steps, [theta, sigma], DT, ornstein_uhlenbeck, noise_rng
    )
    f = pytensor.function(
        [init, steps, theta, sigma], path, updates={noise_rng: next_rng}
    )
    return f, noise_rng


def test_paths_have_the_ornstein_uhlenbeck_statistics():
    f, _ = simulator(0)
    theta, sigma, steps = 1.5, 0.8, 400
    paths = f(np.full(2000, 3.0), steps, theta, sigma)
    assert paths.shape == (2000, steps + 1)
    assert np.all(paths[:, 0] == 3.0)
    # the Euler-Maruyama recursion's exact moments: mean 3 (1 - theta dt)^t,
    # stationary variance sigma^2 dt / (1 - (1 - theta dt)^2)
    decay = 1 - theta * DT
    np.testing.assert_allclose(paths[:, 10].mean(), 3.0 * decay**10, atol=0.03)
    stationary = sigma**2 * DT / (1 - decay**2)
    np.testing.assert_allclose(paths[:, -1].var(), stationary, rtol=0.1)
    increments = paths[:, 1:] - decay * paths[:, :-1]
    np.testing.assert_allclose(increments.std(), sigma * np.sqrt(DT), rtol=0.02)


def test_the_generator_advances_between_calls_and_seeds_repeat():
    f, rng = simulator(1)
    first, second = f(np.zeros(3), 5, 1.0, 1.0), f(np.zeros(3), 5, 1.0, 1.0)
    assert not np.allclose(first, second)
    again, _ = simulator(1)
    np.testing.assert_array_equal(again(np.zeros(3), 5, 1.0, 1.0), first)
    assert isinstance(rng.get_value(), np.random.Generator)


def test_logp_matches_numpy_and_its_gradients_finite_differences():
    x = pt.matrix("x")
    theta, sigma = pt.dscalars("theta", "sigma")
    logp = eulermaruyama_logp(x, DT, ornstein_uhlenbeck, [theta, sigma]).sum()
    f = pytensor.function(
        [x, theta, sigma], [logp, *pytensor.grad(logp, [x, theta, sigma])]
    )
    path = simulator(2)[0](np.ones(3), 30, 0.7, 0.5)

    def reference(path, theta, sigma):
        mu = path[:, :-1] - DT * theta * path[:, :-1]
        s = np.sqrt(DT) * sigma
        return np.sum(
            -0.5 * np.log(2 * np.pi) - np.log(s) - 0.5 * ((path[:, 1:] - mu) / s) ** 2
        )

    value, d_x, d_theta, d_sigma = f(path, 0.7, 0.5)
    np.testing.assert_allclose(value, reference(path, 0.7, 0.5), rtol=1e-12)
    eps = 1e-6
    for analytic, shift in [
        (d_theta, lambda e: (path, 0.7 + e, 0.5)),
        (d_sigma, lambda e: (path, 0.7, 0.5 + e)),
    ]:
        numeric = (reference(*shift(eps)) - reference(*shift(-eps))) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6)
    bump = np.zeros_like(path)
    bump[1, 4] = eps
    numeric = (reference(path + bump, 0.7, 0.5) - reference(path - bump, 0.7, 0.5)) / (
        2 * eps
    )
    np.testing.assert_allclose(d_x[1, 4], numeric, rtol=1e-6)


def test_bad_input_is_refused():
    f, rng = simulator(3)
    before = rng.get_value().random(4)
    with pytest.raises(ValueError, match="normal"):
        f(np.zeros(2), 4, 1.0, -1.0)  # a negative diffusion: a negative scale
    with pytest.raises(ValueError):
        f(np.zeros(2), -3, 1.0, 1.0)  # a negative number of steps
    np.testing.assert_array_equal(
        rng.get_value().random(4), before
    )  # failed calls leave it
