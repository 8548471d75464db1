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


def t3_data():
    return {"x": np.random.default_rng(15).normal(size=1_000_000) * 30}


def t3_reference(d):
    x = d["x"]
    top = x.max()
    return np.asarray(top + np.log(np.exp(x - top).sum()))


def t3_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    x = st.vector("x")
    f = scanc.function([x], st.logsumexp(x))
    return lambda: f(d["x"])


def t3_numpy(d, peer):
    return lambda: t3_reference(d)


def t3_jax(d, peer):
    jax, jnp, lax = jax_modules()
    lse = jax.jit(jax.scipy.special.logsumexp)
    x = jnp.asarray(d["x"])
    return lambda: lse(x).block_until_ready()


T3 = {"scanc": t3_scanc, "numpy": t3_numpy, "jax": t3_jax}


def t4_data():
    rng = np.random.default_rng(16)
    return {"x": rng.normal(size=(200, 64, 128)), "w": rng.normal(size=(128, 256))}


def t4_reference(d):
    return np.dot(d["x"], d["w"])


def t4_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    x, w = st.tensor3("x"), st.matrix("w")
    f = scanc.function([x, w], st.dot(x, w))
    return lambda: f(d["x"], d["w"])


def t4_numpy(d, peer):
    return lambda: t4_reference(d)


def t4_jax(d, peer):
    jax, jnp, lax = jax_modules()
    product = jax.jit(jnp.dot)
    x, w = jnp.asarray(d["x"]), jnp.asarray(d["w"])
    return lambda: product(x, w).block_until_ready()


T4 = {"scanc": t4_scanc, "numpy": t4_numpy, "jax": t4_jax}
