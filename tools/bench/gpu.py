"""G1: the GPU workloads, float32, scanc's `cuda` target against JAX's
`lax.scan` under `jax.jit` on the same GPU (and `torch.nn.LSTM`, cuDNN, for
W10), all measured in this one run.

    python tools/bench/gpu.py            # on a machine with a GPU
    python tools/bench/gpu.py --host     # no GPU: scanc's kernels run on the
                                         # host driver (gpu-sim), JAX on the
                                         # CPU; checks this script, times
                                         # mean nothing

Each workload is checked against its NumPy reference (float64) first. Times
are medians per call; per step is the call divided by the scan's steps. scanc
is called with device arrays where CuPy is installed (as JAX keeps its arrays
on the device), else with NumPy arrays (transfers included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.grad_workloads import _scanc_cost, w8_data, w8_jax, w8_reference  # noqa: E402
from bench.lstm_workloads import ARGS as W10_ARGS  # noqa: E402
from bench.lstm_workloads import w10_data, w10_graph, w10_jax, w10_reference  # noqa: E402
from bench.scan_workloads import (  # noqa: E402
    W5_ARGS,
    W6_ARGS,
    w5_data,
    w5_graph,
    w5_jax,
    w5_reference,
    w6_data,
    w6_graph,
    w6_jax,
    w6_reference,
)

#: what a workload is: its data, steps, reference, scanc graph, and peers
WORKLOADS = {
    "W5_h256": (w5_data(256), 1000, w5_reference, W5_ARGS, "w5", w5_jax),
    "W6_h64": (w6_data(64), 1000, w6_reference, W6_ARGS, "w6", w6_jax),
    "W8": (w8_data, 1000, w8_reference, W5_ARGS, "w8", w8_jax(True)),
    "W10": (w10_data(), 200, w10_reference, W10_ARGS, "w10", w10_jax),
}

#: the issue's targets: scanc per step (us), or scanc / peer
TARGETS = {
    "W5_h256": "<= 1 us/step",
    "W6_h64": "<= 1 us/step",
    "W8": "<= 0.3x JAX",
    "W10": "<= 0.5x cuDNN, <= 0.2x JAX",
}


def _float32(data: dict) -> dict:
    return {
        k: v.astype(np.float32)
        if isinstance(v, np.ndarray) and v.dtype.kind == "f"
        else v
        for k, v in data.items()
    }


def scanc_graph(kind: str):
    """(inputs, output) of a workload, built with scanc (in `config.floatX`)."""
    import scanc
    import scanc.tensor as st

    if kind == "w8":
        inputs, cost = _scanc_cost(st, scanc)
        return inputs, scanc.grad(cost, inputs[1])
    return {"w5": w5_graph, "w6": w6_graph, "w10": w10_graph}[kind]()


def torch_lstm(d: dict, device: str):
    """W10 as one `torch.nn.LSTM` layer holding the same weights."""
    import torch

    inputs = d["X"].shape[1]
    hidden = d["h0"].shape[0]
    lstm = torch.nn.LSTM(inputs, hidden).to(device=device, dtype=torch.float32)
    order = ("i", "f", "c", "o")  # torch's gate order: input, forget, cell, output
    with torch.no_grad():
        W = np.concatenate([d["W" + g] for g in order], axis=1)
        lstm.weight_ih_l0.copy_(torch.from_numpy(W[:inputs].T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(W[inputs:].T.copy()))
        lstm.bias_ih_l0.copy_(
            torch.from_numpy(np.concatenate([d["b" + g] for g in order]))
        )
        lstm.bias_hh_l0.zero_()
    X = torch.from_numpy(d["X"]).to(device)[:, None, :]
    state = tuple(
        torch.from_numpy(d[k]).to(device)[None, None, :] for k in ("h0", "c0")
    )

    def run():
        with torch.no_grad():
            out = lstm(X, state)[0][:, 0, :]
        if device == "cuda":
            torch.cuda.synchronize()
        return out

    return lambda: run().cpu().numpy()


def median_seconds(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, host: bool, repeats: int) -> dict:
    import scanc

    data_of, steps, reference, arg_names, kind, jax_build = WORKLOADS[name]
    d = _float32(data_of())
    want = reference(
        {
            k: v.astype(np.float64) if isinstance(v, np.ndarray) else v
            for k, v in d.items()
        }
    )
    scanc.config.floatX = "float32"
    inputs, output = scanc_graph(kind)
    f = scanc.function(inputs, output, target="cuda")
    args = [d[k] for k in arg_names]
    row = {"workload": name, "steps": steps}
    driver = scanc.cuda.host_driver(f) if host else scanc.cuda.driver(f.name)
    with scanc.cuda.use_driver(driver):
        got = np.asarray(f(*args))
        row["max error"] = float(np.max(np.abs(got - want)))
        device_args = _on_device(args)
        row["scanc"] = median_seconds(lambda: f(*device_args), repeats)
        row["scanc (numpy in/out)"] = median_seconds(lambda: f(*args), repeats)
    row["jax"] = median_seconds(jax_build(d, "jax"), repeats)
    if name == "W10":
        try:
            row["torch LSTM"] = median_seconds(
                torch_lstm(d, "cpu" if host else "cuda"), repeats
            )
        except ImportError:
            pass
    return row


def _on_device(args: list) -> list:
    try:
        import cupy
    except ImportError:
        return args
    return [cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def table(rows: list[dict]) -> str:
    lines = [
        "| workload | steps | max error | scanc ms | us/step | numpy in/out ms | JAX ms | scanc/JAX | torch LSTM ms | scanc/torch | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        torch_s = r.get("torch LSTM")
        torch_ms = "" if torch_s is None else f"{torch_s * 1e3:.3f}"
        torch_ratio = "" if torch_s is None else f"{r['scanc'] / torch_s:.2f}"
        lines.append(
            f"| {r['workload']} | {r['steps']} | {r['max error']:.1e} "
            f"| {r['scanc'] * 1e3:.3f} | {r['scanc'] / r['steps'] * 1e6:.2f} "
            f"| {r['scanc (numpy in/out)'] * 1e3:.3f} | {r['jax'] * 1e3:.3f} "
            f"| {r['scanc'] / r['jax']:.2f} "
            f"| {torch_ms} | {torch_ratio} "
            f"| {TARGETS[r['workload']]} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python tools/bench/gpu.py")
    parser.add_argument("--host", action="store_true", help="no GPU: the host driver")
    parser.add_argument("--only", default="", help="comma-separated workloads")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    names = [n for n in WORKLOADS if not args.only or n in args.only.split(",")]
    rows = []
    for name in names:
        print(f"=== {name}", flush=True)
        rows.append(measure(name, args.host, args.repeats))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
