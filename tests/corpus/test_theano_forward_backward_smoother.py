"""HMM smoothing by the forward-backward algorithm, a public Theano program
("Forward-backward algorithm implementation in Theano, with example taken from
Wikipedia"): a forward scan of normalised filtering probabilities, a backward
scan (`go_backwards=True`), a third scan pairing each forward row with the
matching backward row by index (its second sequence is `T.arange(10000)`, cut
to the first one's length as scan does), and `theano.map` of the whole
smoother over the rows of an observation matrix (scans inside a map). Kept as
written (tabs become spaces); run on the source's umbrella example and on
random models, against the exact posterior marginals by enumeration."""

import itertools

import numpy as np
import pytest

import scanc as theano
import scanc.tensor as T


# Set up to do the entire forward sweep
def forwardIteration(st, ip, tmat, em):
    e_e = em[st] * T.eye(T.shape(em)[1], m=T.shape(em)[1])
    z = (T.dot(T.dot(ip, tmat), e_e)).T
    return z / T.sum(z)


# Entire backward sweep
def backwardIteration(st, lp, tmat, em):
    e_e = em[st] * T.eye(T.shape(em)[1], m=T.shape(em)[1])
    z = T.dot(tmat, T.dot(lp, e_e))
    return z / T.sum(z)


def smoothingIteration(f_val, f_index, b_vals, max_index):
    x = b_vals[max_index - f_index - 1]
    s = f_val * x
    return s / T.sum(s)


def smoothedSeries(obs_series, init_probs, final_probs, tmat, emission):
    f_result, updates = theano.scan(
        fn=forwardIteration,
        outputs_info=init_probs,
        non_sequences=[tmat, emission],
        sequences=obs_series,
        n_steps=obs_series.shape[0],
    )

    f_r = T.concatenate((init_probs.dimshuffle("x", 0), f_result))

    b_result, b_updates = theano.scan(
        fn=backwardIteration,
        outputs_info=final_probs,
        non_sequences=[tmat, emission],
        sequences=obs_series,
        n_steps=obs_series.shape[0],
        go_backwards=True,
    )

    b_r = T.concatenate((final_probs.dimshuffle("x", 0), b_result))

    s_result, s_updates = theano.scan(
        fn=smoothingIteration,
        outputs_info=None,
        non_sequences=[b_r, b_r.shape[0]],
        sequences=[f_r, T.arange(10000)],
    )

    return s_result


obs_vec = T.ivector("obs_vec")
init_probs_tensor = T.dvector("init_probs")
final_probs_tensor = T.dvector("final_probs")
tmat_tensor = T.dmatrix("tmat")
emission_tensor = T.dmatrix("emission")
obs_mat = T.imatrix("obs_matrix")

SMOOTHED = smoothedSeries(
    obs_vec, init_probs_tensor, final_probs_tensor, tmat_tensor, emission_tensor
)


def posterior_marginals(obs, init, tmat, emission):
    """P(state_t | all observations) for t = 0..len(obs), by enumeration
    (state 0 is the prior's; observation t is emitted by state t + 1)."""
    n = len(init)
    marginals = np.zeros((len(obs) + 1, n))
    for path in itertools.product(range(n), repeat=len(obs) + 1):
        p = init[path[0]]
        for t, o in enumerate(obs):
            p *= tmat[path[t], path[t + 1]] * emission[o, path[t + 1]]
        marginals[np.arange(len(obs) + 1), path] += p
    return marginals / marginals.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def smoother():
    s_fn = theano.function(
        inputs=[
            init_probs_tensor,
            final_probs_tensor,
            tmat_tensor,
            emission_tensor,
            obs_vec,
        ],
        outputs=SMOOTHED,
    )
    all_result, all_updates = theano.map(
        fn=smoothedSeries,
        non_sequences=[
            init_probs_tensor,
            final_probs_tensor,
            tmat_tensor,
            emission_tensor,
        ],
        sequences=obs_mat,
    )
    all_fn = theano.function(
        inputs=[
            obs_mat,
            init_probs_tensor,
            final_probs_tensor,
            tmat_tensor,
            emission_tensor,
        ],
        outputs=all_result,
    )
    return s_fn, all_fn


def umbrella():
    # the source's example: flat prior, sticky weather, a noisy umbrella
    emission = np.array([[0.9, 0.1], [0.2, 0.8]]).T
    return (
        np.array([0.5, 0.5]),
        np.array([1.0, 1.0]),
        np.array([[0.7, 0.3], [0.3, 0.7]]),
        emission,
    )


def test_umbrella_example_matches_the_exact_posterior(smoother):
    s_fn, all_fn = smoother
    init, last, tmat, emission = umbrella()
    obs = np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype=np.int32)
    smoothed = s_fn(init, last, tmat, emission, obs)
    np.testing.assert_allclose(
        smoothed, posterior_marginals(obs, init, tmat, emission), rtol=1e-12
    )
    bulk = all_fn(np.array([obs, obs[::-1]]), init, last, tmat, emission)
    np.testing.assert_allclose(bulk[0], smoothed, rtol=1e-12)
    np.testing.assert_allclose(
        bulk[1], posterior_marginals(obs[::-1], init, tmat, emission), rtol=1e-12
    )


def test_random_models_match_the_exact_posterior(smoother):
    s_fn, _ = smoother
    rng = np.random.default_rng(0)
    for _ in range(3):
        init = rng.dirichlet(np.ones(3))
        tmat = rng.dirichlet(np.ones(3), size=3)
        emission = rng.dirichlet(np.ones(4), size=3).T  # (observations, states)
        obs = rng.integers(0, 4, size=6).astype(np.int32)
        np.testing.assert_allclose(
            s_fn(init, np.ones(3), tmat, emission, obs),
            posterior_marginals(obs, init, tmat, emission),
            rtol=1e-10,
        )


def test_gradient_against_finite_differences():
    init, last, tmat, emission = umbrella()
    obs = np.array([0, 1, 1, 0], dtype=np.int32)
    weights = np.random.default_rng(1).normal(size=(5, 2))
    cost = (SMOOTHED * T.constant(weights)).sum()
    grad = theano.function(
        [init_probs_tensor, final_probs_tensor, tmat_tensor, emission_tensor, obs_vec],
        theano.grad(cost, tmat_tensor),
    )(init, last, tmat, emission, obs)

    def reference(tmat):
        return (posterior_marginals(obs, init, tmat, emission) * weights).sum()

    eps = 1e-6
    for index in np.ndindex(tmat.shape):
        bump = np.zeros_like(tmat)
        bump[index] = eps
        numeric = (reference(tmat + bump) - reference(tmat - bump)) / (2 * eps)
        np.testing.assert_allclose(grad[index], numeric, rtol=1e-6, atol=1e-9)


def test_bad_input_is_refused(smoother):
    s_fn, _ = smoother
    init, last, tmat, emission = umbrella()
    with pytest.raises(IndexError):
        s_fn(
            init, last, tmat, emission, np.array([0, 2], dtype=np.int32)
        )  # no observation 2
    with pytest.raises(ValueError):
        s_fn(init, last, tmat[:1], emission, np.array([0, 1], dtype=np.int32))
