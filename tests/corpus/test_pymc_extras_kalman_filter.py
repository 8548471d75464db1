"""The standard Kalman filter of pymc-extras (`pymc_extras/statespace/filters/
kalman_filter.py`, classes `BaseFilter` and `StandardFilter`, with
`stabilize` and `quad_form_sym` from `filters/utilities.py`). Kept: the
forward pass as one scan with seven outputs (`outputs_info=[None, a0, None,
None, P0, None, None]`), missing-value masking, the update by
`pt.linalg.solve(..., assume_a="pos")` and `det`, the post-processing with
`specify_shape`. Changed to make it a test: all matrices are static (so the
time-varying split and its `Assert` are left out), pymc's `constant_fold` of
`R.shape`/`Z.shape` reads the static shapes instead, and the filter is built
from a function instead of a PyMC model."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt
from scanc import get_mode

MVN_CONST = pt.log(2 * pt.constant(np.pi, dtype="float64"))
JITTER_DEFAULT = 1e-8
MISSING_FILL = -9999.0


def stabilize(cov, jitter=JITTER_DEFAULT):
    cov = cov + pt.identity_like(cov) * jitter

    return cov


def quad_form_sym(A, B):
    out = A @ B @ A.mT
    return 0.5 * (out + out.mT)


class StandardFilter:
    def __init__(self, mode=None):
        self.mode = mode
        self.n_states = None
        self.n_endog = None
        self.missing_fill_value = None
        self.cov_jitter = None

    def build_graph(
        self, data, a0, P0, c, d, T, Z, R, H, Q, mode=None, cov_jitter=None
    ):
        self.mode = mode
        self.missing_fill_value = MISSING_FILL
        self.cov_jitter = JITTER_DEFAULT if cov_jitter is None else cov_jitter
        self.n_states, self.n_shocks = R.type.shape[-2:]
        self.n_endog = Z.type.shape[-2]

        results, updates = pytensor.scan(
            self.kalman_step,
            sequences=[data],
            outputs_info=[None, a0, None, None, P0, None, None],
            non_sequences=[c, d, T, Z, R, H, Q],
            name="forward_kalman_pass",
            mode=get_mode(self.mode),
            strict=False,
        )
        return self._postprocess_scan_results(results, a0, P0, n=data.type.shape[0])

    def _postprocess_scan_results(self, results, a0, P0, n):
        (
            filtered_states,
            predicted_states,
            observed_states,
            filtered_covariances,
            predicted_covariances,
            observed_covariances,
            loglike_obs,
        ) = results

        predicted_states = pt.concatenate(
            [pt.expand_dims(a0, axis=(0,)), predicted_states[:-1]], axis=0
        )
        predicted_covariances = pt.concatenate(
            [pt.expand_dims(P0, axis=(0,)), predicted_covariances[:-1]], axis=0
        )

        filtered_states = pt.specify_shape(filtered_states, (n, self.n_states))
        filtered_states.name = "filtered_states"

        predicted_states = pt.specify_shape(predicted_states, (n, self.n_states))
        predicted_states.name = "predicted_states"

        observed_states = pt.specify_shape(observed_states, (n, self.n_endog))
        observed_states.name = "observed_states"

        filtered_covariances = pt.specify_shape(
            filtered_covariances, (n, self.n_states, self.n_states)
        )
        filtered_covariances.name = "filtered_covariances"

        predicted_covariances = pt.specify_shape(
            predicted_covariances, (n, self.n_states, self.n_states)
        )
        predicted_covariances.name = "predicted_covariances"

        observed_covariances = pt.specify_shape(
            observed_covariances, (n, self.n_endog, self.n_endog)
        )
        observed_covariances.name = "observed_covariances"

        loglike_obs = pt.specify_shape(loglike_obs.squeeze(), (n,))
        loglike_obs.name = "loglike_obs"

        return [
            filtered_states,
            predicted_states,
            observed_states,
            filtered_covariances,
            predicted_covariances,
            observed_covariances,
            loglike_obs,
        ]

    def handle_missing_values(self, y, Z, H):
        nan_mask = pt.or_(pt.isnan(y), pt.eq(y, self.missing_fill_value))
        all_nan_flag = pt.all(nan_mask).astype(pytensor.config.floatX)
        W = pt.diag(pt.bitwise_not(nan_mask).astype(pytensor.config.floatX))

        Z_masked = W.dot(Z)
        H_masked = W.dot(H)
        y_masked = pt.set_subtensor(y[nan_mask], 0.0)

        return y_masked, Z_masked, H_masked, all_nan_flag

    @staticmethod
    def predict(a, P, c, T, R, Q):
        a_hat = T.dot(a) + c
        P_hat = quad_form_sym(T, P) + quad_form_sym(R, Q)

        return a_hat, P_hat

    def update(self, a, P, y, d, Z, H, all_nan_flag):
        y_hat = d + Z.dot(a)
        v = y - y_hat

        PZT = P.dot(Z.T)
        F = Z.dot(PZT) + stabilize(H, self.cov_jitter)

        K = pt.linalg.solve(F.T, PZT.T, assume_a="pos", check_finite=False).T
        I_KZ = pt.eye(self.n_states) - K.dot(Z)

        a_filtered = a + K.dot(v)
        P_filtered = quad_form_sym(I_KZ, P) + quad_form_sym(K, H)

        F_inv_v = pt.linalg.solve(F, v, assume_a="pos", check_finite=False)
        inner_term = v.T @ F_inv_v

        F_logdet = pt.log(pt.linalg.det(F))

        ll = pt.switch(
            all_nan_flag,
            0.0,
            -0.5 * (MVN_CONST + F_logdet + inner_term).ravel()[0],
        )

        return a_filtered, P_filtered, y_hat, F, ll

    def kalman_step(self, y, a, P, c, d, T, Z, R, H, Q):
        y_masked, Z_masked, H_masked, all_nan_flag = self.handle_missing_values(y, Z, H)

        a_filtered, P_filtered, obs_mu, obs_cov, ll = self.update(
            y=y_masked, a=a, d=d, P=P, Z=Z_masked, H=H_masked, all_nan_flag=all_nan_flag
        )

        P_filtered = stabilize(P_filtered, self.cov_jitter)

        a_hat, P_hat = self.predict(a=a_filtered, P=P_filtered, c=c, T=T, R=R, Q=Q)
        return (a_filtered, a_hat, obs_mu, P_filtered, P_hat, obs_cov, ll)


# -- the test: a local-level-plus-trend model with two noisy observations ------------

N_STEPS, N_STATES, N_ENDOG = 12, 3, 2


def parameters(rng):
    T = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.8]])
    Z = np.array([[1.0, 0.0, 1.0], [0.5, 0.0, -1.0]])
    R = np.eye(N_STATES)
    Q = np.diag([0.3, 0.1, 0.2])
    H = np.diag([0.5, 0.4])
    c, d = np.array([0.0, 0.0, 0.1]), np.array([0.2, -0.1])
    a0, P0 = np.zeros(N_STATES), np.eye(N_STATES) * 2.0
    data = rng.normal(size=(N_STEPS, N_ENDOG)).cumsum(axis=0)
    return dict(data=data, a0=a0, P0=P0, c=c, d=d, T=T, Z=Z, R=R, H=H, Q=Q)


def symbols():
    def matrix(name, shape):
        return pt.tensor(name, dtype="float64", shape=shape)

    return dict(
        data=matrix("data", (N_STEPS, N_ENDOG)),
        a0=matrix("a0", (N_STATES,)),
        P0=matrix("P0", (N_STATES, N_STATES)),
        c=matrix("c", (N_STATES,)),
        d=matrix("d", (N_ENDOG,)),
        T=matrix("T", (N_STATES, N_STATES)),
        Z=matrix("Z", (N_ENDOG, N_STATES)),
        R=matrix("R", (N_STATES, N_STATES)),
        H=matrix("H", (N_ENDOG, N_ENDOG)),
        Q=matrix("Q", (N_STATES, N_STATES)),
    )


def reference(data, a0, P0, c, d, T, Z, R, H, Q, jitter=JITTER_DEFAULT):
    """The same filter in NumPy (missing values: rows of Z and H zeroed)."""

    def sym(A, B):
        out = A @ B @ A.T
        return 0.5 * (out + out.T)

    a, P, outputs = a0, P0, []
    for y in data:
        missing = np.isnan(y) | (y == MISSING_FILL)
        W = np.diag((~missing).astype(float))
        Zm, Hm, ym = W @ Z, W @ H, np.where(missing, 0.0, y)
        y_hat = d + Zm @ a
        v = ym - y_hat
        F = Zm @ P @ Zm.T + Hm + np.eye(N_ENDOG) * jitter
        K = np.linalg.solve(F.T, (P @ Zm.T).T).T
        a_f = a + K @ v
        P_f = sym(np.eye(N_STATES) - K @ Zm, P) + sym(K, Hm) + np.eye(N_STATES) * jitter
        ll = (
            0.0
            if missing.all()
            else -0.5
            * (np.log(2 * np.pi) + np.log(np.linalg.det(F)) + v @ np.linalg.solve(F, v))
        )
        a_hat, P_hat = T @ a_f + c, sym(T, P_f) + sym(R, Q)
        outputs.append((a_f, a_hat, y_hat, P_f, P_hat, F, ll))
        a, P = a_hat, P_hat
    filtered, predicted, observed, P_filt, P_pred, F_all, lls = map(
        np.array, zip(*outputs)
    )
    predicted = np.concatenate([a0[None], predicted[:-1]])
    P_pred = np.concatenate([P0[None], P_pred[:-1]])
    return [filtered, predicted, observed, P_filt, P_pred, F_all, lls]


def compiled(mode=None):
    x = symbols()
    outputs = StandardFilter().build_graph(**x, mode=mode)
    return list(x), pytensor.function(list(x.values()), outputs)


def test_filter_matches_numpy():
    names, f = compiled()
    values = parameters(np.random.default_rng(0))
    got = f(*[values[k] for k in names])
    for g, want in zip(got, reference(**values)):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12)


def test_missing_observations_are_skipped():
    names, f = compiled(mode="NUMBA")  # a PyTensor backend name; scanc compiles it
    values = parameters(np.random.default_rng(1))
    values["data"][3] = np.nan
    values["data"][7, 1] = MISSING_FILL
    got = f(*[values[k] for k in names])
    assert got[-1][3] == 0.0
    for g, want in zip(got, reference(**values)):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12)


def assert_gradients_match_finite_differences(x, cost, wrt_names, seed):
    """`grad(cost)` with respect to the inputs `wrt_names` of `x` (the
    symbols) against central differences at `parameters(seed)`."""
    wrt = [x[k] for k in wrt_names]
    grads = pytensor.function(list(x.values()), pytensor.grad(cost, wrt))
    total = pytensor.function(list(x.values()), cost)
    values = parameters(np.random.default_rng(seed))
    analytic = grads(*values.values())
    eps = 1e-6
    for key, g in zip(wrt_names, analytic):
        numeric = np.zeros_like(values[key])
        for index in np.ndindex(numeric.shape):
            up = {k: v.copy() for k, v in values.items()}
            down = {k: v.copy() for k, v in values.items()}
            up[key][index] += eps
            down[key][index] -= eps
            numeric[index] = (total(*up.values()) - total(*down.values())) / (2 * eps)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-6, err_msg=key)


def test_log_likelihood_gradients_against_finite_differences():
    x = symbols()
    loglike = StandardFilter().build_graph(**x)[-1].sum()
    assert_gradients_match_finite_differences(
        x, loglike, ["data", "a0", "T", "H", "Q"], seed=2
    )


def test_bad_input_is_refused():
    names, f = compiled()
    values = parameters(np.random.default_rng(3))
    values["T"] = np.eye(4)  # the model has 3 states
    with pytest.raises(TypeError, match="input 'T': expected size 3"):
        f(*[values[k] for k in names])
    values = parameters(np.random.default_rng(3))
    values["H"] = -np.eye(N_ENDOG) * 10  # an innovation covariance that is not positive
    got = f(*[values[k] for k in names])
    assert np.isnan(got[-1]).any()  # log of a negative determinant, as PyTensor gives
