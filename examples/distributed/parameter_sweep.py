"""A parameter sweep and a batch of series on a Dask cluster, each worker
running one compiled scanc function.

The function is the log-likelihood of a GARCH(1,1) model (a scan over the
series). A compiled function pickles as its graph: a worker that receives it
compiles it once, or loads the machine code from scanc's compile cache when
another process compiled it already, and keeps it for every later task.

    python examples/distributed/parameter_sweep.py [workers]

needs the optional extra `distributed` (`pip install -e ".[distributed]"`).
"""

from __future__ import annotations

import sys
import time

import numpy as np

import scanc
import scanc.tensor as pt


def garch_loglike() -> scanc.Function:
    """`f(returns, omega, alpha, beta)`: the GARCH(1,1) log-likelihood of a
    series of returns (sigma^2_t = omega + alpha r_{t-1}^2 + beta sigma^2_{t-1})."""
    r = pt.vector("returns")
    omega, alpha, beta = pt.scalars("omega", "alpha", "beta")

    def step(r_prev, var_prev, omega, alpha, beta):
        return omega + alpha * r_prev**2 + beta * var_prev

    variances, _ = scanc.scan(
        step,
        sequences=[r[:-1]],
        outputs_info=[pt.var(r)],
        non_sequences=[omega, alpha, beta],
    )
    variances = pt.concatenate([pt.var(r)[None], variances])
    loglike = -0.5 * pt.sum(pt.log(2 * np.pi * variances) + r**2 / variances)
    return scanc.function([r, omega, alpha, beta], loglike)


def batch_loglike() -> scanc.Function:
    """`g(batch)`: the AR(1) log-likelihood (coefficient 0.5, unit noise) of
    each row of a `[series, time]` batch, as a `[series]` vector."""
    batch = pt.matrix("batch")

    def step(x_t, x_prev, total):
        return x_t, total - 0.5 * (x_t - 0.5 * x_prev) ** 2

    (_, totals), _ = scanc.scan(
        step,
        sequences=[batch.T[1:]],
        outputs_info=[batch.T[0], pt.zeros_like(batch[:, 0])],
    )
    return scanc.function([batch], totals[-1])


def grid(points: int) -> list[tuple[float, float, float]]:
    """(omega, alpha, beta) points with alpha + beta < 1."""
    rng = np.random.default_rng(0)
    alphas = rng.uniform(0.02, 0.3, points)
    betas = rng.uniform(0.3, 0.95, points) * (1 - alphas)
    return [(0.05, a, b) for a, b in zip(alphas, betas)]


def returns(length: int = 200_000) -> np.ndarray:
    return np.random.default_rng(1).standard_t(5, length) * 0.2


def sweep(client, f: scanc.Function, series, points) -> np.ndarray:
    """The log-likelihood at every point of `points`, one task per point;
    `series` is the returns as scattered to the workers."""
    futures = client.map(lambda p, r: f(r, *p), points, r=series, pure=False)
    return np.array([float(v) for v in client.gather(futures)])


def series_batch(count: int, length: int, rows_per_block: int):
    """A Dask array of `count` random series, made on the workers in blocks of
    rows."""
    import dask.array as da

    rng = da.random.default_rng(2)
    return rng.normal(size=(count, length), chunks=(rows_per_block, length))


def blockwise(g: scanc.Function, batch):
    """`g` over a Dask array of series, one call per block of rows."""
    return batch.map_blocks(g, drop_axis=1, dtype=batch.dtype)


def main(workers: int = 2) -> None:
    from dask.distributed import Client, LocalCluster

    f, series, points = garch_loglike(), returns(), grid(128)
    local = np.array([float(f(series, *p)) for p in points])
    with LocalCluster(n_workers=workers, threads_per_worker=1) as cluster:
        with Client(cluster) as client:
            on_workers = client.scatter(series, broadcast=True)
            sweep(client, f, on_workers, points[:8])  # each worker loads f
            start = time.perf_counter()
            remote = sweep(client, f, on_workers, points)
            elapsed = time.perf_counter() - start
            totals = blockwise(batch_loglike(), series_batch(4096, 500, 512)).compute()
    best = points[int(np.argmax(remote))]
    print(f"{len(points)} points on {workers} workers: {elapsed:.2f} s")
    print("same as a local run:", np.array_equal(remote, local))
    print(f"best (omega, alpha, beta): ({best[0]:.3f}, {best[1]:.3f}, {best[2]:.3f})")
    print("batch log-likelihoods:", totals.shape, f"{totals.mean():.3f} on average")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
