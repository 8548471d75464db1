"""split-concat-products and merge-matmuls: the IR of an LSTM step, and the same
numbers with the passes on and off."""

import numpy as np

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.dialects import st as st_dialect
from scanc.dialects.scan import LoopOp
from scanc.frontend.signature import build_module
from bench.lstm_workloads import ARGS, GATES, _step, w10_reference


def lstm():
    X, h0, c0 = st.matrix("X"), st.vector("h0"), st.vector("c0")
    Ws = [st.matrix("W" + g) for g in GATES]
    bs = [st.vector("b" + g) for g in GATES]
    (h, _), _ = scanc.scan(
        _step(st, st.concatenate, st.dot, st.sigmoid),
        sequences=X,
        outputs_info=[h0, c0],
        non_sequences=Ws + bs,
    )
    return [X, h0, c0, *Ws, *bs], h


def test_one_product_per_step_and_the_input_part_before_the_loop():
    inputs, h = lstm()
    module, _ = build_module(inputs, [h], "lstm")
    pipeline.run_opt(module)
    fn = next(iter(module.ops))
    loop = next(op for op in fn.body.block.ops if isinstance(op, LoopOp))
    inside = [op for op in loop.body.block.ops if isinstance(op, st_dialect.DotOp)]
    outside = [op for op in fn.body.block.ops if isinstance(op, st_dialect.DotOp)]
    assert len(inside) == 1  # h . [W_i | W_f | W_c | W_o] (the state's rows)
    assert len(outside) == 4  # X . W_g (the input's rows), one matrix product each


def test_same_numbers_with_and_without_the_passes():
    rng = np.random.default_rng(31)
    hidden, inputs, steps = 5, 3, 7
    d = {
        "X": rng.normal(size=(steps, inputs)),
        "h0": rng.normal(size=hidden),
        "c0": rng.normal(size=hidden),
    }
    for g in GATES:
        d["W" + g] = rng.normal(size=(inputs + hidden, hidden)) / 3
        d["b" + g] = rng.normal(size=hidden) * 0.1
    expected = w10_reference(d)
    variables, h = lstm()
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        got = scanc.function(variables, h, mode=mode)(*[d[k] for k in ARGS])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
