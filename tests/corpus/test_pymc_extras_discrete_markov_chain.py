"""A discrete Markov chain of order `n_lags` sampled as pymc-extras'
`DiscreteMarkovChain` does it (`pymc_extras/distributions/timeseries.py`,
`DiscreteMarkovChainRV.rv_op` and `discrete_mc_logp`): a scan whose step draws
the next state from `Categorical.dist(p=P[states], rng=old_rng).owner.outputs`,
reads the last `n_lags` states through taps `range(-n_lags, 0)`, threads the
shared generator through `{old_rng: next_rng}` updates, and the vectorised
log-probability of a path. Changed to make it a test: the `SymbolicRandomVariable`
wrapping and `change_dist_size` are left out (the initial states are given,
with their batch size), `Categorical.dist` is `pt.random.categorical`, and
`check_parameters` is left out of the logp (the logp of the initial states is
zero here: they are given)."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt


def rv_op(P, steps, init_dist, n_lags, state_rng):
    def transition(*args):
        *states, transition_probs, old_rng = args
        p = transition_probs[tuple(states)]
        next_rng, next_state = pt.random.categorical(p=p, rng=old_rng).owner.outputs
        return next_state, {old_rng: next_rng}

    markov_chain, state_updates = pytensor.scan(
        transition,
        non_sequences=[P, state_rng],
        outputs_info=[{"initial": init_dist, "taps": list(range(-n_lags, 0))}],
        n_steps=steps,
        strict=True,
    )

    (state_next_rng,) = tuple(state_updates.values())

    discrete_mc_ = pt.moveaxis(pt.concatenate([init_dist, markov_chain], axis=0), 0, -1)
    return state_next_rng, discrete_mc_


def discrete_mc_logp(value, P, n_lags):
    indexes = [
        value[..., i : -(n_lags - i) if n_lags != i else None]
        for i in range(n_lags + 1)
    ]
    return pt.log(P[tuple(indexes)]).sum(axis=-1)


def second_order_chain():
    """P[a, b] is the distribution of the next state after a, then b."""
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=(3, 3))
    P[0, 0] = [0.0, 0.0, 1.0]  # after 0, 0 always 2: a rule the samples must obey
    return P


def sampler(seed, n_lags=2):
    P = pt.tensor3("P")
    steps = pt.iscalar("steps")
    init = pt.lmatrix("init")  # (n_lags, batch)
    state_rng = pytensor.shared(np.random.default_rng(seed))
    next_rng, chain = rv_op(P, steps, init, n_lags, state_rng)
    return pytensor.function([P, steps, init], chain, updates={state_rng: next_rng})


def test_samples_follow_the_transition_probabilities():
    P = second_order_chain()
    draw = sampler(1)
    init = np.zeros((2, 4000), dtype="int64")
    chains = draw(P, 30, init)
    assert chains.shape == (4000, 32) and chains.dtype == np.int64
    np.testing.assert_array_equal(chains[:, :2], 0)
    assert np.all(chains[:, 2] == 2)  # the rule after (0, 0)
    previous, last, following = chains[:, 10], chains[:, 11], chains[:, 12]
    for a in range(3):
        for b in range(3):
            picked = (previous == a) & (last == b)
            if picked.sum() > 400:
                frequencies = np.bincount(following[picked], minlength=3) / picked.sum()
                np.testing.assert_allclose(frequencies, P[a, b], atol=0.07)


def test_the_generator_advances_and_seeds_repeat():
    P, init = second_order_chain(), np.ones((2, 5), dtype="int64")
    draw = sampler(7)
    first, second = draw(P, 20, init), draw(P, 20, init)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(sampler(7)(P, 20, init), first)


def test_logp_matches_numpy_and_its_gradient():
    P, value = pt.tensor3("P"), pt.lmatrix("value")
    logp = discrete_mc_logp(value, P, 2).sum()
    f = pytensor.function([P, value], [logp, pytensor.grad(logp, P)])
    Pv = second_order_chain()
    path = sampler(3)(Pv, 15, np.array([[1, 2], [0, 1]]))
    got, d_P = f(Pv, path)
    want = sum(np.log(Pv[p[:-2], p[1:-1], p[2:]]).sum() for p in path)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    counts = np.zeros_like(Pv)  # d/dP of sum log P[a, b, c]: count / P
    for p in path:
        np.add.at(counts, (p[:-2], p[1:-1], p[2:]), 1.0)
    np.testing.assert_allclose(
        d_P, np.divide(counts, Pv, out=np.zeros_like(Pv), where=counts > 0)
    )


def test_bad_input_is_refused():
    P = second_order_chain()
    draw = sampler(4)
    with pytest.raises(IndexError):
        draw(P, 5, np.full((2, 3), 7, dtype="int64"))  # a state beyond the chain's
    with pytest.raises(ValueError):
        draw(P, -1, np.zeros((2, 3), dtype="int64"))  # a negative number of steps
