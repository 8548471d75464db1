"""Input products computed a few rows ahead inside the loop that reads them
(`scanc.lowering.input_products`), against NumPy: with the tiles (every
matrix packed, so small sizes take them) and in each case that falls back to
the products before the loop."""

import numpy as np
import pytest
import scanc
import scanc.tensor as st
from scanc.gradient import verify_grad
from scanc import dtypes
from scanc.lowering import kernel_calls
from scanc.passes import input_products_in_loop as input_products

rng = np.random.default_rng(21)


@pytest.fixture(autouse=True)
def compile_every_function(monkeypatch):
    """These tests change compiler thresholds between compiles of one graph:
    every compile runs the pipeline instead of reusing shared machine code."""
    monkeypatch.setattr(scanc.config, "share_code", False)


@pytest.fixture
def pack_every_matrix():
    """The state product's matrix is packed whatever its size, so the input
    products' tiles run for small ones too."""
    with scanc.default_target(scanc.host().with_(pack_min_bytes=0, pack_min_steps=0)):
        yield


def gated_step(x, h, Wa, Wb, Ua, Ub):
    """Two input products of `x` (hoisted into `X . Wa`, `X . Wb`) and two
    state products of `h` (merged into one)."""
    return st.tanh(st.dot(x, Wa) + st.dot(h, Ua)) * st.sigmoid(
        st.dot(x, Wb) + st.dot(h, Ub)
    )


def numpy_gated(xs, h, Wa, Wb, Ua, Ub, steps=None):
    states = []
    for x in xs[: len(xs) if steps is None else steps]:
        h = np.tanh(x @ Wa + h @ Ua) / (1 + np.exp(-(x @ Wb + h @ Ub)))
        states.append(h)
    return np.array(states)


def matrices(inputs: int, hidden: int):
    scale = 1 / max(inputs, hidden) ** 0.5
    Wa, Wb = (rng.normal(size=(inputs, hidden)) * scale for _ in range(2))
    Ua, Ub = (rng.normal(size=(hidden, hidden)) * scale for _ in range(2))
    return Wa, Wb, Ua, Ub


def gated_function(mode, sequence=lambda X: X, **scan_args):
    X, h0 = st.matrix("X"), st.vector("h0")
    Ws = [st.matrix(name) for name in ("Wa", "Wb", "Ua", "Ub")]
    states, _ = scanc.scan(
        gated_step,
        sequences=sequence(X),
        outputs_info=h0,
        non_sequences=Ws,
        **scan_args,
    )
    return scanc.function([X, h0, *Ws], states, mode=mode)


CASES = {
    # tiles: inputs fewer than the hidden size, more, a partial last row group
    "tiled": (5, 32, 37),
    "tiled-more-inputs-than-hidden": (70, 32, 40),
    "tiled-whole-row-groups": (16, 48, 48),
    # products before the loop: columns not whole tile panels, too few steps
    "partial-tile-panel": (5, 24, 37),
    "too-few-steps": (5, 32, 15),
}


@pytest.mark.parametrize("case", CASES)
def test_gated_recurrence_matches_numpy(mode, case, pack_every_matrix):
    inputs, hidden, steps = CASES[case]
    weights = matrices(inputs, hidden)
    xs, h = rng.normal(size=(steps, inputs)), rng.normal(size=hidden)
    got = gated_function(mode)(xs, h, *weights)
    np.testing.assert_allclose(
        got, numpy_gated(xs, h, *weights), rtol=1e-12, atol=1e-12
    )


def test_tiles_and_products_before_the_loop_agree(pack_every_matrix, monkeypatch):
    # the same call with the tiles and without them (too few steps for them)
    weights = matrices(9, 64)
    xs, h = rng.normal(size=(50, 9)), rng.normal(size=64)
    tiled = gated_function("FAST_RUN")(xs, h, *weights)
    monkeypatch.setattr(input_products, "MIN_STEPS", 1 << 40)
    before = gated_function("FAST_RUN")(xs, h, *weights)
    np.testing.assert_allclose(tiled, before, rtol=1e-13, atol=1e-13)


