"""Collapsed HMM log-likelihood (the forward algorithm in log space), from the
`hmm_pytensor.py` module of GIMBAL's PyTensor/PyMC port: a scan over the
emission log-probabilities with `pt.logsumexp` in the step, the transition
matrix passed flattened and reshaped inside the step, and `pt.switch` for the
one-step case. Docstrings shortened; code as written."""

import numpy as np
import pytest

import scanc.tensor as pt
from scanc import function, scan, verify_grad


def forward_log_prob_single(logp_emit, logp_init, logp_trans):
    # Step 1 - Initialization
    alpha_prev = logp_init + logp_emit[0]  # shape (S,)

    # Step 2 - Define one forward step
    def step(logp_emit_t, alpha_prev, logp_trans_flat):
        # alpha_prev: (S,)
        # Reshape flattened transition matrix
        S = alpha_prev.shape[0]
        logp_trans_local = logp_trans_flat.reshape((S, S))

        # Broadcast alpha_prev[i] + log A[i,j] and sum over previous states
        alpha_pred = pt.logsumexp(
            alpha_prev.dimshuffle(0, "x") + logp_trans_local,
            axis=0,
        )  # shape (S,)

        alpha_t = logp_emit_t + alpha_pred
        return alpha_t

    # Step 3 - Run recursion with scan
    # Flatten logp_trans to avoid shape issues in scan's L_op
    logp_trans_flat = logp_trans.flatten()
    alpha_all, _ = scan(
        fn=step,
        sequences=[logp_emit[1:]],
        outputs_info=[alpha_prev],
        non_sequences=[logp_trans_flat],
    )  # Step 4 - Final state (T=1 handled automatically)
    alpha_last = pt.switch(
        pt.eq(logp_emit.shape[0], 1),
        alpha_prev,
        alpha_all[-1],
    )

    # Step 5 - Collapse over final states
    logp = pt.logsumexp(alpha_last)
    return logp


def collapsed_hmm_loglik(logp_emit, logp_init, logp_trans):
    return forward_log_prob_single(logp_emit, logp_init, logp_trans)


def logsumexp(a, axis=None):
    top = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.exp(a - top).sum(axis=axis))


def reference(logp_emit, logp_init, logp_trans):
    alpha = logp_init + logp_emit[0]
    for e in logp_emit[1:]:
        alpha = e + logsumexp(alpha[:, None] + logp_trans, axis=0)
    return logsumexp(alpha)


def _data(T=12, S=3, seed=0):
    rng = np.random.default_rng(seed)
    trans = rng.dirichlet(np.ones(S), S)
    return np.log(rng.uniform(0.05, 1, (T, S))), np.log(np.ones(S) / S), np.log(trans)


def _compiled():
    emit, init, trans = pt.matrix("emit"), pt.vector("init"), pt.matrix("trans")
    return function([emit, init, trans], collapsed_hmm_loglik(emit, init, trans))


def test_log_likelihood_matches_numpy():
    f = _compiled()
    emit, init, trans = _data()
    np.testing.assert_allclose(f(emit, init, trans), reference(emit, init, trans))


def test_brute_force_over_all_paths():
    f = _compiled()
    emit, init, trans = _data(T=4, S=2, seed=3)
    paths = np.array(np.meshgrid(*[[0, 1]] * 4)).T.reshape(-1, 4)
    total = [
        init[z[0]] + emit[np.arange(4), z].sum() + trans[z[:-1], z[1:]].sum()
        for z in paths
    ]
    np.testing.assert_allclose(f(emit, init, trans), logsumexp(total))


def test_gradients_by_finite_differences():
    emit, init, trans = _data(T=6, S=3, seed=1)
    verify_grad(
        lambda e, i, t: collapsed_hmm_loglik(e, i, t),
        [emit, init, trans],
        rng=np.random.default_rng(2),
    )


def test_bad_input_is_refused():
    f = _compiled()
    emit, init, trans = _data()
    with pytest.raises(ValueError):
        f(emit, init, trans[:2])  # 3 states, a 2 x 3 transition matrix
