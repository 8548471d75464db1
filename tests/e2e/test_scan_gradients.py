"""Gradients through scan against central finite differences (float64)."""

import numpy as np

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


def test_sequence_taps_past_present_and_future():
    def taps(Y, w):
        out, _ = scanc.scan(
            lambda a, b, c, w: a * w + b * c,
            sequences=dict(input=Y, taps=[-1, 0, 2]),
            non_sequences=w,
        )
        return out

    verify_grad(taps, [rng.normal(size=(6, H)), rng.normal(size=H)])


def test_several_output_taps_and_more_initial_rows_than_needed():
    def fib(x0, w):
        out, _ = scanc.scan(
            lambda a, b, w: st.tanh(a * w) + b * 0.5,
            outputs_info=dict(initial=x0, taps=[-3, -1]),
            non_sequences=w,
            n_steps=5,
        )
        return out

    # taps [-3, -1] read the first three rows; the fourth gets zero gradient
    verify_grad(fib, [rng.normal(size=(4, H)), rng.normal(size=H)])


def test_output_read_only_two_steps_back():
    def skip(x0, Y):
        out, _ = scanc.scan(
            lambda y, h: h * st.cos(y),
            sequences=Y,
            outputs_info=dict(initial=x0, taps=[-2]),
        )
        return out

    verify_grad(skip, [rng.normal(size=(2, H)), rng.normal(size=(5, H))])


def test_until_only_the_executed_steps_contribute():
    def grow(x0, w):
        out, _ = scanc.scan(
            lambda h, w: (h * w, scanc.until(h.sum() > 100.0)),
            outputs_info=x0,
            non_sequences=w,
            n_steps=50,
        )
        return out

    # x0 sums to 3 and doubles about each step: it stops after 6 steps, far from
    # the threshold either side, so small moves do not change the step count
    x0, w = np.full(H, 1.0), np.full(H, 2.0) + rng.uniform(-0.01, 0.01, H)
    steps = len(scanc.function([], grow(st.constant(x0), st.constant(w)))())
    assert steps < 50
    verify_grad(grow, [x0, w])


def test_truncate_gradient_keeps_the_last_steps():
    x0, w, Y = st.vector("x0"), st.vector("w"), st.matrix("Y")
    out, _ = scanc.scan(
        lambda y, h, w: h * w + y,
        sequences=Y,
        outputs_info=x0,
        non_sequences=w,
        truncate_gradient=2,
    )
    f = scanc.function([x0, w, Y], scanc.grad(out.sum(), [x0, w, Y]))
    x, v, y = rng.normal(size=H), rng.normal(size=H), rng.normal(size=(5, H))
    d_x0, d_w, d_Y = f(x, v, y)
    h = [x]
    for row in y:
        h.append(h[-1] * v + row)
    # adjoint of h[t] summed over the visited (last two) steps: 1 + w from h[4]
    total = {4: np.ones(H), 3: 1 + v}
    np.testing.assert_allclose(d_Y, np.stack([np.zeros(H)] * 3 + [total[3], total[4]]))
    np.testing.assert_allclose(d_w, total[3] * h[3] + total[4] * h[4])
    np.testing.assert_allclose(d_x0, np.zeros(H))
    long_enough, _ = scanc.scan(
        lambda y, h, w: h * w + y,
        sequences=Y,
        outputs_info=x0,
        non_sequences=w,
        truncate_gradient=10,
    )
    full = scanc.function([x0, w, Y], scanc.grad(long_enough.sum(), x0))
    verify_grad(
        lambda x0: scanc.scan(
            lambda y, h: h * 0.5 + y,
            sequences=st.constant(y),
            outputs_info=x0,
            truncate_gradient=10,
        )[0],
        [x],
    )
    assert np.all(full(x, v, y) != 0)


def test_jacobian_with_the_variables_passed_as_non_sequences():
    # PyTensor's form: fn receives y and v themselves, so grad(y[i], v) connects
    v, A = st.vector("v"), st.matrix("A")
    y = st.tanh(st.dot(v, A))
    J, _ = scanc.scan(
        lambda i, y, v: scanc.grad(y[i], v),
        sequences=st.arange(y.shape[0]),
        non_sequences=[y, v],
    )
    f = scanc.function([v, A], J)
    x, w = rng.normal(size=4), rng.normal(size=(4, 3))
    np.testing.assert_allclose(f(x, w), ((1 - np.tanh(x @ w) ** 2) * w).T, rtol=1e-12)
