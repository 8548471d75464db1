"""scan against NumPy reference loops: taps, until, scalar and row states."""

import os

import numpy as np
import pytest

import scanc
import scanc.tensor as st


def test_sequence_and_output_taps_match_a_numpy_loop(mode):
    u, x0, y0 = st.matrix("u"), st.matrix("x0"), st.vector("y0")

    def step(u_tm4, u_t, x_tm3, x_tm1, y_tm1):
        return [st.tanh(x_tm1 * 0.5 + u_t + u_tm4 * 0.1 + y_tm1 * 0.2), x_tm3 * 2]

    (xs, ys), _ = scanc.scan(
        step,
        sequences=dict(input=u, taps=[-4, 0]),
        outputs_info=[dict(initial=x0, taps=[-3, -1]), y0],
    )
    f = scanc.function([u, x0, y0], [xs, ys], mode=mode)
    rng = np.random.default_rng(0)
    U, X0, Y0 = rng.normal(size=(9, 2)), rng.normal(size=(3, 2)), rng.normal(size=2)
    X, Y = list(X0), [Y0]
    for t in range(5):  # uvals[0] is u[-4]: the loop starts at uvals[4]
        X.append(np.tanh(X[-1] * 0.5 + U[t + 4] + U[t] * 0.1 + Y[-1] * 0.2))
        Y.append(X[-4] * 2)
    got_x, got_y = f(U, X0, Y0)
    np.testing.assert_allclose(got_x, X[3:], rtol=1e-12)
    np.testing.assert_allclose(got_y, Y[1:], rtol=1e-12)


def test_scalar_state_with_two_taps(mode):
    a0, n = st.lvector("a0"), st.iscalar("n")
    fib, _ = scanc.scan(
        lambda a, b: a + b, outputs_info=dict(initial=a0, taps=[-2, -1]), n_steps=n
    )
    f = scanc.function([a0, n], [fib, fib[-1], fib[-2]], mode=mode)
    trace, last, before_last = f(np.array([0, 1]), 90)
    expected = [0, 1]
    for _ in range(90):
        expected.append(expected[-1] + expected[-2])
    np.testing.assert_array_equal(trace, expected[2:])
    assert (last, before_last) == (expected[-1], expected[-2])


def test_until_keeps_only_the_executed_steps(mode):
    def power_of_2(previous, bound):
        return previous * 2, scanc.until(previous * 2 > bound)

    bound = st.scalar("bound")
    values, _ = scanc.scan(
        power_of_2, outputs_info=st.constant(1.0), non_sequences=bound, n_steps=1024
    )
    f = scanc.function([bound], [values, values[-1]], mode=mode)
    trace, last = f(45)
    np.testing.assert_array_equal(trace, [2, 4, 8, 16, 32, 64])
    assert last == 64
    assert f(1e300)[0].shape == (997,)
    assert f(-1)[0].tolist() == [2.0]  # the step that meets the condition is kept


def test_until_bounded_by_n_steps(mode):
    n = st.iscalar("n")
    values, _ = scanc.scan(
        lambda p: (p + 1, scanc.until(p > 100)),
        outputs_info=st.constant(0.0),
        n_steps=n,
    )
    f = scanc.function([n], values, mode=mode)
    np.testing.assert_array_equal(f(5), [1, 2, 3, 4, 5])
    assert f(0).shape == (0,)


def test_shortest_sequence_sets_the_length(mode):
    a, b = st.vector("a"), st.vector("b")
    out, _ = scanc.scan(lambda x, y: x * y, sequences=[a, b])
    f = scanc.function([a, b], out, mode=mode)
    np.testing.assert_array_equal(f(np.arange(5.0), np.arange(3.0)), [0, 1, 4])


def test_matrix_sequence_rows_and_implicit_capture(mode):
    X, w = st.matrix("X"), st.vector("w")
    out, _ = scanc.scan(lambda row: (row * w).sum(), sequences=X)
    f = scanc.function([X, w], out, mode=mode)
    x = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(f(x, np.array([1.0, -1.0, 2.0])), x @ [1.0, -1.0, 2.0])


def test_nested_scan(mode):
    A, k = st.vector("A"), st.iscalar("k")

    def outer(prev, A):
        inner, _ = scanc.scan(
            lambda p, A: p * A, outputs_info=prev, non_sequences=A, n_steps=2
        )
        return inner[-1]

    out, _ = scanc.scan(outer, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k)
    f = scanc.function([A, k], out[-1], mode=mode)
    a = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(f(a, 3), a**6)


def test_initial_value_too_short_is_a_value_error():
    x0 = st.vector("x0")
    out, _ = scanc.scan(
        lambda a, b: a + b, outputs_info=dict(initial=x0, taps=[-2, -1]), n_steps=3
    )
    f = scanc.function([x0], out)
    with pytest.raises(ValueError, match="needs at least 2 rows"):
        f(np.ones(1))


