"""Shape-specialized variants: when they are made, that they compute what the
generic code computes, and that they never serve arrays of other sizes.

(`python3 tools/dev.py test` also runs every end-to-end test with
`SCANC_SPECIALIZE=eager`, so each of them goes through variants too.)"""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.frontend.specialization import SpecializationWarning, small_sizes


@pytest.fixture
def specialize(monkeypatch):
    def set_mode(mode: str) -> None:
        monkeypatch.setattr(scanc.config, "specialize", mode)

    return set_mode


def taps_recurrence(mode):
    """W6's recurrence: two taps and three small products per step."""
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
    return scanc.function([X, U, V, W, b, n], out, mode=mode)


def taps_inputs(h: int, n: int = 50):
    rng = np.random.default_rng(h)
    return (
        [rng.normal(size=(2, h))]
        + [rng.normal(size=(h, h)) * 0.5 / h for _ in range(3)]
        + [rng.normal(size=h) * 0.1, n]
    )


def power_function():
    A, k = st.vector("A"), st.iscalar("k")
    power, _ = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    return scanc.function([A, k], power[-1])


def test_small_sizes_keep_only_small_dims():
    key = small_sizes([np.zeros((1000, 2)), 3.0, np.zeros((40, 50)), np.zeros(3)], 16)
    assert key == ((None, 2), None, None, (3,))
    assert small_sizes([np.zeros((100, 100)), 7], 16) is None


def test_eager_variant_matches_generic_code(mode, specialize):
    f = taps_recurrence(mode)
    specialize("off")
    for h in (1, 2, 3):
        generic = f(*taps_inputs(h))
        specialize("eager")
        np.testing.assert_allclose(f(*taps_inputs(h)), generic, rtol=1e-13)
        specialize("off")
    assert len(f.variants.native) == 3
    assert all(v is not None for v in f.variants.native.values())


def test_variant_serves_other_lengths_of_large_axes(specialize):
    specialize("eager")
    xs = st.matrix("xs")
    out, _ = scanc.scan(lambda x, h: st.tanh(h + x), sequences=xs, outputs_info=xs[0])
    f = scanc.function([xs], out)
    rng = np.random.default_rng(1)
    for t in (100, 300, 1000):
        x = rng.normal(size=(t, 2))
        expected, h = [], x[0]
        for row in x:
            h = np.tanh(h + row)
            expected.append(h)
        np.testing.assert_allclose(f(x), expected, rtol=1e-12, atol=1e-15)
    assert list(f.variants.native) == [((None, 2),)]


def test_auto_mode_specializes_after_the_compile_time_is_spent(specialize):
    specialize("auto")
    f = taps_recurrence("FAST_RUN")
    args = taps_inputs(2, n=200)
    f.variants.compile_seconds = 1e-3  # so that a few calls are enough
    first = f(*args)
    assert not f.variants.native
    for _ in range(1000):
        if f.variants.native:
            break
        np.testing.assert_allclose(f(*args), first, rtol=1e-13)
    key = small_sizes(args, scanc.config.specialize_max_size)
    assert f.variants.native[key] is not None
    np.testing.assert_allclose(f(*args), first, rtol=1e-13)


def test_explicit_specialize_and_off(specialize):
    specialize("off")
    f = taps_recurrence("FAST_RUN")
    args = taps_inputs(2)
    first = f(*args)
    assert not f.variants.native
    f.specialize(*args)
    assert len(f.variants.native) == 1
    specialize("auto")
    np.testing.assert_allclose(f(*args), first, rtol=1e-13)


def test_other_sizes_never_reach_a_variant(specialize):
    specialize("eager")
    f = power_function()
    for n in (3, 4, 3, 40):
        a = np.linspace(0.5, 1.5, n)
        np.testing.assert_allclose(f(a, 7), a**7, rtol=1e-13)
    assert set(f.variants.native) == {((3,), None), ((4,), None)}


def test_variant_checks_the_sizes_it_was_made_for(specialize):
    """Called directly with other sizes, the variant's code refuses them."""
    specialize("eager")
    f = power_function()
    f(np.ones(3), 2)
    variant = f.variants.native[((3,), None)]
    with pytest.raises(ValueError, match="input A must have size 3 on axis 0"):
        variant([np.ones(5), 2])


def test_gradients_and_updates_in_a_variant(specialize):
    specialize("off")
    W = scanc.shared(np.array([[0.5, -0.2], [0.1, 0.3]]), name="W")
    count = scanc.shared(np.int64(0), name="count")
    x0 = st.vector("x0")
    xs, _ = scanc.scan(lambda h: st.tanh(st.dot(h, W)), outputs_info=x0, n_steps=20)
    cost = xs[-1].sum()
    f = scanc.function([x0], [cost, scanc.grad(cost, W)], updates={count: count + 1})
    x = np.array([0.3, -0.7])
    generic = f(x)
    specialize("eager")
    variant = f(x)
    assert len(f.variants.native) == 1
    np.testing.assert_allclose(variant[0], generic[0], rtol=1e-13)
    np.testing.assert_allclose(variant[1], generic[1], rtol=1e-14)
    assert count.get_value() == 2


def test_random_draws_agree_with_the_generic_code(specialize):
    from scanc.tensor.random import RandomStream

    specialize("off")
    srng = RandomStream(3)
    x0 = st.vector("x0")
    xs, updates = scanc.scan(
        lambda h: h + srng.normal(size=h.shape), outputs_info=x0, n_steps=30
    )
    f = scanc.function([x0], xs, updates=updates)
    state = [v.get_value().copy() for v in updates]
    generic = f(np.zeros(2))
    for var, value in zip(updates, state):
        var.set_value(value)
    specialize("eager")
    np.testing.assert_allclose(f(np.zeros(2)), generic, rtol=1e-13)
    assert len(f.variants.native) == 1


def test_sizes_the_code_rejects_fail_as_in_the_generic_code(specialize):
    specialize("eager")
    a, b = st.matrix("a"), st.matrix("b")
    f = scanc.function([a, b], st.dot(a, b))
    with pytest.raises(ValueError, match="not aligned"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_a_variant_that_fails_to_compile_warns_and_falls_back(specialize):
    specialize("eager")
    f = taps_recurrence("FAST_RUN")

    def broken(shapes):
        raise RuntimeError("no variant today")

    f.variants.compile = broken
    args = taps_inputs(2)
    with pytest.warns(SpecializationWarning, match="no variant today"):
        result = f(*args)
    np.testing.assert_allclose(result, f.native([*args[:-1], args[-1]])[0])
    f(*args)  # reported once, not tried again


def test_at_most_max_variants_per_function(specialize):
    from scanc.frontend.specialization import MAX_VARIANTS

    specialize("eager")
    f = power_function()
    for n in range(1, MAX_VARIANTS + 3):
        a = np.linspace(0.5, 1.5, n)
        np.testing.assert_allclose(f(a, 3), a**3, rtol=1e-13)
    assert len(f.variants.native) == MAX_VARIANTS
    f.specialize(np.ones(MAX_VARIANTS + 5), 3)  # asked for: still none beyond
    assert len(f.variants.native) == MAX_VARIANTS


def test_a_function_that_returns_an_input_specializes():
    x = st.vector("x")
    f = scanc.function([x], [x, x * 2])
    f.specialize(np.ones(3))  # a failed variant would warn (an error in the tests)
    got = f(np.arange(3.0))
    np.testing.assert_array_equal(got[0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(got[1], [0.0, 2.0, 4.0])
