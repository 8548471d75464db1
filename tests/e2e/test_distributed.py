"""Compiled functions on a Dask cluster of worker processes (the optional
extra `distributed`; skipped without it): `client.map` over a compiled
function and `map_blocks` of one over a batch axis give the local results,
and each worker builds the function once however many tasks carry it."""

import sys
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

sys.path.insert(0, str(Path(__file__).parents[2] / "examples" / "distributed"))
import parameter_sweep as example  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def built_functions():
    """On a worker: how many pure functions this process built, and how many
    times an unpickled copy found one built."""
    from scanc.frontend.function import _pure_function

    info = _pure_function.cache_info()
    return info.misses, info.hits


def test_parameter_sweep_equals_a_local_run(client):
    f, series, points = example.garch_loglike(), example.returns(5000), example.grid(40)
    on_workers = client.scatter(series, broadcast=True)
    remote = example.sweep(client, f, on_workers, points)
    local = np.array([float(f(series, *p)) for p in points])
    np.testing.assert_array_equal(remote, local)
    per_worker = client.run(built_functions)
    assert sum(hits for _, hits in per_worker.values()) > 0
    # each worker that ran tasks built the function once
    assert all(misses <= 1 for misses, _ in per_worker.values())


def test_map_blocks_over_a_batch_axis(client):
    g = example.batch_loglike()
    batch = example.series_batch(600, 50, 128)
    totals = example.blockwise(g, batch).compute()
    np.testing.assert_allclose(totals, g(batch.compute()), rtol=1e-12)
    assert totals.shape == (600,)


def test_a_function_with_shared_state_keeps_its_own_copy(client):
    import scanc
    import scanc.tensor as pt

    counter = scanc.shared(np.float64(0.0), name="counter")
    step = pt.scalar("step")
    f = scanc.function([step], counter + step, updates={counter: counter + step})

    def twice(f):
        f(1.0)
        return float(f(1.0))

    results = client.gather(client.map(twice, [f, f], pure=False))
    assert results == [2.0, 2.0]  # each task unpickled its own counter
    assert counter.get_value() == 0.0
