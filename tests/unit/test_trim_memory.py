"""trim-memory: a ring of constant size for A**k, same numbers with the pass off."""

import numpy as np

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.frontend.function import build_module


def power_graph(last_rows: int):
    k, A = st.iscalar("k"), st.vector("A")
    result, _ = scanc.scan(lambda p, A: p * A, outputs_info=st.ones_like(A),
                           non_sequences=A, n_steps=k)
    outputs = [result[-j] for j in range(1, last_rows + 1)]
    return [A, k], outputs


def test_ring_buffer_size_does_not_depend_on_steps():
    module = build_module(*power_graph(1), "power")
    pipeline.run_opt(module)
    pipeline.run_loops(module)
    text = str(module)
    # the trace is a ring of two rows (the state read at tap -1 and the new row)
    assert "%c2 = arith.constant 2 : index" in text or "arith.constant 2 : index" in text
    allocs = [line for line in text.splitlines() if "memref.alloc(" in line]
    assert not any("%k" in a for a in allocs)


def test_last_rows_match_numpy_with_pass_on_and_off(mode):
    inputs, outputs = power_graph(3)
    f = scanc.function(inputs, outputs, mode=mode)
    a = np.linspace(0.5, 1.5, 7)
    for k in (3, 4, 9):
        got = f(a, k)
        for j, row in enumerate(got, start=1):
            np.testing.assert_allclose(row, a ** (k - j + 1), rtol=1e-12)
