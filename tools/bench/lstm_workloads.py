"""W10: one LSTM layer forward, four separate gate matrices on concat(x_t, h)."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules, pytensor_mode

GATES = ("i", "f", "c", "o")


def w10_data(hidden=256, inputs=256, steps=200):
    def data():
        rng = np.random.default_rng(10)
        d = {
            "X": rng.normal(size=(steps, inputs)),
            "h0": np.zeros(hidden),
            "c0": np.zeros(hidden),
        }
        for g in GATES:
            d["W" + g] = rng.normal(size=(inputs + hidden, hidden)) / np.sqrt(
                inputs + hidden
            )
            d["b" + g] = rng.normal(size=hidden) * 0.1
        return d

    return data


ARGS = ("X", "h0", "c0", *("W" + g for g in GATES), *("b" + g for g in GATES))


def w10_reference(d):
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    h, c, out = d["h0"], d["c0"], []
    for x in d["X"]:
        xh = np.concatenate([x, h])
        i, f, o = (sigmoid(xh @ d["W" + g] + d["b" + g]) for g in "ifo")
        c = f * c + i * np.tanh(xh @ d["Wc"] + d["bc"])
        h = o * np.tanh(c)
        out.append(h)
    return np.array(out)


def _step(T, concat, dot, sigmoid):
    def step(x, h, c, Wi, Wf, Wc, Wo, bi, bf, bc, bo):
        xh = concat([x, h])
        i = sigmoid(dot(xh, Wi) + bi)
        f = sigmoid(dot(xh, Wf) + bf)
        o = sigmoid(dot(xh, Wo) + bo)
        c = f * c + i * T.tanh(dot(xh, Wc) + bc)
        return [o * T.tanh(c), c]

    return step


def w10_graph():
    """W10's inputs (`ARGS`) and hidden states, built with scanc."""
    import scanc
    import scanc.tensor as st

    X, h0, c0 = st.matrix("X"), st.vector("h0"), st.vector("c0")
    Ws = [st.matrix("W" + g) for g in GATES]
    bs = [st.vector("b" + g) for g in GATES]
    (h, _), _ = scanc.scan(
        _step(st, st.concatenate, st.dot, st.sigmoid),
        sequences=X,
        outputs_info=[h0, c0],
        non_sequences=Ws + bs,
    )
    return [X, h0, c0, *Ws, *bs], h


def w10_scanc(d, peer):
    import scanc

    f = scanc.function(*w10_graph())
    return lambda: f(*[d[k] for k in ARGS])


def w10_numpy(d, peer):
    return lambda: w10_reference(d)


def w10_jax(d, peer):
    jax, jnp, lax = jax_modules()
    step = _step(jnp, jnp.concatenate, jnp.dot, jax.nn.sigmoid)

    @jax.jit
    def run(X, h0, c0, *params):
        def body(carry, x):
            h, c = step(x, *carry, *params)
            return (h, c), h

        return lax.scan(body, (h0, c0), X)[1]

    args = [jnp.asarray(d[k]) for k in ARGS]
    return lambda: run(*args).block_until_ready()


def w10_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    X, h0, c0 = pt.matrix("X"), pt.vector("h0"), pt.vector("c0")
    Ws = [pt.matrix("W" + g) for g in GATES]
    bs = [pt.vector("b" + g) for g in GATES]
    (h, _), _ = pytensor.scan(
        _step(pt, pt.concatenate, pt.dot, pt.sigmoid),
        sequences=X,
        outputs_info=[h0, c0],
        non_sequences=Ws + bs,
    )
    f = pytensor.function([X, h0, c0, *Ws, *bs], h, mode=pytensor_mode(peer))
    return lambda: f(*[d[k] for k in ARGS])


W10 = {
    "scanc": w10_scanc,
    "numpy": w10_numpy,
    "jax": w10_jax,
    "pytensor": w10_pytensor,
    "pytensor-numba": w10_pytensor,
}
