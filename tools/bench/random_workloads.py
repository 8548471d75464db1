"""Random-stream workloads: R1 uniform draws, R2 a Gibbs chain."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules

# -- random streams ----------------------------------------------------------------------


def r1_data():
    return {"n": 10_000_000}


def r1_scanc(d, peer):
    import scanc
    from scanc.tensor.random import RandomStream

    f = scanc.function([], RandomStream(1).uniform(size=(d["n"],)))
    return f


def r1_numpy(d, peer):
    generator = np.random.default_rng(1)
    return lambda: generator.random(d["n"])


def r1_jax(d, peer):
    jax, jnp, lax = jax_modules()
    keys = iter(jax.random.split(jax.random.PRNGKey(1), 100000))
    draw = jax.jit(lambda key: jax.random.uniform(key, (d["n"],), dtype=jnp.float64))
    return lambda: draw(next(keys)).block_until_ready()


R1 = {"scanc": r1_scanc, "numpy": r1_numpy, "jax": r1_jax}


def r2_data():
    rng = np.random.default_rng(12)
    return {
        "W": rng.normal(size=(500, 500)) / 25,
        "bv": rng.normal(size=500) * 0.1,
        "bh": rng.normal(size=500) * 0.1,
        "v0": (rng.random(500) < 0.5) * 1.0,
        "steps": 1000,
    }


def r2_scanc(d, peer):
    import scanc
    import scanc.tensor as st
    from scanc.tensor.random import RandomStream

    srng = RandomStream(1234)
    W, bv, bh, v0 = st.matrix("W"), st.vector("bv"), st.vector("bh"), st.vector("v0")

    def step(v, W, bv, bh):
        h = srng.binomial(
            1, st.sigmoid(st.dot(v, W) + bh), size=bh.shape, dtype="float64"
        )
        return srng.binomial(
            1, st.sigmoid(st.dot(h, W.T) + bv), size=bv.shape, dtype="float64"
        )

    values, updates = scanc.scan(
        step, outputs_info=v0, non_sequences=[W, bv, bh], n_steps=d["steps"]
    )
    f = scanc.function([W, bv, bh, v0], values[-1], updates=updates)
    return lambda: f(d["W"], d["bv"], d["bh"], d["v0"])


def r2_numpy(d, peer):
    generator = np.random.default_rng(1234)
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731

    def run():
        v = d["v0"]
        for _ in range(d["steps"]):
            h = (generator.random(500) < sigmoid(v @ d["W"] + d["bh"])) * 1.0
            v = (generator.random(500) < sigmoid(h @ d["W"].T + d["bv"])) * 1.0
        return v

    return run


def r2_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def run(key, W, bv, bh, v0):
        def step(carry, _):
            v, key = carry
            key, k1, k2 = jax.random.split(key, 3)
            h = jax.random.bernoulli(k1, jax.nn.sigmoid(v @ W + bh)) * 1.0
            v = jax.random.bernoulli(k2, jax.nn.sigmoid(h @ W.T + bv)) * 1.0
            return (v, key), None

        return lax.scan(step, (v0, key), None, length=d["steps"])[0][0]

    args = [jnp.asarray(d[k]) for k in ("W", "bv", "bh", "v0")]
    key = jax.random.PRNGKey(1234)
    return lambda: run(key, *args).block_until_ready()


R2 = {"scanc": r2_scanc, "numpy": r2_numpy, "jax": r2_jax}
