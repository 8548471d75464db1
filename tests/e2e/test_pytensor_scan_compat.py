"""Behaviours PyTensor's own scan tests pin down through the public API
(`tests/scan/test_basic.py` of PyTensor; each test names the one it ports),
written again for scanc with only the imports as PyTensor users have them.
Where scanc differs on purpose, the test says so and why."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt
from scanc import function, grad, scan, shared


def test_generator_one_output_scalar():
    """`test_generator_one_output_scalar`: no sequences, a scalar state,
    `n_steps` symbolic, `return_list=True`."""
    state, n_steps = pt.scalar("state"), pt.iscalar("nsteps")
    output = scan(
        lambda x: 2 * x,
        [],
        state,
        [],
        n_steps=n_steps,
        return_list=True,
        return_updates=False,
    )
    assert isinstance(output, list)
    f = function([state, n_steps], output)
    np.testing.assert_allclose(f(0.3, 5)[0], [0.3 * 2 ** (k + 1) for k in range(5)])


def test_only_nonseq_inputs():
    """`test_only_nonseq_inputs`: a step of non-sequences alone."""
    inp = pt.matrix()
    out = scan(lambda x: x + 1, non_sequences=[inp], n_steps=4, return_updates=False)
    values = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        function([inp], out)(values), np.stack([values + 1] * 4)
    )


def test_using_taps_input_output():
    """`test_using_taps_input_output`: sequence tap -2 and state taps [-1, -2]."""
    u, x0 = pt.vector("u"), pt.vector("x0")
    W_in, W = shared(0.4, name="w_in"), shared(0.7, name="w")
    out = scan(
        lambda u_tm2, x_tm1, x_tm2: u_tm2 * W_in + x_tm1 * W + x_tm2,
        dict(input=u, taps=-2),
        dict(initial=x0, taps=[-1, -2]),
        [],
        return_updates=False,
    )
    vu, vx0 = np.array([1.0, -2.0, 3.0, 0.5]), np.array([0.25, -1.5])
    first = vu[0] * 0.4 + vx0[1] * 0.7 + vx0[0]
    second = vu[1] * 0.4 + first * 0.7 + vx0[1]
    np.testing.assert_allclose(function([u, x0], out)(vu, vx0), [first, second])


def test_past_future_taps_shared():
    """`test_past_future_taps_shared`: sequence taps [-2, 2]."""
    u, x0 = pt.vector("u"), pt.vector("x0")
    out = scan(
        lambda u_tm2, u_tp2, x_tm1, x_tm2: (u_tm2 + u_tp2) * 0.5 + x_tm1 * 0.3 + x_tm2,
        dict(input=u, taps=[-2, 2]),
        dict(initial=x0, taps=[-1, -2]),
        return_updates=False,
    )
    vu, vx0 = np.arange(6.0), np.array([1.0, 2.0])
    first = (vu[0] + vu[4]) * 0.5 + vx0[1] * 0.3 + vx0[0]
    second = (vu[1] + vu[5]) * 0.5 + first * 0.3 + vx0[1]
    np.testing.assert_allclose(function([u, x0], out)(vu, vx0), [first, second])


def test_using_negative_taps_sequence():
    """`test_using_negative_taps_sequence`: taps [-2, -1] of a sequence give
    len - 2 steps, the first reading rows 0 and 1."""
    x = pt.fvector("x")
    res = scan(
        lambda a, b: a, sequences=dict(input=x, taps=[-2, -1]), return_updates=False
    )
    np.testing.assert_array_equal(
        function([x], res)(np.array([1, 2, 3, 4, 5], "float32")), [1, 2, 3]
    )


def test_mintap_onestep():
    """`test_mintap_onestep`: a lone future tap [2] read by one step.
    Difference: PyTensor's test starts the sum at a bare `0` (int8) while the
    step returns int32; PyTensor accepts that only because with `n_steps=1` it
    calls the step once instead of building a loop, and refuses the same
    program with `n_steps=2` (the state's dtype must not change). scanc
    applies the one rule whatever the number of steps, so the initial state is
    given as int32 here and the bare 0 is refused for both."""
    seq = pt.ivector("seq")

    def accumulate(init, n_steps):
        return scan(
            fn=lambda seq_t, prev: prev + seq_t,
            sequences={"input": seq, "taps": [2]},
            outputs_info=init,
            n_steps=n_steps,
            return_updates=False,
        )

    rs = accumulate(np.int32(0), 1)
    assert function([seq], rs)(np.arange(20, dtype="int32")) == 2
    for n_steps in (1, 2):
        with pytest.raises(TypeError, match="int8"):
            accumulate(0, n_steps)


def test_backwards():
    """`test_backwards`: `go_backwards=True` walks the sequence from its end."""
    u, x0 = pt.vector("u"), pt.scalar("x0")
    out = scan(
        lambda u_t, x: u_t + 2 * x, u, x0, go_backwards=True, return_updates=False
    )
    vu, state, expected = np.array([1.0, 2.0, 3.0]), 0.5, []
    for u_t in vu[::-1]:
        state = u_t + 2 * state
        expected.append(state)
    np.testing.assert_allclose(function([u, x0], out)(vu, 0.5), expected)


def test_output_padding():
    """`test_output_padding`: with one step, a dict-initialised output keeps
    its trace axis and a shared update keeps the variable's rank."""
    init_a = pt.vector()
    b = shared(np.ones((5, 4)))
    out, updates = scan(
        lambda a: (a + 1, {b: 2 * b}), outputs_info=[{"initial": init_a}], n_steps=1
    )
    assert out[-1].ndim == 1 and updates[b].ndim == 2
    out, updates = scan(lambda a: (a + 1, {b: 2 * b}), outputs_info=[init_a], n_steps=1)
    assert out.ndim == 2 and updates[b].ndim == 2


def test_outputs_taps_check():
    """`test_outputs_taps_check`: taps [0] and repeated taps are refused."""
    x, y = pt.fvector("x"), pt.fvector("y")
    with pytest.raises(ValueError):
        scan(lambda x, y: [x], x, {"initial": y, "taps": [0]})
    with pytest.raises(ValueError):
        scan(lambda x, y: [x], x, {"initial": y, "taps": [-1, -1]})


def test_infer_shape_nsteps_smaller_seq_length():
    """`test_infer_shape_nsteps_smaller_seq_length`: n_steps shorter than the
    sequence cuts it (the rewrite that removes the scan is PyTensor's; the
    sizes are the contract)."""
    x = pt.vector("x")
    o1, o2 = scan(
        lambda x, y: (x + 1, y + x),
        sequences=x,
        outputs_info=[None, x[0]],
        n_steps=20,
        return_updates=False,
    )
    sizes = function([x], [o1.shape[0], o2.shape[0]])(np.ones(30))
    assert [int(s) for s in sizes] == [20, 20]


def test_while():
    """`test_while`: `until` stops the loop; the trace ends at the step that
    made the condition true."""
    x = pt.dscalar("x")
    values = scan(
        lambda prev: (prev * 2, pytensor.scan.utils.until(prev * 2 > 50)),
        outputs_info=x,
        n_steps=100,
        return_updates=False,
    )
    np.testing.assert_array_equal(function([x], values)(1.0), [2, 4, 8, 16, 32, 64])


def test_shared_arguments_with_updates():
    """`test_shared_arguments_with_updates` (simplified): a step updating a
    shared variable; the update holds its last value after the call."""
    counter = shared(np.array(0.0), name="counter")
    x = pt.vector("x")
    out, updates = scan(
        lambda x_t: (x_t + counter, {counter: counter + 1}), sequences=x
    )
    f = function([x], out, updates=updates)
    np.testing.assert_array_equal(f(np.zeros(3)), [0.0, 1.0, 2.0])
    assert counter.get_value() == 3.0
    np.testing.assert_array_equal(f(np.zeros(2)), [3.0, 4.0])


def test_return_updates_api_change():
    """`test_return_updates_api_change`: `return_updates=False` returns the
    outputs alone and refuses a step whose updates it would drop. Difference:
    PyTensor 3 also warns (DeprecationWarning) when `return_updates` is left to
    its default, announcing a future change; scanc keeps the documented
    default without a warning, since the guides' programs rely on it."""
    x = shared(np.array(0.0))
    traced = scan(lambda x: x + 1, outputs_info=[x], n_steps=5, return_updates=False)
    assert isinstance(traced, pt.TensorVariable)
    traced2, updates2 = scan(lambda x: x + 1, outputs_info=[x], n_steps=5)
    assert updates2 == {} or not updates2
    with pytest.raises(ValueError, match="return_updates=False"):
        scan(lambda: {x: x + 1}, outputs_info=[], n_steps=5, return_updates=False)


def test_rng_outputs_info():
    """`test_rng_outputs_info`: a generator threaded as a recurrent output; the
    final generator is returned. Difference: PyTensor's draws equal NumPy's
    `Generator.normal` bit for bit (it calls NumPy); scanc's draws are its own
    Philox streams (docs/guide.md, "Random generators"), so the check is the
    chaining, not NumPy's numbers."""
    rng_init = pt.random.rng("rng")
    rng_x0, x0 = pt.random.normal(0, rng=rng_init, dtype="float64").owner.outputs

    def step(prev_x, prev_rng):
        next_rng, next_x = pt.random.normal(
            prev_x, rng=prev_rng, dtype="float64"
        ).owner.outputs
        return next_x, next_rng

    xs, rng_final = scan(
        fn=step, outputs_info=[x0, rng_x0], n_steps=10, return_updates=False
    )
    fn = function([rng_init], [xs, rng_final])
    xs_eval, rng_eval = fn(np.random.default_rng(0))
    assert xs_eval.shape == (10,) and isinstance(rng_eval, np.random.Generator)
    again, _ = fn(np.random.default_rng(0))
    np.testing.assert_array_equal(again, xs_eval)
    # the final generator continues the chain: two runs of 10 from it differ
    assert not np.array_equal(fn(rng_eval)[0], xs_eval)


def test_zero_steps_untraced_sit_sot():
    """`test_zero_steps_untraced_sit_sot` (through the public API): zero steps
    leave a shared variable's update at its value."""
    x = shared(np.array(3.0))
    n = pt.iscalar("n")
    out, updates = scan(lambda: {x: x + 1}, n_steps=n)
    f = function([n], [], updates=updates)
    f(0)
    assert x.get_value() == 3.0
    f(2)
    assert x.get_value() == 5.0


def test_grad_one_output():
    """`test_grad_one_output`: the gradient of an RNN's outputs with respect
    to its inputs, weights and initial state, against finite differences."""

    def rnn(u, x0, W_in, W):
        return scan(
            lambda u_t, x_tm1: u_t * W_in + x_tm1 * W, u, x0, return_updates=False
        )

    pytensor.gradient.verify_grad(
        lambda u, x0, W_in, W: rnn(u, x0, W_in, W),
        [np.array([0.5, -1.0, 2.0]), np.array(0.3), np.array(0.8), np.array(-0.6)],
    )


def test_grad_multiple_outs_taps():
    """`test_grad_multiple_outs_taps` (reduced): several outputs, one with taps
    [-1, -2], a sequence with taps [-1, 0]."""

    def model(u, x0, W):
        (x, y) = scan(
            lambda u_tm1, u_t, x_tm1, x_tm2: (
                u_t * W + x_tm1 * 0.5 - x_tm2 * 0.25,
                pt.tanh(x_tm1 + u_tm1),
            ),
            dict(input=u, taps=[-1, 0]),
            [dict(initial=x0, taps=[-1, -2]), None],
            return_updates=False,
        )
        return x.sum() + (y**2).sum()

    pytensor.gradient.verify_grad(
        model, [np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.2, -0.4]), np.array(0.7)]
    )


