"""Workloads W1-W3 (definitions, sizes and seeds as in the shared workload list).

Each workload gives its data, a NumPy reference result and, per peer, a `build`
that returns a zero-argument callable computing the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from scanc.tools.bench.peers import jax_modules, pytensor_mode


@dataclass
class Workload:
    id: str
    description: str
    data: Callable[[], dict]
    builders: dict[str, Callable[[dict, str], Callable[[], object]]]
    reference: Callable[[dict], np.ndarray]
    per: str = "call"


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


def w5_scanc(d, peer):
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
    f = scanc.function([x0, W, Y, U, P, V], out)
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


def w6_scanc(d, peer):
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
    f = scanc.function([X, U, V, W, b, n], out)
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


WORKLOADS = [
    Workload(
        "W1a",
        "A**k, len(A)=10, k=100000, result[-1]",
        w1_data(10, 100000, 0.99999, 1.00001, 1),
        W1,
        lambda d: d["A"] ** d["k"],
        per="step",
    ),
    Workload(
        "W1b",
        "A**k, len(A)=100000, k=100, result[-1]",
        w1_data(100000, 100, 0.99, 1.01, 2),
        W1,
        lambda d: d["A"] ** d["k"],
        per="step",
    ),
    Workload(
        "W2",
        "polynomial, 100000 coefficients",
        w2_data,
        W2,
        lambda d: np.polynomial.polynomial.polyval(d["x"], d["c"]),
    ),
    Workload(
        "W3",
        "triangular numbers, up_to=1000000, int64",
        w3_data,
        W3,
        lambda d: np.cumsum(np.arange(d["n"], dtype=np.int64)),
    ),
    Workload(
        "W4",
        "rowwise tanh(X[t].W + b), X 1000x64, W 64x64",
        w4_data,
        W4,
        lambda d: np.tanh(d["X"] @ d["W"] + d["b"]),
    ),
    Workload(
        "W5_h64",
        "x(t)=tanh(x(t-1).W + y(t).U + p(T-t).V), hidden 64, T=1000",
        w5_data(64),
        W5,
        w5_reference,
    ),
    Workload("W5_h256", "same, hidden 256", w5_data(256), W5, w5_reference),
    Workload(
        "W6_h2",
        "taps [-2,-1] recurrence, hidden 2, n=1000",
        w6_data(2),
        W6,
        w6_reference,
    ),
    Workload("W6_h64", "same, hidden 64", w6_data(64), W6, w6_reference),
    Workload(
        "W7_45",
        "powers of two until above 45 (6 steps)",
        w7_data(45.0),
        W7,
        w7_reference,
    ),
    Workload(
        "W7_1e300",
        "powers of two until above 1e300 (997 steps)",
        w7_data(1e300),
        W7,
        w7_reference,
    ),
    Workload("R1", "uniform draws, 1e7 float64", r1_data, R1, None),
    Workload("R2", "Gibbs chain, 500x500 W, 1000 steps", r2_data, R2, None, per="step"),
]


def steps(workload: Workload, d: dict) -> int:
    """Steps per call, for the per-step column."""
    return d.get("k", d.get("steps", 1)) if workload.per == "step" else 1
