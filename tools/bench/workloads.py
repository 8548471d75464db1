"""The benchmark's workloads (definitions, sizes and seeds as in the shared
workload list), each with its data, a NumPy reference result (None for random
draws) and, per peer, a builder returning a zero-argument callable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from bench.foundation import W1, W2, W3, w1_data, w2_data, w3_data
from bench.grad_workloads import (
    W8,
    W8_CHECKPOINTS,
    W8_FORWARD,
    W9,
    w8_data,
    w8_forward_reference,
    w8_reference,
    w9_data,
    w9_reference,
)
from bench.linalg_workloads import K1, k1_data, k1_reference
from bench.lstm_workloads import W10, w10_data, w10_reference
from bench.random_workloads import R1, R2, r1_data, r2_data
from bench.scan_workloads import (
    W4,
    W5,
    W6,
    W7,
    w4_data,
    w5_data,
    w5_reference,
    w6_data,
    w6_reference,
    w7_data,
    w7_reference,
)
from bench.tensor_workloads import (
    T1,
    T2,
    T3,
    T4,
    t1_data,
    t1_reference,
    t2_data,
    t2_reference,
    t3_data,
    t3_reference,
    t4_data,
    t4_reference,
)


@dataclass
class Workload:
    id: str
    description: str
    data: Callable[[], dict]
    builders: dict[str, Callable[[dict, str], Callable[[], object]]]
    reference: Callable[[dict], np.ndarray] | None
    per: str = "call"
    peak_memory: bool = False  # also report the peak memory of one call


WORKLOADS = [
    Workload(
        "W1a",
        "A**k, len(A)=10, k=100000, result[-1]",
        w1_data(10, 100000, 0.99999, 1.00001, 1),
        W1,
        lambda d: d["A"] ** d["k"],
        per="step",
    ),
    Workload(
        "W1b",
        "A**k, len(A)=100000, k=100, result[-1]",
        w1_data(100000, 100, 0.99, 1.01, 2),
        W1,
        lambda d: d["A"] ** d["k"],
        per="step",
    ),
    Workload(
        "W2",
        "polynomial, 100000 coefficients",
        w2_data,
        W2,
        lambda d: np.polynomial.polynomial.polyval(d["x"], d["c"]),
    ),
    Workload(
        "W3",
        "triangular numbers, up_to=1000000, int64",
        w3_data,
        W3,
        lambda d: np.cumsum(np.arange(d["n"], dtype=np.int64)),
    ),
    Workload(
        "W4",
        "rowwise tanh(X[t].W + b), X 1000x64, W 64x64",
        w4_data,
        W4,
        lambda d: np.tanh(d["X"] @ d["W"] + d["b"]),
    ),
    Workload(
        "W5_h64",
        "x(t)=tanh(x(t-1).W + y(t).U + p(T-t).V), hidden 64, T=1000",
        w5_data(64),
        W5,
        w5_reference,
    ),
    Workload("W5_h256", "same, hidden 256", w5_data(256), W5, w5_reference),
    Workload(
        "W6_h2",
        "taps [-2,-1] recurrence, hidden 2, n=1000",
        w6_data(2),
        W6,
        w6_reference,
    ),
    Workload("W6_h64", "same, hidden 64", w6_data(64), W6, w6_reference),
    Workload(
        "W7_45",
        "powers of two until above 45 (6 steps)",
        w7_data(45.0),
        W7,
        w7_reference,
    ),
    Workload(
        "W7_1e300",
        "powers of two until above 1e300 (997 steps)",
        w7_data(1e300),
        W7,
        w7_reference,
    ),
    Workload(
        "W8_fwd",
        "W5 recurrence, hidden 128, T=1000: sum(x_T) (forward only)",
        w8_data,
        W8_FORWARD,
        w8_forward_reference,
        peak_memory=True,
    ),
    Workload(
        "W8",
        "same: gradient of sum(x_T) with respect to W (forward+backward)",
        w8_data,
        W8,
        w8_reference,
        peak_memory=True,
    ),
    Workload(
        "W8_ckpt",
        "same gradient, scan_checkpoints with save_every_N=25",
        w8_data,
        W8_CHECKPOINTS,
        w8_reference,
        peak_memory=True,
    ),
    Workload(
        "W9",
        "Jacobian of tanh(v.A) w.r.t. v by scan over grad(y[i], v), n=100",
        w9_data,
        W9,
        w9_reference,
    ),
    Workload(
        "W10",
        "LSTM layer forward, 4 gate matrices, hidden 256, input 256, T=200",
        w10_data(),
        W10,
        w10_reference,
    ),
    Workload(
        "T1", "tanh(a*x + b) * sigmoid(x), 1e6 float64", t1_data, T1, t1_reference
    ),
    Workload("T2", "dot of two 512x512 float64 matrices", t2_data, T2, t2_reference),
    Workload("T3", "logsumexp of 1e6 float64", t3_data, T3, t3_reference),
    Workload(
        "T4",
        "dot of a (200, 64, 128) tensor by a 128x256 matrix",
        t4_data,
        T4,
        t4_reference,
    ),
    Workload(
        "K1",
        "Kalman filter log-likelihood, 4 states, 2 observations, T=200",
        k1_data,
        K1,
        k1_reference,
    ),
    Workload("R1", "uniform draws, 1e7 float64", r1_data, R1, None),
    Workload("R2", "Gibbs chain, 500x500 W, 1000 steps", r2_data, R2, None, per="step"),
]


def steps(workload: Workload, d: dict) -> int:
    """Steps per call, for the per-step column."""
    return d.get("k", d.get("steps", 1)) if workload.per == "step" else 1
