"""Tensor-library workloads: T1 a fused elementwise chain, T2 a 512x512 product."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules


def t1_data():
    rng = np.random.default_rng(13)
    return {"x": rng.normal(size=1_000_000), "a": 0.7, "b": -0.2}


def t1_reference(d):
    x = d["x"]
    return np.tanh(d["a"] * x + d["b"]) * (1 / (1 + np.exp(-x)))


def t1_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    x, a, b = st.vector("x"), st.scalar("a"), st.scalar("b")
    f = scanc.function([x, a, b], st.tanh(a * x + b) * st.sigmoid(x))
    return lambda: f(d["x"], d["a"], d["b"])


def t1_numpy(d, peer):
    return lambda: t1_reference(d)


def t1_numba(d, peer):
    import numba

    @numba.njit
    def chain(x, a, b):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = np.tanh(a * x[i] + b) * (1 / (1 + np.exp(-x[i])))
        return out

    return lambda: chain(d["x"], d["a"], d["b"])


def t1_jax(d, peer):
    jax, jnp, lax = jax_modules()
    chain = jax.jit(lambda x, a, b: jnp.tanh(a * x + b) * jax.nn.sigmoid(x))
    x = jnp.asarray(d["x"])
    return lambda: chain(x, d["a"], d["b"]).block_until_ready()


T1 = {"scanc": t1_scanc, "numpy": t1_numpy, "numba": t1_numba, "jax": t1_jax}


def t2_data():
    rng = np.random.default_rng(14)
    return {"a": rng.normal(size=(512, 512)), "b": rng.normal(size=(512, 512))}


def t2_reference(d):
    return d["a"] @ d["b"]


def t2_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    a, b = st.matrix("a"), st.matrix("b")
    f = scanc.function([a, b], st.dot(a, b))
    return lambda: f(d["a"], d["b"])


def t2_numpy(d, peer):
    return lambda: np.dot(d["a"], d["b"])


def t2_jax(d, peer):
    jax, jnp, lax = jax_modules()
    product = jax.jit(lambda a, b: a @ b)
    a, b = jnp.asarray(d["a"]), jnp.asarray(d["b"])
    return lambda: product(a, b).block_until_ready()


T2 = {"scanc": t2_scanc, "numpy": t2_numpy, "jax": t2_jax}
