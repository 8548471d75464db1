"""PyTensor's API as its users write it: scan's keywords and spellings, variable
names of any kind, and the graph sugar of PyTensor's variables."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.scan.checkpoints import scan_checkpoints

xs = np.arange(1.0, 6.0)


def test_return_updates_false_returns_the_outputs_alone():
    x = st.vector("x")
    doubled = scanc.scan(lambda a: a * 2, sequences=x, return_updates=False)
    mapped = scanc.map(lambda a: a + 1, sequences=x, return_updates=False)
    total = scanc.reduce(
        lambda a, s: s + a,
        sequences=x,
        outputs_info=st.constant(0.0),
        return_updates=False,
    )
    left = scanc.foldl(
        lambda a, s: s * 2 + a,
        sequences=x,
        outputs_info=st.constant(0.0),
        return_updates=False,
    )
    right = scanc.foldr(
        lambda a, s: s * 2 + a,
        sequences=x,
        outputs_info=st.constant(0.0),
        return_updates=False,
    )
    chunked = scan_checkpoints(
        lambda a, s: s + a,
        sequences=[x],
        outputs_info=[st.constant(0.0)],
        save_every_N=2,
        return_updates=False,
    )
    f = scanc.function([x], [doubled, mapped, total, left, right, chunked])
    got = f(xs)
    np.testing.assert_array_equal(got[0], xs * 2)
    np.testing.assert_array_equal(got[1], xs + 1)
    assert got[2] == 15.0
    assert got[3] == 57.0 and got[4] == 129.0  # 1,2,3,4,5 folded left and right
    np.testing.assert_array_equal(got[5], [3.0, 10.0, 15.0])


def test_return_updates_false_refuses_to_drop_updates():
    count = scanc.shared(np.int64(0), "count")
    x = st.vector("x")
    with pytest.raises(ValueError, match="updates the shared variables count"):
        scanc.scan(
            lambda a: (a * 2, {count: count + 1}), sequences=x, return_updates=False
        )
    outputs, updates = scanc.scan(lambda a: (a * 2, {count: count + 1}), sequences=x)
    assert list(updates) == [count]


@pytest.mark.parametrize("outputs_info", [None, [], [None]])
def test_map_like_outputs(outputs_info):
    x = st.vector("x")
    out, _ = scanc.scan(lambda a: a * 3, sequences=x, outputs_info=outputs_info)
    np.testing.assert_array_equal(scanc.function([x], out)(xs), xs * 3)


@pytest.mark.parametrize(
    "taps", [range(-2, 1), (-2, -1, 0), [np.int64(-2), -1, 0], np.array([-2, -1, 0])]
)
def test_taps_as_pytensor_takes_them(taps):
    x = st.vector("x")
    out, _ = scanc.scan(
        lambda a, b, c: a + 10 * b + 100 * c, sequences=dict(input=x, taps=taps)
    )
    want = xs[:-2] + 10 * xs[1:-1] + 100 * xs[2:]
    np.testing.assert_array_equal(scanc.function([x], out)(xs), want)


@pytest.mark.parametrize("taps", [[0], [1], [-1, 0], [-1, -1], [-1.5]])
def test_invalid_output_taps_raise_value_error(taps):
    x, init = st.vector("x"), st.matrix("init")
    with pytest.raises(ValueError, match="taps"):
        scanc.scan(
            lambda a, *h: a,
            sequences=x,
            outputs_info=dict(initial=init, taps=taps),
        )


def test_an_int_initial_state_for_a_float_output_is_refused_as_pytensor_does():
    x = st.vector("x")
    with pytest.raises(TypeError, match="initial state .* has dtype int8"):
        scanc.scan(lambda a, h: h + a, sequences=x, outputs_info=0)
    out, _ = scanc.scan(lambda a, h: h + a, sequences=x, outputs_info=0.0)
    assert scanc.function([x], out[-1])(xs) == 15.0


@pytest.mark.parametrize(
    "name", ["", "a b", "a.b", "ünï", "%x", 'x"q', "1abc", "^bb0", "\n", "日本"]
)
def test_any_variable_or_function_name(name):
    v = st.vector(name)

    def step(a, h):
        return h + a

    h, _ = scanc.scan(step, sequences=v, outputs_info=st.constant(0.0), name=name)
    f = scanc.function([v], [v * 2, h, scanc.grad(h[-1], v)], name=name)
    doubled, sums, gradient = f(np.ones(3))
    np.testing.assert_array_equal(sums, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gradient, np.ones(3))


def test_step_functions_with_unicode_parameter_names():
    def step(ünï, h):
        return h + ünï

    v = st.vector("v")
    h, _ = scanc.scan(step, sequences=v, outputs_info=st.constant(0.0))
    np.testing.assert_array_equal(scanc.function([v], h)(xs), np.cumsum(xs))


def test_variable_methods_and_shape_sugar():
    m, v = st.matrix("m"), st.vector("v")
    a = np.arange(6.0).reshape(2, 3) / 7
    outs = [
        m.ravel(),
        m.mT,
        m.swapaxes(0, 1),
        m.copy(),
        m.exp(),
        m.tanh().sqrt(),
        m.log1p(),
        st.specify_shape(m, (2, None)),
        st.specify_shape(v, (3,)).dimshuffle("x", 0).squeeze(),
        m[0].set(v),
        m[:, 1].inc(1.0),
        m.clip(0.2, 0.5),
        (m * 7).round(),
        m.zeros_like() + m.ones_like(),
    ]
    want = [
        a.ravel(),
        a.T,
        a.T,
        a,
        np.exp(a),
        np.sqrt(np.tanh(a)),
        np.log1p(a),
        a,
        np.ones(3),
        np.array([[1.0, 1.0, 1.0], a[1]]).reshape(2, 3),
        a + [[0, 1, 0]],
        np.clip(a, 0.2, 0.5),
        np.round(a * 7),
        np.ones_like(a),
    ]
    f = scanc.function([m, v], outs)
    for got, expected in zip(f(a, np.ones(3)), want):
        np.testing.assert_allclose(got, expected, rtol=1e-15)
    with pytest.raises(ValueError, match="must have size 2 on axis 0"):
        f(np.ones((3, 3)), np.ones(3))


def test_squeeze_refuses_axes_not_known_to_have_size_one():
    with pytest.raises(ValueError, match="not known to have size 1"):
        st.matrix("m").squeeze(0)
    t = st.tensor("t", shape=(1, None, 1))
    assert t.squeeze().ndim == 1 and t.squeeze(2).ndim == 2


def test_eval():
    x = st.vector("x")
    np.testing.assert_array_equal((x * 2).eval({x: xs}), xs * 2)
    assert st.constant(3.0).eval() == 3.0


def test_constants_round_to_float32_as_numpy_does():
    c = st.constant(0.1, dtype="float32")
    assert c.dtype == "float32" and c.eval() == np.float32(0.1)
    with pytest.raises(TypeError, match="cannot be represented as int8"):
        st.constant(300, dtype="int8")
    with pytest.raises(TypeError, match="cannot be represented as float32"):
        st.constant(1e300, dtype="float32")


def test_nested_lists_mixing_variables_and_numbers():
    x = st.vector("x")
    pair = st.as_tensor_variable([[x[0], 2.0], [x[1], x[2]]])
    joined = st.concatenate([[x[-1]], x])  # the usual "prepend the last value"
    f = scanc.function([x], [pair, joined, st.as_tensor([x[0], 1])])
    got = f(xs)
    np.testing.assert_array_equal(got[0], [[1.0, 2.0], [2.0, 3.0]])
    np.testing.assert_array_equal(got[1], [5.0, *xs])
    np.testing.assert_array_equal(got[2], [1.0, 1.0])


def test_bitwise_operators():
    a, b = st.vector("a", dtype="int16"), st.vector("b", dtype="int16")
    p, q = np.array([3, -4, 7], "int16"), np.array([5, 6, -1], "int16")
    f = scanc.function([a, b], [a & b, a | b, a ^ b, ~a, 1 & a])
    for got, want in zip(f(p, q), [p & q, p | q, p ^ q, ~p, 1 & p]):
        np.testing.assert_array_equal(got, want)


def test_givens_replace_inputs_by_expressions():
    # the classic minibatch: the data lives in a shared variable, `givens`
    # feeds a slice of it where the graph reads `x`
    data = scanc.shared(np.arange(12.0).reshape(6, 2), "data")
    i, x = st.lscalar("i"), st.matrix("x")
    total = scanc.shared(0.0, "total")
    cost = (x**2).sum()
    f = scanc.function(
        [i],
        cost,
        updates={total: total + cost},
        givens={x: data[i * 2 : (i + 1) * 2]},
    )
    assert f(1) == 4.0**2 + 5.0**2 + 6.0**2 + 7.0**2
    assert total.get_value() == f(1) and f(0) == 0 + 1 + 4 + 9


def test_clone_replace_through_a_scan():
    x, w, w2 = st.vector("x"), st.scalar("w"), st.scalar("w2")
    h, _ = scanc.scan(
        lambda a, h, w: h * w + a,
        sequences=x,
        outputs_info=st.constant(0.0),
        non_sequences=w,
    )
    [h2] = scanc.clone_replace([h], {w: w2 * 2})
    f = scanc.function([x, w, w2], [h, h2])
    got, replaced = f(np.ones(3), 0.5, 1.0)
    np.testing.assert_array_equal(got, [1.0, 1.5, 1.75])
    np.testing.assert_array_equal(replaced, [1.0, 3.0, 7.0])
    with pytest.raises(TypeError, match="dtype and the number of dimensions"):
        scanc.clone_replace(h, {w: x})


def test_variable_type_as_pytensor_spells_it():
    x = st.matrix("x", shape=(None, 3))
    assert x.type.shape == (None, 3)
    assert x.type.ndim == 2 and x.type.dtype == "float64"
    assert x.type.broadcastable == (False, False)
    assert repr(x.type) == "TensorType(float64, shape=(None, 3))"
    assert (x[0] * 2).type == st.TensorType("float64", shape=(3,))
    y = x.type("y")  # a new input of x's type
    assert y.type == x.type and y is not x
    f = scanc.function([y], y.sum(axis=0))
    np.testing.assert_array_equal(f(np.ones((4, 3))), [4.0, 4.0, 4.0])
    assert st.TensorType("float64", shape=(None, None)).is_super(x.type)
    assert not x.type.is_super(st.TensorType("float64", shape=(None, None)))
    assert st.TensorType("int8", broadcastable=(True, False)).shape == (1, None)


def test_tensor_type_refuses_bad_arguments():
    with pytest.raises(TypeError, match="dtype 'complex128' is not supported"):
        st.TensorType("complex128", shape=())
    with pytest.raises(ValueError, match="negative size"):
        st.TensorType("float64", shape=(-1,))
    with pytest.raises(TypeError, match="needs shape"):
        st.TensorType("float64")


def test_in_gives_keywords_and_defaults_out_is_accepted():
    x, y = st.dscalars("x", "y")
    f = scanc.function(
        [x, scanc.In(y, value=1.0, name="why")], scanc.Out(x + y, borrow=True)
    )
    assert f(2.0) == 3.0 and f(2.0, 3.0) == 5.0 and f(2.0, why=5.0) == 7.0
    with pytest.raises(TypeError, match="missing input 'x'"):
        f()
    with pytest.raises(NotImplementedError, match="use a shared variable"):
        scanc.In(x, update=x + 1)


def test_plural_constructors():
    a, b = st.ivectors("a,b")
    assert (a.name, b.name, a.dtype, a.ndim) == ("a", "b", "int32", 1)
    m1, m2 = st.matrices(2)
    assert m1.ndim == 2 and m1 is not m2
    assert st.dscalars("z").name == "z"


def test_pt_shape_is_both_a_function_and_a_module():
    x = st.matrix("x")
    f = scanc.function([x], [st.shape(x)[1], st.zeros(st.shape(x)).sum()])
    assert [int(v) for v in f(np.ones((2, 3)))] == [3, 0]
    assert len(st.shape(x)) == 2
    assert st.shape.specify_shape is st.specify_shape


def test_graph_replace_module():
    from scanc.graph import clone_replace
    from scanc.graph.replace import graph_replace

    x, y = st.vector("x"), st.vector("y")
    f = scanc.function(
        [y], [graph_replace(x * 2, {x: y}), clone_replace(x + 1, {x: y})]
    )
    assert [list(v) for v in f(np.ones(2))] == [[2.0, 2.0], [2.0, 2.0]]
