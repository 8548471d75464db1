"""Random streams: Philox4x32-10 bit for bit, statistics, reproducibility, scans."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.tensor.random import RandomStream

MASK32 = 0xFFFFFFFF


def philox_reference(key: int, counter: int) -> list[int]:
    """Philox4x32-10 (Random123) in Python, counter (c0, c1) = 64-bit counter."""
    k0, k1 = key & MASK32, (key >> 32) & MASK32
    c = [counter & MASK32, (counter >> 32) & MASK32, 0, 0]
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & MASK32, (k1 + 0xBB67AE85) & MASK32
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [
            ((p1 >> 32) ^ c[1] ^ k0) & MASK32,
            p1 & MASK32,
            ((p0 >> 32) ^ c[3] ^ k1) & MASK32,
            p0 & MASK32,
        ]
    return c


def test_reference_matches_the_published_known_answers():
    # Random123's kat_vectors: philox4x32 10 rounds, zero counter and key
    assert philox_reference(0, 0) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def test_uniform_draws_are_philox_bit_for_bit():
    srng = RandomStream(42)
    u = srng.uniform(size=(6,))
    f = scanc.function([], u)
    state = srng.state_updates[0][0].get_value()
    key = int(state[0]) & ((1 << 64) - 1)
    expected = []
    for i in range(6):  # elements 2j and 2j+1 share block j: words 0-1, then 2-3
        w = philox_reference(key, int(state[1]) + i // 2)
        high, low = (w[0], w[1]) if i % 2 == 0 else (w[2], w[3])
        expected.append((((high << 32) | low) >> 11) * 2.0**-53)
    np.testing.assert_array_equal(f(), expected)


def test_statistics_of_uniform_and_normal():
    srng = RandomStream(7)
    f = scanc.function(
        [],
        [
            srng.uniform(-1.0, 3.0, size=(200000,)),
            srng.normal(2.0, 0.5, size=(200000,)),
        ],
    )
    u, z = f()
    assert u.min() >= -1 and u.max() < 3
    assert abs(u.mean() - 1.0) < 0.02 and abs(u.var() - 16 / 12) < 0.02
    assert abs(z.mean() - 2.0) < 0.01 and abs(z.std() - 0.5) < 0.01


def test_binomial_counts_pass_a_chi_square_test():
    srng = RandomStream(3)
    f = scanc.function([], srng.binomial(10, 0.3, size=(100000,)))
    counts = np.bincount(f(), minlength=11)
    from math import comb

    expected = np.array([comb(10, k) * 0.3**k * 0.7 ** (10 - k) for k in range(11)])
    expected *= 100000
    keep = expected > 5  # pool nothing: every cell with enough expected counts
    chi2 = (((counts - expected) ** 2 / expected)[keep]).sum()
    assert chi2 < 30.6  # 99.9th percentile of chi-square with 10 degrees of freedom


def test_guide_spellings_of_binomial():
    trng = scanc.tensor.random.utils.RandomStream(1234)
    W, p = st.matrix("W"), st.vector("p")
    half = trng.binomial(size=W[1].shape)
    floats = trng.binomial(size=p.shape, n=1, p=p, dtype=scanc.config.floatX)
    f = scanc.function([W, p], [half, floats])
    h, fl = f(np.ones((2, 5)), np.array([0.0, 1.0, 0.0]))
    assert h.dtype == np.int64 and set(h.tolist()) <= {0, 1} and h.shape == (5,)
    assert fl.dtype == np.float64 and fl.tolist() == [0.0, 1.0, 0.0]


def test_same_seed_same_numbers_and_set_value_repeats():
    draws = []
    for _ in range(2):
        srng = RandomStream(99)
        f = scanc.function([], srng.normal(size=(5,)))
        draws.append((f(), f()))
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    assert not np.array_equal(draws[0][0], draws[0][1])  # the state advanced
    other = scanc.function([], RandomStream(100).normal(size=(5,)))()
    assert not np.array_equal(other, draws[0][0])
    srng = RandomStream(99)
    f = scanc.function([], srng.normal(size=(5,)))
    state = srng.state_updates[0][0]
    saved = state.get_value()
    first = f()
    state.set_value(saved)
    np.testing.assert_array_equal(f(), first)


def test_no_default_updates_repeats_the_draw():
    srng = RandomStream(5)
    f = scanc.function([], srng.uniform(size=(3,)), no_default_updates=True)
    np.testing.assert_array_equal(f(), f())


def test_each_scan_step_draws_fresh_numbers(mode):
    srng = RandomStream(11)
    n = st.iscalar("n")
    out, updates = scanc.scan(lambda: srng.uniform(size=(4,)), n_steps=n)
    f = scanc.function([n], out, updates=updates, mode=mode)
    first = f(5)
    assert len({tuple(row) for row in first}) == 5
    second = f(5)
    assert not np.array_equal(first, second)  # the final state came back in updates
    state = srng.state_updates[0][0]
    assert state.get_value()[1] == 2 * 5 * 2  # two calls of 5 steps of 2 blocks
    without = scanc.function([n], out, mode=mode)  # no updates: the same draws again
    np.testing.assert_array_equal(without(5), without(5))


def test_outer_draw_is_redrawn_each_step_unless_passed(mode):
    srng = RandomStream(12)
    d = srng.uniform(size=(3,))
    X = st.matrix("X")
    captured, updates = scanc.scan(lambda x: x * d, sequences=X)
    passed, _ = scanc.scan(lambda x, d: x * d, sequences=X, non_sequences=d)
    ones = np.ones((4, 3))
    rows = scanc.function([X], captured, updates=updates, mode=mode)(ones)
    assert len({tuple(r) for r in rows}) == 4
    same = scanc.function([X], passed, mode=mode)(ones)
    assert len({tuple(r) for r in same}) == 1


def test_negative_binomial_trials_are_refused():
    with pytest.raises(NotImplementedError, match="constant non-negative integer"):
        RandomStream(1).binomial(st.iscalar(), 0.5, size=(2,))
