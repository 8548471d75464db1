"""Threads call one compiled function at the same time: each has a frame of its
own (the native code runs without the GIL); code that keeps buffers between
calls (allow_gc=False) is called by one thread at a time."""

import threading

import numpy as np
import pytest

import scanc
import scanc.tensor as st


def run_in_threads(work, count=6):
    failures: list = []

    def guarded(seed):
        try:
            work(seed)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append((seed, error))

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


@pytest.mark.parametrize("allow_gc", [True, False])
def test_concurrent_calls_get_their_own_results(allow_gc):
    x, k = st.vector("x"), st.iscalar("k")
    h, _ = scanc.scan(
        lambda h: st.tanh(h) + 1.0, outputs_info=x, n_steps=k, allow_gc=allow_gc
    )
    f = scanc.function([x, k], [h[-1], h.sum(axis=0)])

    def work(seed):
        rng = np.random.default_rng(seed)
        for _ in range(60):
            v, n = rng.normal(size=int(rng.integers(1, 40))), int(rng.integers(1, 300))
            rows = [v]
            for _ in range(n):
                rows.append(np.tanh(rows[-1]) + 1.0)
            last, total = f(v, n)
            np.testing.assert_allclose(last, rows[-1], rtol=1e-13)
            np.testing.assert_allclose(total, np.sum(rows[1:], axis=0), rtol=1e-12)

    run_in_threads(work)


def test_errors_in_concurrent_calls():
    x, i = st.vector("x"), st.lscalar("i")
    f = scanc.function([x, i], x[i] * 2)

    def work(seed):
        for n in range(100):
            if (n + seed) % 3 == 0:
                with pytest.raises(IndexError, match="out of bounds"):
                    f(np.arange(4.0), 4 + n)
            else:
                assert f(np.arange(4.0), n % 4) == 2.0 * (n % 4)

    run_in_threads(work)


def test_each_call_sees_other_calls_updates_whole():
    """Two shared variables updated together: a call reading them between
    another call's two stores would see them differ."""
    a = scanc.shared(np.zeros(64), "a")
    b = scanc.shared(np.zeros(64), "b")
    x = st.vector("x")
    f = scanc.function(
        [x], (a - b).sum() + x.sum() * 0, updates={a: a + 1.0, b: b + 1.0}
    )
    differences = []

    def worker():
        for _ in range(300):
            differences.append(float(f(np.ones(3))))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(differences) == 1200 and set(differences) == {0.0}
    assert np.array_equal(a.get_value(), b.get_value())
