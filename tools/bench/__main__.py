"""`python tools/bench`: run the workloads for scanc and every installed peer.

Prints, per workload and peer: compile-to-first-result time, the median steady
time per call, and scanc's ratio to each peer (scanc / peer; below 1 means scanc
is faster), all measured in this one run, single-threaded. Also measures the
call overhead of a compiled function on tiny inputs and, in a fresh process,
graph-build-to-first-result of the A**k example. The peer `scanc-nopasses` is
scanc with the graph passes off (`mode="FAST_COMPILE"`); its ratio is what the
passes gain.

    python tools/bench [--only W1a,W3] [--peers scanc,numba] [--markdown FILE]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# run from the checkout (`python tools/bench`): the workloads import as `bench.*`
sys.path.insert(0, str(HERE.parent))

SINGLE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
if any(os.environ.get(k) != v for k, v in SINGLE_THREAD.items()):
    # NumPy's OpenBLAS may be loaded already (`python -m bench`): thread
    # settings take effect only in a fresh process
    os.environ.update(SINGLE_THREAD)
    os.execv(sys.executable, [sys.executable, str(HERE), *sys.argv[1:]])

if hasattr(os, "sched_setaffinity"):
    # one core for the whole process: libraries that start their own thread pools
    # whatever the variables say (XLA's runtime does, for large products and
    # elementwise ops) run on it too, as every other peer does
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from bench.memory import peak_bytes  # noqa: E402
from bench.peers import PEERS, available, builder  # noqa: E402
from bench.workloads import WORKLOADS, steps  # noqa: E402

FRESH_PROCESS_PROGRAM = """
import time
t0 = time.perf_counter()
import numpy as np
import scanc
import scanc.tensor as st
k = st.iscalar("k"); A = st.vector("A")
result, updates = scanc.scan(lambda p, A: p * A, outputs_info=st.ones_like(A),
                             non_sequences=A, n_steps=k)
power = scanc.function([A, k], result[-1], updates=updates)
power(np.arange(10.0), 2)
print(time.perf_counter() - t0)
"""


def warm_up(run, budget_s: float = 1.0) -> None:
    """Call `run` for about `budget_s` before timing it, as JIT benchmarks do:
    scanc compiles shape-specialized variants once calls have run as long as
    compiling took (JAX and Numba compile before their first result)."""
    start = time.perf_counter()
    while time.perf_counter() - start < budget_s:
        run()


def measure(
    run, budget_s: float = 1.0, min_runs: int = 5, max_runs: int = 200
) -> float:
    """Median seconds per call over repeated calls within about `budget_s`."""
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (
        len(times) < min_runs or time.perf_counter() - start < budget_s
    ):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        if len(times) >= 3 and time.perf_counter() - start > 20 * budget_s:
            break
    return statistics.median(times)


def run_workload(workload, peers, rows):
    data = workload.data()
    reference = workload.reference(data) if workload.reference else None
    for peer in peers:
        build = builder(workload, peer)
        if build is None:
            continue
        t0 = time.perf_counter()
        try:
            run = build(data, peer)
            result = run()
        except Exception as exc:  # a peer that cannot run this workload
            rows.append(
                (workload, peer, None, None, f"failed: {type(exc).__name__}: {exc}")
            )
            continue
        first = time.perf_counter() - t0
        ok = reference is None or _matches(result, reference)
        variants = _variants_made()
        warm_up(run)
        steady = measure(run)
        note = "" if ok else "WRONG RESULT"
        if peer.startswith("scanc") and _variants_made() > variants:
            note = f"{note} (specialized)".strip()
        peak = peak_bytes(run) if workload.peak_memory else None
        if peak is not None:
            note = f"{note} (peak {peak / 2**20:.1f} MiB)".strip()
        rows.append((workload, peer, first, steady, note))
        print(
            f"  {workload.id:5} {peer:15} first {first * 1e3:9.2f} ms   "
            f"steady {steady * 1e3:9.4f} ms {note}",
            flush=True,
        )


def _variants_made() -> int:
    from scanc.frontend.specialization import Variants

    return Variants.made


def _matches(result, reference) -> bool:
    got = np.asarray(result, dtype=float)
    return got.shape == np.shape(reference) and bool(
        np.allclose(got, reference, rtol=1e-7, atol=1e-12)
    )


def call_overhead() -> tuple[float, float]:
    """Seconds per call of `x + 1` on a 2-element vector, steady state (its
    specialized variant made, served by the native entry), and through Python
    (`Function._call`, the path of calls the native entry does not serve)."""
    import scanc
    import scanc.tensor as st

    x = st.vector("x")
    f = scanc.function([x], x + 1)
    tiny = np.ones(2)
    f.specialize(tiny)
    for _ in range(3):
        f(tiny)
    return _per_call(f, tiny), _per_call(f._call, tiny)


def _per_call(call, argument, n: int = 20000) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        call(argument)
    return (time.perf_counter() - t0) / n


def fresh_process_first_result() -> float:
    out = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_PROGRAM],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def table(rows, peers) -> str:
    lines = [
        "| workload | peer | compile to first result | steady per call | per step "
        "| scanc / peer |",
        "|---|---|---|---|---|---|",
    ]
    by_workload: dict[str, dict[str, float]] = {}
    for workload, peer, _, steady, _ in rows:
        if steady is not None:
            by_workload.setdefault(workload.id, {})[peer] = steady
    for workload, peer, first, steady, note in rows:
        if steady is None:
            lines.append(f"| {workload.id} | {peer} | {note} | | | |")
            continue
        scanc_time = by_workload[workload.id].get("scanc")
        ratio = f"{scanc_time / steady:.2f}" if scanc_time and peer != "scanc" else ""
        per_step = steady / steps(workload, workload.data())
        step_text = f"{per_step * 1e9:.2f} ns" if workload.per == "step" else ""
        lines.append(
            f"| {workload.id} | {peer} | {first * 1e3:.1f} ms | "
            f"{steady * 1e3:.4f} ms{' ' + note if note else ''} | {step_text} | "
            f"{ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python tools/bench")
    parser.add_argument("--only", default="", help="comma-separated workload ids")
    parser.add_argument("--peers", default="", help="comma-separated peers")
    parser.add_argument("--markdown", default="", help="also write the table here")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))
    peers = [
        p for p in (args.peers.split(",") if args.peers else PEERS) if available(p)
    ]
    missing = [p for p in PEERS if not available(p)]
    print(
        f"peers: {', '.join(peers)}"
        + (f" (not installed: {', '.join(missing)})" if missing else "")
    )
    rows: list = []
    for workload in WORKLOADS:
        if not wanted or workload.id in wanted:
            print(f"{workload.id}: {workload.description}", flush=True)
            run_workload(workload, peers, rows)
    native, python = call_overhead()
    first = fresh_process_first_result()
    text = table(rows, peers) + (
        f"\n\nCall overhead of a compiled function on tiny inputs: "
        f"{native * 1e6:.2f} us ({python * 1e6:.2f} us through Python)."
        "\nGraph build to first result of the A**k example in a "
        f"fresh process (imports included): {first:.3f} s.\n"
    )
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