@pytest.mark.parametrize("how", ["argument", "config"])
def test_allow_gc_false_keeps_scratch_buffers_between_calls(mode, how, monkeypatch):
    X, W = st.matrix("X"), st.matrix("W")
    kwargs = {"allow_gc": False} if how == "argument" else {}
    if how == "config":
        monkeypatch.setattr(scanc.config, "scan__allow_gc", False)
    out, _ = scanc.scan(
        lambda x, W: st.tanh(st.dot(x, W) * 2).sum(),
        sequences=X,
        non_sequences=W,
        **kwargs,
    )
    f = scanc.function([X, W], out, mode=mode)
    loops = "\n".join(text for stage, text in _stages(f) if stage == "loops")
    assert "buffer.pooled_alloc" in loops and "memref.dealloc" not in loops
    for n in (3, 50, 7, 50):  # the kept buffer grows when a call needs more
        x, w = rng_normal((5, n)), rng_normal((n, n))
        expected = [np.tanh(row @ w * 2).sum() for row in x]
        np.testing.assert_allclose(f(x, w), expected, rtol=1e-12)


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_allow_gc_false_reuses_its_buffers_instead_of_leaking_them(mode):
    # each call needs an 8 MB scratch buffer (the tanh rows before their sum):
    # kept, it is allocated once; leaked, 30 calls would keep 240 MB resident
    X = st.matrix("X")
    rows, _ = scanc.scan(lambda x: st.tanh(x * 2), sequences=X, allow_gc=False)
    f = scanc.function([X], rows.sum(), mode=mode)
    x = rng_normal((2000, 500))
    expected = np.tanh(x * 2).sum()
    np.testing.assert_allclose(f(x), expected, rtol=1e-12)
    before = _resident_bytes()
    for _ in range(30):
        f(x)
    assert _resident_bytes() - before < 40e6
    np.testing.assert_allclose(f(x), expected, rtol=1e-12)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.parametrize("allow_gc", [True, False])
def test_a_call_that_fails_frees_what_it_allocated(mode, allow_gc):
    # the scan writes 8 MB of rows before a check fails: the product's shape
    # check after the loop, or the index check at the last step; 30 failing
    # calls that leaked the rows would keep 240 MB resident
    X, W, v, i = st.matrix("X"), st.matrix("W"), st.vector("v"), st.lvector("i")
    rows, _ = scanc.scan(
        lambda x, i, v: st.tanh(x * 2) + v[i],
        sequences=[X, i],
        non_sequences=v,
        allow_gc=allow_gc,
    )
    f = scanc.function([X, i, v, W], [rows, st.dot(rows[-1], W)], mode=mode)
    x, m, picks = rng_normal((2000, 500)), rng_normal((500, 3)), np.zeros(2000, int)
    last_out_of_range = picks.copy()
    last_out_of_range[-1] = 7
    for bad, error in (
        ((x, picks, np.ones(7), rng_normal((499, 3))), "dot: shapes are not aligned"),
        ((x, last_out_of_range, np.ones(7), m), "index out of bounds"),
    ):
        with pytest.raises((ValueError, IndexError), match=error):
            f(*bad)
        for _ in range(10):  # until malloc's heap settles (freed blocks stay)
            with pytest.raises((ValueError, IndexError)):
                f(*bad)
        before = _resident_bytes()
        for _ in range(30):
            with pytest.raises((ValueError, IndexError)):
                f(*bad)
        assert _resident_bytes() - before < 40e6
    got_rows, got_product = f(x, picks, np.ones(7), m)
    np.testing.assert_allclose(got_rows, np.tanh(x * 2) + 1, atol=1e-12)
    np.testing.assert_allclose(got_product, got_rows[-1] @ m, atol=1e-12)


def rng_normal(shape):
    return np.random.default_rng(sum(shape)).normal(size=shape)


def _stages(f):
    """(stage, text) of the loops stage of an already compiled function, rebuilt."""
    from scanc import pipeline
    from scanc.frontend.signature import build_module

    module, _ = build_module(f.inputs, f.outputs, "again")
    pipeline.run_opt(module)
    pipeline.run_loops(module)
    return [("loops", str(module))]


def test_map_like_output_whose_shape_comes_from_a_reshape(mode):
    # the trace's row sizes are computed before the loop from the reshape's
    # sizes, a -1 inferred as the step will infer it
    X = st.matrix("X")
    rows, _ = scanc.scan(lambda x: st.reshape(x * 2, (2, -1)), sequences=X)
    f = scanc.function([X], rows, mode=mode)
    x = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(f(x), (x * 2).reshape(2, 2, 3))
    with pytest.raises(ValueError, match="reshape must keep the number of elements"):
        f(np.ones((2, 5)))


def test_strict_refuses_only_shared_variables_not_passed():
    # PyTensor's rule: under strict=True the step may use shared variables only
    # through non_sequences; values computed from passed ones, and plain inputs,
    # are allowed (PyTensor passes inputs as implicit non-sequences)
    W = scanc.shared(np.eye(3), name="W")
    other = scanc.shared(np.ones(3), name="other")
    x, k = st.vector("x"), st.dscalar("k")
    width = W.shape[1]
    out, _ = scanc.scan(
        lambda h, W: st.dot(h, W)[:width] * k,
        outputs_info=x,
        non_sequences=W,
        n_steps=2,
        strict=True,
    )
    np.testing.assert_allclose(
        scanc.function([x, k], out)(np.ones(3), 2.0), [[2, 2, 2], [4, 4, 4]]
    )
    with pytest.raises(scanc.MissingInputError, match="'other'"):
        scanc.scan(
            lambda h, W: st.dot(h, W) + other,
            outputs_info=x,
            non_sequences=W,
            n_steps=2,
            strict=True,
        )


@pytest.mark.parametrize("reduce", ["argmax", "outer"])
def test_map_like_output_of_two_broadcast_operands(reduce, mode):
    # the row size of a map-like trace comes from the operand that does not
    # broadcast along each axis (here a different one per axis)
    xs, v = st.matrix("xs"), st.vector("v")

    def step(x, v):
        outer = v[:, None] + x[None, :]
        return outer.argmax(axis=0) if reduce == "argmax" else outer

    out, _ = scanc.scan(step, sequences=xs, non_sequences=v)
    f = scanc.function([xs, v], out, mode=mode)
    xv, vv = np.arange(6.0).reshape(2, 3), np.array([1.0, 5.0])
    outer = vv[None, :, None] + xv[:, None, :]
    np.testing.assert_array_equal(
        f(xv, vv), outer.argmax(axis=1) if reduce == "argmax" else outer
    )
