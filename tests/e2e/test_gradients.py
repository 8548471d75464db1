"""Gradients: every differentiable op against central finite differences."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.gradient import DisconnectedInputError, verify_grad

rng = np.random.default_rng(5)
A = rng.uniform(0.3, 0.9, (3, 4))
B = rng.uniform(0.3, 0.9, (3, 4))
v = rng.uniform(0.2, 0.8, 4)

UNARY = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "arctanh",
    "erf",
    "abs",
    "square",
    "reciprocal",
]


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    verify_grad(getattr(st, name), [A])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a**b,
        lambda a, b: st.maximum(a, b),
        lambda a, b: st.minimum(a, b),
        lambda a, b: st.switch(a > b, a * 2, b * 3),
        lambda a, b: -a + abs(b),
        lambda a, b: st.arctan2(a, b - 1.5),
    ],
    ids=[
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "maximum",
        "minimum",
        "switch",
        "neg-abs",
        "arctan2",
    ],
)
def test_binary(fn):
    verify_grad(fn, [A, B])


def test_broadcasting():
    verify_grad(lambda a, w: a * w + w, [A, v])
    verify_grad(lambda a: a * 2.5 + 1, [A])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.sum(),
        lambda a: a.sum(axis=0),
        lambda a: a.sum(axis=1, keepdims=True),
        lambda a: a.prod(axis=1),
        lambda a: a.max(axis=0),
        lambda a: a.min(),
        lambda a: a.mean(axis=1),
    ],
    ids=["sum", "sum0", "sum1-keep", "prod", "max", "min", "mean"],
)
def test_reductions(fn):
    verify_grad(fn, [A])


@pytest.mark.parametrize(
    "fn,points",
    [
        (lambda a, w: st.dot(a, w), [A, v]),
        (lambda x, w: st.dot(x, w), [v, A.T]),
        (lambda a, b: st.dot(a, b.T), [A, B]),
        (lambda x, y: st.dot(x, y), [v, v[::-1]]),
        (lambda x, y: st.outer(x, y), [v, v]),
    ],
    ids=["matrix-vector", "vector-matrix", "matrix-matrix", "vector-vector", "outer"],
)
def test_products(fn, points):
    verify_grad(fn, points)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a[1],
        lambda a: a[:, ::-2],
        lambda a: a[-1, 2],
        lambda a: a.T,
        lambda a: a.reshape((2, 6)),
        lambda a: a.flatten(),
        lambda a: a[[0, 2, 0]],
        lambda a: st.concatenate([a, a * 2], axis=1),
        lambda a: st.stack([a, a]),
        lambda a: st.set_subtensor(a[1], a[0] * 3),
        lambda a: st.inc_subtensor(a[:, 1:], a[:, :3]),
        lambda a: a.dimshuffle(1, "x", 0),
        lambda a: st.diagonal(a, 1) * st.diagonal(a, -1)[:2].sum(),
    ],
    ids=[
        "row",
        "slice",
        "element",
        "T",
        "reshape",
        "flatten",
        "take",
        "concat",
        "stack",
        "set",
        "inc",
        "dimshuffle",
        "diagonal",
    ],
)
def test_layout_and_indexing(fn):
    verify_grad(fn, [A])


ROWS_MASK = np.array([True, False, True])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: st.set_subtensor(a[[2, 0]], b[:2] * 3),
        lambda a, b: st.inc_subtensor(a[[2, 0, 2]], b),
        # repeated indices: only the last write of each row reaches the result
        lambda a, b: st.set_subtensor(a[[1, 1, 0]], b),
        lambda a, b: st.set_subtensor(a[:, [3, 0, 3]], b[:, :3]),
        lambda a, b: st.inc_subtensor(a[:, [[1], [1]]], b[:, :2, None]),
        lambda a, b: st.set_subtensor(a[[0, 2, 0]], b[0]),  # broadcast value
        lambda a, b: a[ROWS_MASK] * b[:2],
        lambda a, b: st.set_subtensor(a[ROWS_MASK], b[1:] ** 2),
        lambda a, b: st.inc_subtensor(a[ROWS_MASK], b[0]),
    ],
    ids=[
        "set-take",
        "inc-take-repeated",
        "set-take-repeated",
        "set-take-axis1",
        "inc-take-2d-indices",
        "set-take-broadcast",
        "mask",
        "set-mask",
        "inc-mask-broadcast",
    ],
)
def test_updates_through_index_arrays_and_masks(fn):
    verify_grad(fn, [A, B])


def test_cast_passes_the_gradient_in_the_input_dtype():
    x = st.vector("x")
    g = scanc.grad((st.cast(x, "float32") * 2).sum(), x)
    got = scanc.function([x], g)(v)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.full(4, 2.0))


def test_consider_constant_and_grad_of_grad():
    x = st.vector("x")
    y = (x**3).sum()
    g = scanc.grad(y, x)
    h = scanc.grad(g.sum(), x)  # second derivative: 6x
    f = scanc.function([x], [g, h])
    gv, hv = f(v)
    np.testing.assert_allclose(gv, 3 * v**2, rtol=1e-12)
    np.testing.assert_allclose(hv, 6 * v, rtol=1e-12)
    x2 = st.vector("x2")
    e = st.exp(x2)
    stopped = scanc.grad((x2 * e).sum(), x2, consider_constant=[e])
    np.testing.assert_allclose(scanc.function([x2], stopped)(v), np.exp(v), rtol=1e-12)


def test_errors_name_what_is_wrong():
    x, i = st.vector("x"), st.ivector("i")
    with pytest.raises(TypeError, match="cost must be a scalar"):
        scanc.grad(x * 2, x)
    with pytest.raises(TypeError, match="integer"):
        scanc.grad((i * 2.0).sum(), i)
    other = st.vector("other")
    with pytest.raises(DisconnectedInputError, match="does not depend on other"):
        scanc.grad(x.sum(), other)
    zero = scanc.grad(x.sum(), other, disconnected_inputs="ignore")
    f = scanc.function([other], zero)
    np.testing.assert_array_equal(f(np.ones(3)), np.zeros(3))
    with pytest.warns(UserWarning, match="does not depend"):
        scanc.grad(x.sum(), other, disconnected_inputs="warn")


def test_spellings():
    assert scanc.gradient.grad is scanc.grad
    x = st.scalar("x")
    g = st.grad(x * x, x)
    assert scanc.function([x], g)(3.0) == 6.0


def test_known_grads_seed_intermediate_values():
    x, W, gy = st.vector("x"), st.matrix("W"), st.vector("gy")
    y = st.tanh(st.dot(x, W))
    a, w, b = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    y_value = np.tanh(a @ w)
    # no cost: the gradient of sum(y * gy) with gy constant
    only_known = scanc.function([x, W, gy], scanc.grad(None, W, known_grads={y: gy}))
    np.testing.assert_allclose(
        only_known(a, w, b), np.outer(a, b * (1 - y_value**2)), rtol=1e-12
    )
    # with a cost: both adjoints of y add up
    both = scanc.grad((y**2).sum(), x, known_grads={y: gy})
    np.testing.assert_allclose(
        scanc.function([x, W, gy], both)(a, w, b),
        w @ ((2 * y_value + b) * (1 - y_value**2)),
        rtol=1e-12,
    )


def test_known_grads_through_a_scan():
    x0, w, gh = st.vector("x0"), st.vector("w"), st.matrix("gh")
    h, _ = scanc.scan(lambda h, w: h * w, outputs_info=x0, non_sequences=w, n_steps=3)
    f = scanc.function([x0, w, gh], scanc.grad(None, x0, known_grads={h: gh}))
    a, v, g = rng.normal(size=2), rng.normal(size=2), rng.normal(size=(3, 2))
    # h[t] = x0 * w^(t+1): d/dx0 sum(h * g) = sum_t g[t] * w^(t+1)
    expected = sum(g[t] * v ** (t + 1) for t in range(3))
    np.testing.assert_allclose(f(a, v, g), expected, rtol=1e-12)


def test_known_grads_errors():
    x = st.vector("x")
    with pytest.raises(TypeError, match="cost is None"):
        scanc.grad(None, x)
    with pytest.raises(TypeError, match="dict"):
        scanc.grad(x.sum(), x, known_grads=[(x, x)])
    with pytest.raises(ValueError, match="dimensions"):
        scanc.grad(None, x, known_grads={x * 2: st.matrix("g")})


def test_gradient_marks():
    from scanc.gradient import disconnected_grad, grad_clip, grad_scale, zero_grad

    x = st.vector("x")
    data = np.array([1.0, -2.0, 0.5])
    parts = [
        (grad_clip(x, -1.0, 1.0) * 5).sum(),  # d = clip(5, -1, 1) = 1
        (grad_scale(x, 3.0) ** 2).sum(),  # d = 3 * 2x
        zero_grad(x).sum() * 7,  # d = 0
        (disconnected_grad(x) * x).sum(),  # d = x (only the second factor)
    ]
    f = scanc.function([x], [sum(parts), *[scanc.grad(p, x) for p in parts]])
    value, *grads = f(data)
    assert value == 5 * data.sum() + (data**2).sum() + 7 * data.sum() + (data**2).sum()
    for got, want in zip(grads, [np.ones(3), 6 * data, np.zeros(3), data]):
        np.testing.assert_allclose(got, want, rtol=1e-15)
    with pytest.raises(DisconnectedInputError):
        scanc.grad(disconnected_grad(x).sum(), x)


def test_gradient_marks_inside_a_scan():
    from scanc.gradient import grad_clip

    x, w = st.vector("x"), st.scalar("w")
    h, _ = scanc.scan(
        lambda a, h, w: grad_clip(h * w, -0.1, 0.1) + a,
        sequences=x,
        outputs_info=st.constant(0.0),
        non_sequences=w,
    )
    g = scanc.function([x, w], scanc.grad(h[-1], w))(np.ones(3), 2.0)
    # h1, h2 = 1, 3. Every step's adjoint into h * w is clipped to 0.1 (it is
    # 1 at the last step, 0.1 * w = 0.2 before), so d h3 / d w = 0.1 * h2 +
    # 0.1 * h1 + 0.1 * h0 = 0.4 (without the clip: 1 * 3 + 2 * 1 + 4 * 0 = 5)
    np.testing.assert_allclose(g, 0.4, rtol=1e-12)
