"""Gradients through scan against central finite differences (float64)."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.gradient import verify_grad

rng = np.random.default_rng(17)
H = 3


def test_recurrence_wrt_initial_state_weights_and_sequence():
    def rec(x0, W, Y):
        out, _ = scanc.scan(
            lambda y, h, W: st.tanh(st.dot(h, W) + y),
            sequences=Y,
            outputs_info=x0,
            non_sequences=W,
        )
        return out

    verify_grad(
        rec, [rng.normal(size=H), rng.normal(size=(H, H)) / 2, rng.normal(size=(4, H))]
    )


def test_only_the_last_state_and_n_steps_shorter_than_the_sequence():
    def last(x0, Y):
        out, _ = scanc.scan(
            lambda y, h: h * st.sin(y) + y, sequences=Y, outputs_info=x0, n_steps=3
        )
        return out[-1]

    verify_grad(last, [rng.normal(size=H), rng.normal(size=(5, H))])


def test_several_outputs_with_a_map_output():
    def two(x0, U):
        (h, m), _ = scanc.scan(
            lambda u, h: [h * 0.5 + u, st.exp(u) * h.sum()],
            sequences=U,
            outputs_info=[x0, None],
        )
        return h.sum() + m.sum() * 0.1

    verify_grad(two, [rng.normal(size=H), rng.normal(size=(4, H))])


def test_non_sequence_gradient_accumulates_over_steps():
    def power(A):
        out, _ = scanc.scan(
            lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=5
        )
        return out[-1]

    verify_grad(power, [rng.uniform(0.5, 1.5, 4)])


def test_go_backwards():
    def backwards(Y, w):
        out, _ = scanc.scan(
            lambda y, h, w: h * w + y,
            sequences=Y,
            outputs_info=w * 0,
            non_sequences=w,
            go_backwards=True,
        )
        return out

    verify_grad(backwards, [rng.normal(size=(4, H)), rng.normal(size=H)])


def test_nested_scans():
    def nested(x0, w):
        def outer(h, w):
            inner, _ = scanc.scan(
                lambda g, w: st.tanh(g * w), outputs_info=h, non_sequences=w, n_steps=2
            )
            return inner[-1]

        out, _ = scanc.scan(outer, outputs_info=x0, non_sequences=w, n_steps=3)
        return out

    verify_grad(nested, [rng.normal(size=H), rng.normal(size=H)])


def test_second_order_of_a_scan():
    x = st.vector("x")
    out, _ = scanc.scan(lambda h: h * h * 0.5 + 1, outputs_info=x, n_steps=2)
    cost = out[-1].sum()
    hess = scanc.hessian(cost, x)
    f = scanc.function([x], hess)
    v = rng.uniform(0.5, 1.0, H)
    # h1 = x^2/2 + 1, h2 = h1^2/2 + 1: d2 h2/dx2 = 3x^2/2 + 1, diagonal
    np.testing.assert_allclose(f(v), np.diag(1.5 * v**2 + 1), rtol=1e-10, atol=1e-12)


def test_jacobian_api():
    v, A = st.vector("v"), st.matrix("A")
    jac = scanc.jacobian(st.tanh(st.dot(v, A)), v)
    f = scanc.function([v, A], jac)
    x, w = rng.normal(size=4), rng.normal(size=(4, 3))
    np.testing.assert_allclose(f(x, w), ((1 - np.tanh(x @ w) ** 2) * w).T, rtol=1e-12)


def test_shared_variable_as_wrt():
    W = scanc.shared(rng.normal(size=(H, H)) / 2, name="W")
    x0 = st.vector("x0")
    out, _ = scanc.scan(lambda h: st.tanh(st.dot(h, W)), outputs_info=x0, n_steps=3)
    g = scanc.grad(out[-1].sum(), W)
    f = scanc.function([x0], g)
    x, w = rng.normal(size=H), W.get_value()
    eps, numeric = 1e-6, np.zeros_like(w)
    run = scanc.function([x0], out[-1].sum())
    for index in np.ndindex(w.shape):
        for sign in (1, -1):
            moved = w.copy()
            moved[index] += sign * eps
            W.set_value(moved)
            numeric[index] += sign * run(x) / (2 * eps)
    W.set_value(w)
    np.testing.assert_allclose(f(x), numeric, rtol=1e-6, atol=1e-8)


def test_unsupported_configurations_say_so():
    x0, w = st.vector("x0"), st.vector("w")
    out, _ = scanc.scan(
        lambda h: (h * 2, scanc.until(h.sum() > 10)), outputs_info=x0, n_steps=4
    )
    with pytest.raises(NotImplementedError, match="until"):
        scanc.function([x0], scanc.grad(out.sum(), x0))
    truncated, _ = scanc.scan(
        lambda h, w: h * w,
        outputs_info=x0,
        non_sequences=w,
        n_steps=3,
        truncate_gradient=1,
    )
    with pytest.raises(NotImplementedError, match="truncate_gradient"):
        scanc.function([x0, w], scanc.grad(truncated.sum(), w))
