"""The Rauch-Tung-Striebel smoother of pymc-extras (`pymc_extras/statespace/
filters/kalman_smoother.py`, class `RTSSmoother`), run backwards over the
output of the standard filter (`test_pymc_extras_kalman_filter.py`). Kept:
the backward scan with `go_backwards=True` over the filtered moments, the
smoother gain through `pt.linalg.pinv(P_hat, hermitian=True)` (pymc-extras
uses the pseudo-inverse because `P_hat` is singular when data are missing),
`stabilize` and `quad_form_sym`, the final concatenation with the last
filtered moments. Changed to make it a test: all matrices are static (no
time-varying split), the `assume(..., symmetric=True)` annotation (a rewrite
hint) is left out, and the graph is built from a function instead of a model.
"""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt
from test_pymc_extras_kalman_filter import (
    JITTER_DEFAULT,
    N_STATES,
    StandardFilter,
    assert_gradients_match_finite_differences,
    parameters,
    quad_form_sym,
    reference,
    stabilize,
    symbols,
)


class RTSSmoother:
    def __init__(self, cov_jitter=None):
        self.cov_jitter = JITTER_DEFAULT if cov_jitter is None else cov_jitter

    def build_graph(self, filtered_states, filtered_covariances, c, T, R, Q):
        k = filtered_states.type.shape[1]

        a_last = pt.specify_shape(filtered_states[-1], (k,))
        P_last = pt.specify_shape(filtered_covariances[-1], (k, k))

        def step(a, P, a_smooth, P_smooth, c, T, R, Q):
            return self.smoother_step(a, P, a_smooth, P_smooth, c, T, R, Q)

        smoothed_states, smoothed_covariances = pytensor.scan(
            step,
            sequences=[filtered_states[:-1], filtered_covariances[:-1]],
            outputs_info=[a_last, P_last],
            non_sequences=[c, T, R, Q],
            go_backwards=True,
            name="kalman_smoother",
            return_updates=False,
        )

        smoothed_states = pt.concatenate(
            [smoothed_states[::-1], pt.expand_dims(a_last, axis=(0,))], axis=0
        )
        smoothed_covariances = pt.concatenate(
            [smoothed_covariances[::-1], pt.expand_dims(P_last, axis=(0,))], axis=0
        )
        smoothed_states.name = "smoothed_states"
        smoothed_covariances.name = "smoothed_covariances"
        return smoothed_states, smoothed_covariances

    def smoother_step(self, a, P, a_smooth, P_smooth, c, T, R, Q):
        a_hat, P_hat = self.predict(a, P, c, T, R, Q)

        # Use pinv, otherwise P_hat is singular when there is missing data
        smoother_gain = (pt.linalg.pinv(P_hat, hermitian=True) @ T @ P).mT
        a_smooth_next = a + smoother_gain @ (a_smooth - a_hat)

        P_smooth_next = P + quad_form_sym(smoother_gain, P_smooth - P_hat)
        P_smooth_next = stabilize(P_smooth_next, self.cov_jitter)
        P_smooth_next = pt.specify_shape(P_smooth_next, P_smooth.type.shape)

        return a_smooth_next, P_smooth_next

    def predict(self, a, P, c, T, R, Q):
        a_hat = c + T.dot(a)
        P_hat = quad_form_sym(T, P) + quad_form_sym(R, Q)
        P_hat = stabilize(P_hat, self.cov_jitter)

        return a_hat, P_hat


def smoothed(x):
    filtered = StandardFilter().build_graph(**x)
    return RTSSmoother().build_graph(
        filtered[0], filtered[3], x["c"], x["T"], x["R"], x["Q"]
    )


def smoother_reference(values, jitter=JITTER_DEFAULT):
    """The same backward pass in NumPy over the reference filter."""
    filtered, _, _, P_filt, *_ = reference(**values)
    T, R, Q, c = values["T"], values["R"], values["Q"], values["c"]

    def sym(A, B):
        out = A @ B @ A.T
        return 0.5 * (out + out.T)

    a_s, P_s = [filtered[-1]], [P_filt[-1]]
    for a, P in zip(filtered[-2::-1], P_filt[-2::-1]):
        a_hat = c + T @ a
        P_hat = sym(T, P) + sym(R, Q) + np.eye(N_STATES) * jitter
        gain = (np.linalg.pinv(P_hat, hermitian=True) @ T @ P).T
        a_s.append(a + gain @ (a_s[-1] - a_hat))
        P_s.append(P + sym(gain, P_s[-1] - P_hat) + np.eye(N_STATES) * jitter)
    return np.array(a_s[::-1]), np.array(P_s[::-1])


def test_smoother_matches_numpy():
    x = symbols()
    f = pytensor.function(list(x.values()), smoothed(x))
    values = parameters(np.random.default_rng(4))
    got_states, got_covariances = f(*values.values())
    want_states, want_covariances = smoother_reference(values)
    np.testing.assert_allclose(got_states, want_states, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(got_covariances, want_covariances, rtol=1e-9, atol=1e-11)


def test_smoother_with_a_singular_prediction_covariance():
    """No process noise on a state and a zero initial variance: P_hat is
    singular in that state, which is what the pseudo-inverse is there for."""
    x = symbols()
    f = pytensor.function(list(x.values()), smoothed(x))
    values = parameters(np.random.default_rng(5))
    values["Q"] = np.diag([0.3, 0.0, 0.2])
    values["P0"] = np.diag([2.0, 0.0, 2.0])
    values["T"] = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.8]])
    got_states, got_covariances = f(*values.values())
    want_states, want_covariances = smoother_reference(values, jitter=0.0)
    assert np.all(np.isfinite(got_states))
    np.testing.assert_allclose(got_states, want_states, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_covariances, want_covariances, rtol=1e-6, atol=1e-6)


def test_smoothed_state_gradients_against_finite_differences():
    x = symbols()
    states, covariances = smoothed(x)
    cost = (states**2).sum() + covariances.sum()
    assert_gradients_match_finite_differences(x, cost, ["data", "T", "Q"], seed=6)


def test_bad_input_is_refused():
    x = symbols()
    f = pytensor.function(list(x.values()), smoothed(x))
    values = parameters(np.random.default_rng(7))
    values["Q"] = np.full((N_STATES, N_STATES), np.nan)
    with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        f(*values.values())