def test_missing_input_error():
    """`test_missing_input_error`: a shared variable's update in the step reads
    an input the step does not receive. Difference: PyTensor raises
    MissingInputError when it builds the scan, since it looks for such inputs
    in the step's outputs but not in its updates, while it accepts the same
    input used by an output; scanc treats both alike and passes the input to
    the loop, so the program runs. Under `strict=True`, where only shared
    variables must be passed, the same holds."""
    c = shared(0.0)
    inc = pt.scalar("inc")

    def count_up():
        return pt.zeros(()), {c: c + inc}

    _, updates = scan(count_up, n_steps=20)
    function([inc], [], updates=updates)(0.5)
    assert c.get_value() == 10.0


def test_disconnected_gradient():
    """`test_disconnected_gradient`: a cost that does not depend on an input
    raises, as `grad`'s `disconnected_inputs="raise"` default says; "ignore"
    gives zeros."""
    v, m = pt.vector("v"), pt.matrix("m")
    out = scan(lambda x: x * 2, sequences=[v], return_updates=False)
    with pytest.raises(pytensor.gradient.DisconnectedInputError):
        grad(out.sum(), m)
    zero = grad(out.sum(), m, disconnected_inputs="ignore")
    np.testing.assert_array_equal(
        function([m], zero)(np.ones((2, 2))), np.zeros((2, 2))
    )
