"""Autoregressive draws, from PyMC 5's `pymc/distributions/timeseries.py`
(`AR.rv_op`): the scan that simulates an AR(p) process, its step drawing the
innovation with `Normal.dist(mu=mu, sigma=sigma, rng=rng).owner.outputs` and
updating the shared generator it receives as a non-sequence. Unwrapped from
the `OpFromGraph` it builds (batch dimensions dropped); `Normal.dist` is
`pt.random.normal`. Draws have no gradient (as in PyTensor), so the check is
that each step is exactly `mu_t + sigma z_t` for the generator's normals."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt


def ar_draws(rhos, sigma, init_dist, steps, noise_rng, ar_order, constant_term):
    rhos_bcast_shape = init_dist.shape
    if constant_term:
        # In this case init shape is one unit smaller than rhos in the last dimension
        rhos_bcast_shape = (*rhos_bcast_shape[:-1], rhos_bcast_shape[-1] + 1)
    rhos_bcast = pt.broadcast_to(rhos, rhos_bcast_shape)

    def step(*args):
        *prev_xs, reversed_rhos, sigma, rng = args
        if constant_term:
            mu = reversed_rhos[-1] + pt.sum(prev_xs * reversed_rhos[:-1], axis=0)
        else:
            mu = pt.sum(prev_xs * reversed_rhos, axis=0)
        next_rng, new_x = pt.random.normal(mu, sigma, rng=rng).owner.outputs
        return new_x, {rng: next_rng}

    # We transpose inputs as scan iterates over first dimension
    innov, innov_updates = pytensor.scan(
        fn=step,
        outputs_info=[{"initial": init_dist.T, "taps": range(-ar_order, 0)}],
        non_sequences=[rhos_bcast.T[::-1], sigma.T, noise_rng],
        n_steps=steps,
        strict=True,
    )
    (noise_next_rng,) = tuple(innov_updates.values())
    ar = pt.concatenate([init_dist, innov.T], axis=-1)
    return noise_next_rng, ar


def _compiled(constant_term, seed=7):
    rhos, init = pt.vector("rhos"), pt.vector("init")
    sigma, steps = pt.dscalar("sigma"), pt.iscalar("steps")
    noise_rng = pytensor.shared(np.random.default_rng(seed))
    next_rng, ar = ar_draws(rhos, sigma, init, steps, noise_rng, 2, constant_term)
    f = pytensor.function([rhos, sigma, init, steps], ar, updates={noise_rng: next_rng})
    return f, noise_rng


def _standard_normals(seed, n):
    """The normals the step draws: the same generator, threaded the same way."""
    rng = pt.random.shared_rng(np.random.default_rng(seed))

    def step(rng):
        next_rng, z = rng.normal()
        return z, next_rng

    zs, _ = pytensor.scan(
        step, outputs_info=[None, rng], n_steps=n, return_updates=False
    )
    return pytensor.function([], zs)()


@pytest.mark.parametrize("constant_term", [False, True])
def test_each_step_is_the_ar_mean_plus_an_innovation(constant_term):
    f, _ = _compiled(constant_term)
    rhos = np.array([0.3, 0.5, -0.2]) if constant_term else np.array([0.5, -0.2])
    init = np.array([1.0, -1.0])
    ar = f(rhos, 0.1, init, 30)
    z = _standard_normals(7, 30)
    x = list(init)
    for t in range(30):
        # rho[0] weighs the latest value; with a constant term, it is rho[0]
        lags = rhos[1:] if constant_term else rhos
        mu = lags[0] * x[-1] + lags[1] * x[-2] + (rhos[0] if constant_term else 0.0)
        x.append(mu + 0.1 * z[t])
    np.testing.assert_allclose(ar, x, rtol=1e-12, atol=1e-14)


def test_the_generator_advances_between_calls():
    f, rng = _compiled(False)
    first = f(np.array([0.5, -0.2]), 0.1, np.zeros(2), 10)
    second = f(np.array([0.5, -0.2]), 0.1, np.zeros(2), 10)
    assert not np.array_equal(first[2:], second[2:])
    rng.set_value(np.random.default_rng(7))
    np.testing.assert_array_equal(f(np.array([0.5, -0.2]), 0.1, np.zeros(2), 10), first)


def test_bad_input_is_refused():
    f, _ = _compiled(False)
    with pytest.raises(ValueError, match="n_steps"):
        f(np.array([0.5, -0.2]), 0.1, np.zeros(2), -1)
