"""trim-memory: a ring of constant size for A**k, same numbers with the pass off."""

import resource

import numpy as np
from xdsl.dialects import arith, memref

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.frontend.signature import build_module


def power_graph(last_rows: int):
    k, A = st.iscalar("k"), st.vector("A")
    result, _ = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    outputs = [result[-j] for j in range(1, last_rows + 1)]
    return [A, k], outputs


def test_ring_buffer_size_does_not_depend_on_steps():
    module, _ = build_module(*power_graph(1), "power")
    pipeline.run_opt(module)
    pipeline.run_loops(module)
    for op in module.walk():
        if isinstance(op, memref.AllocOp):
            rows = op.dynamic_sizes[0].owner
            # each leading size is a constant, A's length, or min(k, constant)
            if isinstance(rows, arith.MinSIOp):
                rows = rows.rhs.owner
            while isinstance(rows, arith.IndexCastOp):
                rows = rows.input.owner
            assert isinstance(rows, (arith.ConstantOp, memref.DimOp)), str(op)


def test_peak_memory_of_a_long_power_is_independent_of_steps():
    f = scanc.function(*power_graph(1))
    a = np.full(10, 1.0000001)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (last,) = f(a, 20_000_000)  # a full trace would be 1.6 GB
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000
    np.testing.assert_allclose(last, a**20_000_000, rtol=1e-6)


def test_last_rows_match_numpy_with_pass_on_and_off(mode):
    inputs, outputs = power_graph(3)
    f = scanc.function(inputs, outputs, mode=mode)
    a = np.linspace(0.5, 1.5, 7)
    for k in (3, 4, 9):
        got = f(a, k)
        for j, row in enumerate(got, start=1):
            np.testing.assert_allclose(row, a ** (k - j + 1), rtol=1e-12)
