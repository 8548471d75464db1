"""K1: the log-likelihood of a Kalman filter with 4 states and 2 observations
over T=200 steps (a small solve, a determinant and matrix products per step),
the inner loop of a state-space model's sampler."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules

N_STATES, N_OBS, STEPS = 4, 2, 200


def k1_data():
    rng = np.random.default_rng(21)
    T = np.eye(N_STATES) * 0.9 + 0.05 * rng.normal(size=(N_STATES, N_STATES))
    Z = rng.normal(size=(N_OBS, N_STATES))
    Q = np.eye(N_STATES) * 0.1
    H = np.eye(N_OBS) * 0.5
    return {
        "y": rng.normal(size=(STEPS, N_OBS)).cumsum(axis=0),
        "a0": np.zeros(N_STATES),
        "P0": np.eye(N_STATES),
        "T": T,
        "Z": Z,
        "Q": Q,
        "H": H,
    }


def _step_numpy(y, a, P, T, Z, Q, H):
    v = y - Z @ a
    F = Z @ P @ Z.T + H
    PZT = P @ Z.T
    K = np.linalg.solve(F, PZT.T).T
    ll = -0.5 * (
        np.log(2 * np.pi) * N_OBS + np.log(np.linalg.det(F)) + v @ np.linalg.solve(F, v)
    )
    a_f = a + K @ v
    P_f = P - K @ Z @ P
    return T @ a_f, T @ P_f @ T.T + Q, ll


def k1_reference(d):
    a, P, total = d["a0"], d["P0"], 0.0
    for y in d["y"]:
        a, P, ll = _step_numpy(y, a, P, d["T"], d["Z"], d["Q"], d["H"])
        total += ll
    return np.array(total)


def k1_scanc(d, peer):
    import scanc
    import scanc.tensor as pt

    y, a0, P0 = pt.matrix("y"), pt.vector("a0"), pt.matrix("P0")
    T, Z, Q, H = (pt.matrix(n) for n in "TZQH")

    def step(y_t, a, P, T, Z, Q, H):
        v = y_t - Z.dot(a)
        F = Z.dot(P).dot(Z.T) + H
        PZT = P.dot(Z.T)
        K = pt.linalg.solve(F, PZT.T).T
        ll = -0.5 * (
            np.log(2 * np.pi) * N_OBS
            + pt.log(pt.linalg.det(F))
            + v.dot(pt.linalg.solve(F, v))
        )
        a_f = a + K.dot(v)
        P_f = P - K.dot(Z).dot(P)
        return T.dot(a_f), T.dot(P_f).dot(T.T) + Q, ll

    (_, _, lls), _ = scanc.scan(
        step, sequences=y, outputs_info=[a0, P0, None], non_sequences=[T, Z, Q, H]
    )
    f = scanc.function([y, a0, P0, T, Z, Q, H], lls.sum())
    args = [d[k] for k in ("y", "a0", "P0", "T", "Z", "Q", "H")]
    return lambda: f(*args)


def k1_numpy(d, peer):
    return lambda: k1_reference(d)


def k1_numba(d, peer):
    import numba

    @numba.njit
    def loglike(ys, a, P, T, Z, Q, H):
        total = 0.0
        for t in range(ys.shape[0]):
            v = ys[t] - Z @ a
            F = Z @ P @ Z.T + H
            PZT = P @ Z.T
            K = np.linalg.solve(F, PZT.T).T
            total += -0.5 * (
                np.log(2 * np.pi) * ys.shape[1]
                + np.log(np.linalg.det(F))
                + v @ np.linalg.solve(F, v)
            )
            a_f = a + K @ v
            P_f = P - K @ Z @ P
            a = T @ a_f
            P = T @ P_f @ T.T + Q
        return total

    args = [d[k] for k in ("y", "a0", "P0", "T", "Z", "Q", "H")]
    return lambda: loglike(*args)


def k1_jax(d, peer):
    jax, jnp, lax = jax_modules()

    def step(carry, y_t, T, Z, Q, H):
        a, P = carry
        v = y_t - Z @ a
        F = Z @ P @ Z.T + H
        PZT = P @ Z.T
        K = jnp.linalg.solve(F, PZT.T).T
        ll = -0.5 * (
            jnp.log(2 * jnp.pi) * N_OBS
            + jnp.log(jnp.linalg.det(F))
            + v @ jnp.linalg.solve(F, v)
        )
        a_f = a + K @ v
        P_f = P - K @ Z @ P
        return (T @ a_f, T @ P_f @ T.T + Q), ll

    @jax.jit
    def loglike(ys, a0, P0, T, Z, Q, H):
        _, lls = lax.scan(lambda c, y_t: step(c, y_t, T, Z, Q, H), (a0, P0), ys)
        return lls.sum()

    args = [jnp.asarray(d[k]) for k in ("y", "a0", "P0", "T", "Z", "Q", "H")]
    return lambda: loglike(*args).block_until_ready()


K1 = {"scanc": k1_scanc, "numpy": k1_numpy, "numba": k1_numba, "jax": k1_jax}
