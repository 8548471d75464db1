"""scan_checkpoints: the states after every N steps, gradients equal to scan's."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.scan import scan_checkpoints


def rnn_step(x_t, h, W):
    return st.tanh(st.dot(h, W) + x_t)


def numpy_states(x0, W, X):
    states, h = [], x0
    for row in X:
        h = np.tanh(h @ W + row)
        states.append(h)
    return np.array(states)


@pytest.mark.parametrize("every", [1, 3, 4, 20])
def test_states_at_chunk_ends_and_gradients_match_scan(mode, every):
    x0, W, X = st.vector("x0"), st.matrix("W"), st.matrix("X")
    full, _ = scanc.scan(rnn_step, sequences=X, outputs_info=x0, non_sequences=W)
    ckpt, _ = scan_checkpoints(
        rnn_step, sequences=X, outputs_info=x0, non_sequences=W, save_every_N=every
    )
    wrt = [x0, W, X]
    f = scanc.function(
        [x0, W, X],
        [ckpt, *scanc.grad(ckpt[-1].sum(), wrt), *scanc.grad(full[-1].sum(), wrt)],
        mode=mode,
    )
    rng = np.random.default_rng(every)
    for steps in (12, 10, 1):
        a, w, xs = (
            rng.normal(size=3),
            rng.normal(size=(3, 3)) * 0.5,
            rng.normal(size=(steps, 3)),
        )
        states, *grads = f(a, w, xs)
        ends = [min(k + every, steps) - 1 for k in range(0, steps, every)]
        np.testing.assert_allclose(states, numpy_states(a, w, xs)[ends], rtol=1e-12)
        for got, want in zip(grads[:3], grads[3:]):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_gradient_passes_finite_differences():
    def cost(x0, W, X):
        states, _ = scan_checkpoints(
            rnn_step, sequences=X, outputs_info=x0, non_sequences=W, save_every_N=3
        )
        return states[-1].sum()

    rng = np.random.default_rng(5)
    scanc.verify_grad(
        cost,
        [rng.normal(size=2), rng.normal(size=(2, 2)) * 0.5, rng.normal(size=(7, 2))],
        rng=rng,
    )


def test_power_without_sequences_and_a_map_output():
    k, A = st.iscalar("k"), st.vector("A")
    powers, _ = scan_checkpoints(
        lambda p, A: p * A,
        outputs_info=st.ones_like(A),
        non_sequences=A,
        n_steps=k,
        save_every_N=3,
    )
    X = st.matrix("X")
    doubled, _ = scan_checkpoints(lambda x: x * 2, sequences=X, save_every_N=2)
    f = scanc.function([A, k, X], [powers, doubled])
    a, x = np.arange(4.0), np.arange(10.0).reshape(5, 2)
    got_powers, got_doubled = f(a, 7, x)
    np.testing.assert_array_equal(got_powers, [a**3, a**6, a**7])
    np.testing.assert_array_equal(got_doubled, 2 * x[[1, 3, 4]])
    assert f(a, 0, x)[0].shape == (0, 4)


def test_n_steps_against_the_sequences():
    X, n = st.matrix("X"), st.iscalar("n")
    out, _ = scan_checkpoints(
        lambda x, h: h + x,
        sequences=X,
        outputs_info=st.zeros_like(X[0]),
        n_steps=n,
        save_every_N=2,
    )
    f = scanc.function([X, n], out)
    x = np.arange(10.0).reshape(5, 2)
    np.testing.assert_array_equal(f(x, 3), np.cumsum(x, axis=0)[[1, 2]])
    with pytest.raises(ValueError, match="larger than the sequences allow"):
        f(x, 6)
    with pytest.raises(ValueError, match="non-negative"):
        f(x, -1)


def test_what_it_does_not_take():
    X, h0 = st.matrix("X"), st.vector("h0")
    with pytest.raises(ValueError, match="sequences take no taps"):
        scan_checkpoints(
            lambda a, b, h: h + a + b,
            sequences=dict(input=X, taps=[-1, 0]),
            outputs_info=h0,
        )
    with pytest.raises(ValueError, match="outputs take no taps"):
        scan_checkpoints(
            lambda x, a, b: a + b + x,
            sequences=X,
            outputs_info=dict(initial=X, taps=[-2, -1]),
        )
    with pytest.raises(NotImplementedError, match="until"):
        scan_checkpoints(
            lambda x, h: (h + x, scanc.until(h.sum() > 3)),
            sequences=X,
            outputs_info=h0,
        )
    with pytest.raises(ValueError, match="at least 1"):
        scan_checkpoints(lambda x: x, sequences=X, save_every_N=0)
    with pytest.raises(ValueError, match="sequences or n_steps"):
        scan_checkpoints(lambda h: h, outputs_info=h0)


def test_spellings():
    import scanc.scan.checkpoints

    assert scanc.scan.checkpoints.scan_checkpoints is scan_checkpoints


def test_without_n_steps_the_shortest_sequence_sets_the_length():
    X, Y = st.matrix("X"), st.matrix("Y")
    out, _ = scan_checkpoints(
        lambda x, y, h: h + x * y,
        sequences=[X, Y],
        outputs_info=st.zeros_like(X[0]),
        save_every_N=2,
    )
    f = scanc.function([X, Y], out)
    x, y = np.arange(10.0).reshape(5, 2), np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(f(x, y), np.cumsum(x[:3] * y, axis=0)[[1, 2]])
