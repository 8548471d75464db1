"""Workloads W4-W7: rowwise products, recurrences with taps, until."""

from __future__ import annotations

import numpy as np
from bench.peers import jax_modules, pytensor_mode

# -- W4: rowwise tanh(X[t] . W + b) -------------------------------------------------------


def w4_data():
    rng = np.random.default_rng(4)
    return {
        "X": rng.normal(size=(1000, 64)),
        "W": rng.normal(size=(64, 64)) / 8,
        "b": rng.normal(size=64),
    }


def w4_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    X, W, b = st.matrix("X"), st.matrix("W"), st.vector("b")
    out, _ = scanc.scan(lambda x: st.tanh(st.dot(x, W) + b), sequences=X)
    f = scanc.function([X, W, b], out)
    return lambda: f(d["X"], d["W"], d["b"])


def w4_numpy(d, peer):
    return lambda: np.stack([np.tanh(x @ d["W"] + d["b"]) for x in d["X"]])


def w4_numba(d, peer):
    import numba

    @numba.njit
    def rows(X, W, b):
        out = np.empty((X.shape[0], W.shape[1]))
        for t in range(X.shape[0]):
            out[t] = np.tanh(X[t] @ W + b)
        return out

    return lambda: rows(d["X"], d["W"], d["b"])


def w4_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def rows(X, W, b):
        return lax.scan(lambda c, x: (c, jnp.tanh(x @ W + b)), 0.0, X)[1]

    args = [jnp.asarray(d[k]) for k in ("X", "W", "b")]
    return lambda: rows(*args).block_until_ready()


def w4_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    X, W, b = pt.matrix("X"), pt.matrix("W"), pt.vector("b")
    out, _ = pytensor.scan(lambda x: pt.tanh(pt.dot(x, W) + b), sequences=X)
    f = pytensor.function([X, W, b], out, mode=pytensor_mode(peer))
    return lambda: f(d["X"], d["W"], d["b"])


W4 = {
    "scanc": w4_scanc,
    "numpy": w4_numpy,
    "numba": w4_numba,
    "jax": w4_jax,
    "pytensor": w4_pytensor,
    "pytensor-numba": w4_pytensor,
}


# -- W5: x(t) = tanh(x(t-1).W + y(t).U + p(T-t).V) ----------------------------------------


def w5_data(h: int):
    def data():
        rng = np.random.default_rng(5)
        scale = 1 / np.sqrt(h)
        return {
            "x0": rng.normal(size=h),
            "Y": rng.normal(size=(1000, h)),
            "P": rng.normal(size=(1000, h)),
            "W": rng.normal(size=(h, h)) * scale,
            "U": rng.normal(size=(h, h)) * scale,
            "V": rng.normal(size=(h, h)) * scale,
        }

    return data


def w5_reference(d):
    x, out = d["x0"], []
    for y, p in zip(d["Y"], d["P"][::-1]):
        x = np.tanh(x @ d["W"] + y @ d["U"] + p @ d["V"])
        out.append(x)
    return np.array(out)


W5_ARGS = ("x0", "W", "Y", "U", "P", "V")


def w5_graph():
    """W5's inputs (`W5_ARGS`) and trace, built with scanc."""
    import scanc
    import scanc.tensor as st

    x0, W, Y, U, P, V = (
        st.vector("x0"),
        st.matrix("W"),
        st.matrix("Y"),
        st.matrix("U"),
        st.matrix("P"),
        st.matrix("V"),
    )
    out, _ = scanc.scan(
        lambda y, p, x: st.tanh(st.dot(x, W) + st.dot(y, U) + st.dot(p, V)),
        sequences=[Y, P[::-1]],
        outputs_info=[x0],
    )
    return [x0, W, Y, U, P, V], out


def w5_scanc(d, peer):
    import scanc

    f = scanc.function(*w5_graph())
    return lambda: f(*[d[k] for k in W5_ARGS])


def w5_numpy(d, peer):
    return lambda: w5_reference(d)


def w5_numba(d, peer):
    import numba

    @numba.njit
    def run(x, W, Y, U, P, V):
        out = np.empty(Y.shape)
        n = Y.shape[0]
        for t in range(n):
            x = np.tanh(x @ W + Y[t] @ U + P[n - 1 - t] @ V)
            out[t] = x
        return out

    return lambda: run(*[d[k] for k in W5_ARGS])


def w5_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def run(x0, W, Y, U, P, V):
        def step(x, yp):
            x = jnp.tanh(x @ W + yp[0] @ U + yp[1] @ V)
            return x, x

        return lax.scan(step, x0, (Y, P[::-1]))[1]

    args = [jnp.asarray(d[k]) for k in W5_ARGS]
    return lambda: run(*args).block_until_ready()


def w5_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    x0, W, Y, U, P, V = (
        pt.vector("x0"),
        pt.matrix("W"),
        pt.matrix("Y"),
        pt.matrix("U"),
        pt.matrix("P"),
        pt.matrix("V"),
    )
    out, _ = pytensor.scan(
        lambda y, p, x: pt.tanh(pt.dot(x, W) + pt.dot(y, U) + pt.dot(p, V)),
        sequences=[Y, P[::-1]],
        outputs_info=[x0],
    )
    f = pytensor.function([x0, W, Y, U, P, V], out, mode=pytensor_mode(peer))
    return lambda: f(*[d[k] for k in W5_ARGS])


W5 = {
    "scanc": w5_scanc,
    "numpy": w5_numpy,
    "numba": w5_numba,
    "jax": w5_jax,
    "pytensor": w5_pytensor,
    "pytensor-numba": w5_pytensor,
}


# -- W6: taps [-2, -1] ------------------------------------------------------------------------


