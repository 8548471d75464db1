"""Gradient workloads: W8 (the W5 recurrence's cost `sum(x_T)`, forward alone
and with its gradient with respect to `W`) and W9 (the Jacobian of
`tanh(v . A)` by a scan over `grad(y[i], v)`)."""

from __future__ import annotations

import importlib

import numpy as np

from bench.peers import jax_modules, pytensor_mode
from bench.scan_workloads import W5_ARGS, w5_data

w8_data = w5_data(128)


def w8_forward_reference(d):
    x = d["x0"]
    for y, p in zip(d["Y"], d["P"][::-1]):
        x = np.tanh(x @ d["W"] + y @ d["U"] + p @ d["V"])
    return x.sum()


def w8_reference(d):
    """Backpropagation through time by hand: d sum(x_T) / d W."""
    W, U, V = d["W"], d["U"], d["V"]
    pre_inputs = d["Y"] @ U + d["P"][::-1] @ V
    xs = [d["x0"]]
    for row in pre_inputs:
        xs.append(np.tanh(xs[-1] @ W + row))
    adjoint, dW = np.ones_like(xs[0]), np.zeros_like(W)
    for t in range(len(pre_inputs), 0, -1):
        d_pre = adjoint * (1 - xs[t] ** 2)
        dW += np.outer(xs[t - 1], d_pre)
        adjoint = W @ d_pre
    return dW


#: W8_ckpt: steps per chunk of scan_checkpoints (25 divides T=1000, which
#: PyTensor's version needs: its padding has the wrong size otherwise)
CHECKPOINT_EVERY = 25


def _scanc_cost(st, scanc, checkpoints: bool = False):
    """The W8 cost, built with scanc or PyTensor (same API)."""
    x0, W, Y, U, P, V = (st.vector(k) if k == "x0" else st.matrix(k) for k in W5_ARGS)
    if checkpoints:
        # the weights as non-sequences: PyTensor's version mishandles none
        module = importlib.import_module(scanc.__name__ + ".scan.checkpoints")
        out, _ = module.scan_checkpoints(
            lambda y, p, x, W, U, V: st.tanh(
                st.dot(x, W) + st.dot(y, U) + st.dot(p, V)
            ),
            sequences=[Y, P[::-1]],
            outputs_info=[x0],
            non_sequences=[W, U, V],
            save_every_N=CHECKPOINT_EVERY,
        )
    else:
        out, _ = scanc.scan(
            lambda y, p, x: st.tanh(st.dot(x, W) + st.dot(y, U) + st.dot(p, V)),
            sequences=[Y, P[::-1]],
            outputs_info=[x0],
        )
    return [x0, W, Y, U, P, V], out[-1].sum()


def w8_scanc(with_grad: bool, checkpoints: bool = False):
    def build(d, peer):
        import scanc
        import scanc.tensor as st

        inputs, cost = _scanc_cost(st, scanc, checkpoints)
        f = scanc.function(inputs, scanc.grad(cost, inputs[1]) if with_grad else cost)
        return lambda: f(*[d[k] for k in W5_ARGS])

    return build


def w8_numba(with_grad: bool):
    def build(d, peer):
        import numba

        @numba.njit
        def forward(x, W, Y, U, P, V):
            n = Y.shape[0]
            xs = np.empty((n + 1, x.shape[0]))
            xs[0] = x
            for t in range(n):
                xs[t + 1] = np.tanh(xs[t] @ W + Y[t] @ U + P[n - 1 - t] @ V)
            return xs

        @numba.njit
        def gradient(x, W, Y, U, P, V):
            xs = forward(x, W, Y, U, P, V)
            adjoint, dW = np.ones(x.shape[0]), np.zeros(W.shape)
            for t in range(Y.shape[0], 0, -1):
                d_pre = adjoint * (1 - xs[t] ** 2)
                dW += np.outer(xs[t - 1], d_pre)
                adjoint = W @ d_pre
            return dW

        args = [d[k] for k in W5_ARGS]
        if with_grad:
            return lambda: gradient(*args)
        return lambda: forward(*args)[-1].sum()

    return build


def w8_jax(with_grad: bool):
    def build(d, peer):
        jax, jnp, lax = jax_modules()

        def cost(W, x0, Y, U, P, V):
            def step(x, yp):
                return jnp.tanh(x @ W + yp[0] @ U + yp[1] @ V), None

            return lax.scan(step, x0, (Y, P[::-1]))[0].sum()

        run = jax.jit(jax.grad(cost) if with_grad else cost)
        args = [jnp.asarray(d[k]) for k in ("W", "x0", "Y", "U", "P", "V")]
        return lambda: run(*args).block_until_ready()

    return build


def w8_pytensor(with_grad: bool, checkpoints: bool = False):
    def build(d, peer):
        import pytensor
        import pytensor.tensor as pt

        inputs, cost = _scanc_cost(pt, pytensor, checkpoints)
        out = pytensor.grad(cost, inputs[1]) if with_grad else cost
        f = pytensor.function(inputs, out, mode=pytensor_mode(peer))
        return lambda: f(*[d[k] for k in W5_ARGS])

    return build


def _w8(with_grad: bool) -> dict:
    return {
        "scanc": w8_scanc(with_grad),
        "numba": w8_numba(with_grad),
        "jax": w8_jax(with_grad),
        "pytensor": w8_pytensor(with_grad),
        "pytensor-numba": w8_pytensor(with_grad),
    }


W8_FORWARD, W8 = _w8(False), _w8(True)
W8_CHECKPOINTS = {
    "scanc": w8_scanc(True, checkpoints=True),
    "pytensor": w8_pytensor(True, checkpoints=True),
    "pytensor-numba": w8_pytensor(True, checkpoints=True),
}


# -- W9: Jacobian of tanh(v . A) by a scan over grad(y[i], v) ---------------------------


def w9_data():
    rng = np.random.default_rng(9)
    return {"v": rng.normal(size=100), "A": rng.normal(size=(100, 100)) / 10}


def w9_reference(d):
    return ((1 - np.tanh(d["v"] @ d["A"]) ** 2) * d["A"]).T


def _jacobian_by_scan(lib, st):
    v, A = st.vector("v"), st.matrix("A")
    y = st.tanh(st.dot(v, A))
    J, _ = lib.scan(
        lambda i, y, v: lib.grad(y[i], v),
        sequences=st.arange(y.shape[0]),
        non_sequences=[y, v],
    )
    return [v, A], J


def w9_scanc(d, peer):
    import scanc
    import scanc.tensor as st

    inputs, J = _jacobian_by_scan(scanc, st)
    f = scanc.function(inputs, J)
    return lambda: f(d["v"], d["A"])


def w9_jax(d, peer):
    jax, jnp, lax = jax_modules()
    run = jax.jit(jax.jacrev(lambda v, A: jnp.tanh(v @ A)))
    v, A = jnp.asarray(d["v"]), jnp.asarray(d["A"])
    return lambda: run(v, A).block_until_ready()


def w9_pytensor(d, peer):
    import pytensor
    import pytensor.tensor as pt

    inputs, J = _jacobian_by_scan(pytensor, pt)
    f = pytensor.function(inputs, J, mode=pytensor_mode(peer))
    return lambda: f(d["v"], d["A"])


def w9_numpy(d, peer):
    return lambda: w9_reference(d)


W9 = {
    "scanc": w9_scanc,
    "numpy": w9_numpy,
    "jax": w9_jax,
    "pytensor": w9_pytensor,
    "pytensor-numba": w9_pytensor,
}