def test_the_tiles_compute_the_products(pack_every_matrix, monkeypatch):
    # the matrix products before the loop, if they ran, would leave NaN: the
    # right result shows that the tiles computed every row the steps read
    def nan_product(lw, a, w, out, copy=False):
        nan = lw.b.const(float("nan"), dtypes.element_type(out.dtype))
        lw.b.loop_nest(out.sizes, lambda idx: lw.b.store(nan, out.ref, idx))

    monkeypatch.setattr(kernel_calls, "matrix_product", nan_product)
    inputs, hidden, steps = CASES["tiled"]
    weights = matrices(inputs, hidden)
    xs, h = rng.normal(size=(steps, inputs)), rng.normal(size=hidden)
    got = gated_function("FAST_RUN")(xs, h, *weights)
    np.testing.assert_allclose(
        got, numpy_gated(xs, h, *weights), rtol=1e-12, atol=1e-12
    )
    # and the same stand-in does show when the products run before the loop
    monkeypatch.setattr(input_products, "MIN_STEPS", 1 << 40)
    assert np.isnan(gated_function("FAST_RUN")(xs, h, *weights)).all()


def test_fewer_steps_than_rows(mode, pack_every_matrix):
    # rows past n_steps are never computed nor read
    k = st.iscalar("k")
    X, h0 = st.matrix("X"), st.vector("h0")
    Ws = [st.matrix(name) for name in ("Wa", "Wb", "Ua", "Ub")]
    states, _ = scanc.scan(
        gated_step, sequences=X, outputs_info=h0, non_sequences=Ws, n_steps=k
    )
    f = scanc.function([X, h0, k, *Ws], states, mode=mode)
    weights = matrices(7, 32)
    xs, h = rng.normal(size=(60, 7)), rng.normal(size=32)
    for steps in (60, 41, 16, 3, 0):
        want = numpy_gated(xs, h, *weights, steps=steps).reshape(steps, 32)
        np.testing.assert_allclose(
            f(xs, h, steps, *weights), want, rtol=1e-12, atol=1e-12
        )


def test_early_exit(mode, pack_every_matrix):
    X, h0, bound = st.matrix("X"), st.vector("h0"), st.scalar("bound")
    Ws = [st.matrix(name) for name in ("Wa", "Wb", "Ua", "Ub")]

    def step(x, h, Wa, Wb, Ua, Ub, bound):
        new = gated_step(x, h, Wa, Wb, Ua, Ub)
        return new, scanc.until(st.abs(new).sum() > bound)

    states, _ = scanc.scan(
        step, sequences=X, outputs_info=h0, non_sequences=[*Ws, bound]
    )
    f = scanc.function([X, h0, *Ws, bound], states, mode=mode)
    weights = matrices(6, 32)
    xs, h = rng.normal(size=(80, 6)), rng.normal(size=32)
    want = numpy_gated(xs, h, *weights)
    sums = np.abs(want).sum(axis=1)
    bound = np.sort(sums[20:40])[5]  # stops somewhere after the first rows
    stop = int(np.argmax(sums > bound)) + 1
    got = f(xs, h, *weights, bound)
    np.testing.assert_allclose(got, want[:stop], rtol=1e-12, atol=1e-12)


VIEWS = {
    # rows further apart than their length
    "columns": (lambda X: X[:, 3:], 11),
    # not readable where they are: the products before the loop
    "rows-reversed": (lambda X: X[::-1], 8),
    "every-other-row": (lambda X: X[::2], 8),
}


@pytest.mark.parametrize("view", VIEWS)
def test_sequence_views(mode, view, pack_every_matrix):
    take, columns = VIEWS[view]
    weights = matrices(8, 32)
    xs, h = rng.normal(size=(70, columns)), rng.normal(size=32)
    got = gated_function(mode, sequence=take)(xs, h, *weights)
    want = numpy_gated(take(xs), h, *weights)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_backwards_loop(mode, pack_every_matrix):
    weights = matrices(5, 32)
    xs, h = rng.normal(size=(30, 5)), rng.normal(size=32)
    got = gated_function(mode, go_backwards=True)(xs, h, *weights)
    np.testing.assert_allclose(got, numpy_gated(xs[::-1], h, *weights), rtol=1e-12)