def w6_data(h: int):
    def data():
        rng = np.random.default_rng(6)
        scale = 0.5 / h
        return {
            "x0": rng.normal(size=(2, h)),
            "W": rng.normal(size=(h, h)) * scale,
            "U": rng.normal(size=(h, h)) * scale,
            "V": rng.normal(size=(h, h)) * scale,
            "b": rng.normal(size=h) * 0.1,
            "n": 1000,
        }

    return data


def w6_reference(d):
    hist = list(d["x0"])
    for _ in range(d["n"]):
        hist.append(
            hist[-2] @ d["U"] + hist[-1] @ d["V"] + np.tanh(hist[-1] @ d["W"] + d["b"])
        )
    return np.array(hist[2:])


W6_ARGS = ("x0", "U", "V", "W", "b", "n")


def w6_graph():
    """W6's inputs (`W6_ARGS`) and trace, built with scanc."""
    import scanc
    import scanc.tensor as st

    X, U, V, W, b, n = (
        st.matrix("X"),
        st.matrix("U"),
        st.matrix("V"),
        st.matrix("W"),
        st.vector("b"),
        st.iscalar("n"),
    )
    out, _ = scanc.scan(
        lambda x2, x1: st.dot(x2, U) + st.dot(x1, V) + st.tanh(st.dot(x1, W) + b),
        n_steps=n,
        outputs_info=[dict(initial=X, taps=[-2, -1])],
    )
    return [X, U, V, W, b, n], out


def w6_scanc(d, peer):
    import scanc

    f = scanc.function(*w6_graph())
    return lambda: f(*[d[k] for k in W6_ARGS])


def w6_numpy(d, peer):
    return lambda: w6_reference(d)


def w6_numba(d, peer):
    import numba

    @numba.njit
    def run(x0, U, V, W, b, n):
        out = np.empty((n + 2, x0.shape[1]))
        out[:2] = x0
        for t in range(n):
            out[t + 2] = out[t] @ U + out[t + 1] @ V + np.tanh(out[t + 1] @ W + b)
        return out[2:]

    return lambda: run(*[d[k] for k in W6_ARGS])


def w6_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def run(x0, U, V, W, b):
        def step(c, _):
            x2, x1 = c
            x = x2 @ U + x1 @ V + jnp.tanh(x1 @ W + b)
            return (x1, x), x

        return lax.scan(step, (x0[0], x0[1]), None, length=d["n"])[1]

    args = [jnp.asarray(d[k]) for k in W6_ARGS[:-1]]
    return lambda: run(*args).block_until_ready()


def w6_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    X, U, V, W, b, n = (
        pt.matrix("X"),
        pt.matrix("U"),
        pt.matrix("V"),
        pt.matrix("W"),
        pt.vector("b"),
        pt.iscalar("n"),
    )
    out, _ = pytensor.scan(
        lambda x2, x1: pt.dot(x2, U) + pt.dot(x1, V) + pt.tanh(pt.dot(x1, W) + b),
        n_steps=n,
        outputs_info=[dict(initial=X, taps=[-2, -1])],
    )
    f = pytensor.function([X, U, V, W, b, n], out, mode=pytensor_mode(peer))
    return lambda: f(*[d[k] for k in W6_ARGS])


W6 = {
    "scanc": w6_scanc,
    "numpy": w6_numpy,
    "numba": w6_numba,
    "jax": w6_jax,
    "pytensor": w6_pytensor,
    "pytensor-numba": w6_pytensor,
}


# -- W7: powers of two until above max_value ------------------------------------------------


def w7_data(max_value: float):
    return lambda: {"max": max_value}


def w7_reference(d):
    out, p = [], 1.0
    for _ in range(1024):
        p *= 2
        out.append(p)
        if p > d["max"]:
            break
    return np.array(out)


def w7_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    m = st.scalar("m")
    values, _ = scanc.scan(
        lambda p, m: (p * 2, scanc.until(p * 2 > m)),
        outputs_info=st.constant(1.0),
        non_sequences=m,
        n_steps=1024,
    )
    f = scanc.function([m], values)
    return lambda: f(d["max"])


def w7_numpy(d, peer):
    return lambda: w7_reference(d)


def w7_numba(d, peer):
    import numba

    @numba.njit
    def run(m):
        out = np.empty(1024)
        p = 1.0
        for i in range(1024):
            p *= 2
            out[i] = p
            if p > m:
                return out[: i + 1]
        return out

    return lambda: run(d["max"])


def w7_jax(d, peer):
    jax, jnp, lax = jax_modules()

    @jax.jit
    def run(m):
        def cond(c):
            i, p, _ = c
            return (i < 1024) & ((i == 0) | (p <= m))

        def body(c):
            i, p, out = c
            p = p * 2
            return i + 1, p, out.at[i].set(p)

        i, _, out = lax.while_loop(cond, body, (0, 1.0, jnp.zeros(1024)))
        return out, i

    def call():
        out, i = run(d["max"])
        return np.asarray(out)[: int(i)]

    return call


def w7_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt
    from pytensor.scan.utils import until

    m = pt.scalar("m")
    values, _ = pytensor.scan(
        lambda p, m: (p * 2, until(p * 2 > m)),
        outputs_info=pt.constant(1.0),
        non_sequences=m,
        n_steps=1024,
    )
    f = pytensor.function([m], values, mode=pytensor_mode(peer))
    return lambda: f(d["max"])


W7 = {
    "scanc": w7_scanc,
    "numpy": w7_numpy,
    "numba": w7_numba,
    "jax": w7_jax,
    "pytensor": w7_pytensor,
    "pytensor-numba": w7_pytensor,
}
