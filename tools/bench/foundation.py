"""Workloads W1-W3: A**k, the polynomial, the triangular numbers."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules, pytensor_mode

# -- W1: A**k, only result[-1] -----------------------------------------------------------


def w1_data(n: int, k: int, low: float, high: float, seed: int):
    return lambda: {"A": np.random.default_rng(seed).uniform(low, high, n), "k": k}


def w1_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    k, A = st.iscalar("k"), st.vector("A")
    result, updates = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    f = scanc.function([A, k], result[-1], updates=updates)
    return lambda: f(d["A"], d["k"])


def w1_numpy(d, peer):
    def run():
        r = np.ones_like(d["A"])
        for _ in range(d["k"]):
            r = r * d["A"]
        return r

    return run


def w1_numba(d, peer):
    import numba

    @numba.njit
    def power(A, k):
        r = np.ones_like(A)
        for _ in range(k):
            for i in range(A.shape[0]):
                r[i] *= A[i]
        return r

    return lambda: power(d["A"], d["k"])


def w1_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def power(A):
        final, _ = lax.scan(
            lambda p, _: (p * A, None), jnp.ones_like(A), None, length=d["k"]
        )
        return final

    A = jnp.asarray(d["A"])
    return lambda: power(A).block_until_ready()


def w1_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    k, A = pt.iscalar("k"), pt.vector("A")
    result, updates = pytensor.scan(
        lambda p, A: p * A, outputs_info=pt.ones_like(A), non_sequences=A, n_steps=k
    )
    f = pytensor.function([A, k], result[-1], updates=updates, mode=pytensor_mode(peer))
    return lambda: f(d["A"], d["k"])


W1 = {
    "scanc": w1_scanc,
    "numpy": w1_numpy,
    "numba": w1_numba,
    "jax": w1_jax,
    "pytensor": w1_pytensor,
    "pytensor-numba": w1_pytensor,
}


# -- W2: polynomial ----------------------------------------------------------------------


def w2_data():
    return {"c": np.random.default_rng(3).normal(size=100000), "x": 0.9999}


def w2_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    c, x = st.vector("c"), st.scalar("x")
    comp, _ = scanc.scan(
        lambda ci, p, x: ci * x**p,
        outputs_info=None,
        sequences=[c, st.arange(len(d["c"]))],
        non_sequences=x,
    )
    f = scanc.function([c, x], comp.sum())
    return lambda: f(d["c"], d["x"])


def w2_numpy(d, peer):
    def run():
        total = 0.0
        for i, ci in enumerate(d["c"]):
            total += ci * d["x"] ** i
        return total

    return run


def w2_numba(d, peer):
    import numba

    @numba.njit
    def poly(c, x):
        total = 0.0
        for i in range(c.shape[0]):
            total += c[i] * x**i
        return total

    return lambda: poly(d["c"], d["x"])


def w2_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def poly(c, x):
        _, comps = lax.scan(
            lambda _, ci_i: (None, ci_i[0] * x ** ci_i[1]),
            None,
            (c, jnp.arange(c.shape[0])),
        )
        return comps.sum()

    c = jnp.asarray(d["c"])
    return lambda: poly(c, d["x"]).block_until_ready()


def w2_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    c, x = pt.vector("c"), pt.scalar("x")
    comp, _ = pytensor.scan(
        lambda ci, p, x: ci * x**p,
        outputs_info=None,
        sequences=[c, pt.arange(len(d["c"]))],
        non_sequences=x,
    )
    f = pytensor.function([c, x], comp.sum(), mode=pytensor_mode(peer))
    return lambda: f(d["c"], d["x"])


W2 = {
    "scanc": w2_scanc,
    "numpy": w2_numpy,
    "numba": w2_numba,
    "jax": w2_jax,
    "pytensor": w2_pytensor,
    "pytensor-numba": w2_pytensor,
}


# -- W3: triangular numbers, int64, full sequence ----------------------------------------


def w3_data():
    return {"n": 1000000}


def w3_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    up_to = st.iscalar("up_to")
    seq = st.arange(up_to)
    res, _ = scanc.scan(
        lambda v, s: s + v,
        sequences=seq,
        outputs_info=st.as_tensor_variable(np.asarray(0, seq.dtype)),
    )
    f = scanc.function([up_to], res)
    return lambda: f(d["n"])


def w3_numpy(d, peer):
    def run():
        out = np.empty(d["n"], np.int64)
        total = 0
        for i in range(d["n"]):
            total += i
            out[i] = total
        return out

    return run


def w3_numba(d, peer):
    import numba

    @numba.njit
    def tri(n):
        out = np.empty(n, np.int64)
        total = 0
        for i in range(n):
            total += i
            out[i] = total
        return out

    return lambda: tri(d["n"])


def w3_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def tri():
        _, out = lax.scan(
            lambda s, v: (s + v, s + v),
            jnp.int64(0),
            jnp.arange(d["n"], dtype=jnp.int64),
        )
        return out

    return lambda: tri().block_until_ready()


def w3_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    up_to = pt.iscalar("up_to")
    seq = pt.arange(up_to)
    res, _ = pytensor.scan(
        lambda v, s: s + v,
        sequences=seq,
        outputs_info=pt.as_tensor_variable(np.asarray(0, seq.dtype)),
    )
    f = pytensor.function([up_to], res, mode=pytensor_mode(peer))
    return lambda: f(d["n"])


W3 = {
    "scanc": w3_scanc,
    "numpy": w3_numpy,
    "numba": w3_numba,
    "jax": w3_jax,
    "pytensor": w3_pytensor,
    "pytensor-numba": w3_pytensor,
}