def test_products_of_two_sequences(mode, pack_every_matrix):
    # x . Wa and z . Wb: the tiles compute one, the other runs before the loop
    X, Z, h0 = st.matrix("X"), st.matrix("Z"), st.vector("h0")
    Ws = [st.matrix(name) for name in ("Wa", "Wb", "Ua", "Ub")]

    def step(x, z, h, Wa, Wb, Ua, Ub):
        return st.tanh(st.dot(x, Wa) + st.dot(h, Ua)) * st.tanh(
            st.dot(z, Wb) + st.dot(h, Ub)
        )

    states, _ = scanc.scan(step, sequences=[X, Z], outputs_info=h0, non_sequences=Ws)
    f = scanc.function([X, Z, h0, *Ws], states, mode=mode)
    Wa, _, Ua, Ub = matrices(4, 32)
    Wb = rng.normal(size=(9, 32)) / 6
    xs, zs = rng.normal(size=(33, 4)), rng.normal(size=(33, 9))
    h0_value = rng.normal(size=32)
    h, want = h0_value, []
    for x, z in zip(xs, zs):
        h = np.tanh(x @ Wa + h @ Ua) * np.tanh(z @ Wb + h @ Ub)
        want.append(h)
    got = f(xs, zs, h0_value, Wa, Wb, Ua, Ub)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_product_read_after_the_loop_is_not_deferred(mode, pack_every_matrix):
    # X . Wa is also an output: computed before the loop, whole
    X, h0, Wa, Ua = st.matrix("X"), st.vector("h0"), st.matrix("Wa"), st.matrix("Ua")
    products = st.dot(X, Wa)
    states, _ = scanc.scan(
        lambda p, h, Ua: st.tanh(p + st.dot(h, Ua)),
        sequences=products,
        outputs_info=h0,
        non_sequences=Ua,
    )
    f = scanc.function([X, h0, Wa, Ua], [states, products], mode=mode)
    Wa_value, _, Ua_value, _ = matrices(5, 32)
    xs, h = rng.normal(size=(30, 5)), rng.normal(size=32)
    got_states, got_products = f(xs, h, Wa_value, Ua_value)
    np.testing.assert_allclose(got_products, xs @ Wa_value, rtol=1e-12, atol=1e-12)
    for x, row in zip(xs, got_states):
        h = np.tanh(x @ Wa_value + h @ Ua_value)
        np.testing.assert_allclose(row, h, rtol=1e-12, atol=1e-12)


def test_gradient_through_a_tiled_loop(pack_every_matrix):
    # the forward loop computes its input products in tiles; the gradient's
    # loops read them
    def gated(X, h0, Wa, Wb, Ua, Ub):
        states, _ = scanc.scan(
            gated_step, sequences=X, outputs_info=h0, non_sequences=[Wa, Wb, Ua, Ub]
        )
        return states

    weights = matrices(3, 16)
    verify_grad(gated, [rng.normal(size=(17, 3)), rng.normal(size=16), *weights])


@pytest.mark.parametrize("plan", ["on", "off"])
def test_the_plan_passes_on_and_off(plan, pack_every_matrix, monkeypatch):
    """With `pack-invariant-matrices` and `input-products-in-loop` (the plan
    stage leaves st.pack_panels, st.input_products and a `tiles` product) and
    without them (plain products), the same results as NumPy."""
    from scanc import pipeline
    from scanc.frontend import function as function_module

    stages = {}
    monkeypatch.setattr(
        function_module,
        "dump_hooks",
        [lambda name, stage, text: stages.setdefault(stage, text)],
    )
    if plan == "off":
        monkeypatch.setattr(pipeline, "run_plan", lambda module, target=None: None)
    weights = matrices(5, 32)
    xs, h = rng.normal(size=(37, 5)), rng.normal(size=32)
    got = gated_function("FAST_RUN")(xs, h, *weights)
    np.testing.assert_allclose(
        got, numpy_gated(xs, h, *weights), rtol=1e-12, atol=1e-12
    )
    chosen = ["st.pack_panels", "st.input_products", "{tiles}"]
    assert [op in stages["plan"] for op in chosen] == [plan == "on"] * 3
    kernels = ["kernel.vecmat_panels_tiles", "kernel.gemm_tiles"]
    assert [op in stages["loops"] for op in kernels] == [plan == "on"] * 2
