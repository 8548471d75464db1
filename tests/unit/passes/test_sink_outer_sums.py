"""sink-outer-sums: the gradient of a recurrence with respect to its weights
takes no matrix into the reverse loop, and gives the same numbers with the
passes on and off (against backpropagation through time in NumPy)."""

import numpy as np

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.dialects import st as st_dialect
from scanc.dialects.scan import LoopOp
from scanc.frontend.signature import build_module
from bench.grad_workloads import _scanc_cost, w8_reference
from bench.scan_workloads import W5_ARGS


def weights_gradient():
    inputs, cost = _scanc_cost(st, scanc)
    return inputs, scanc.grad(cost, inputs[1])


def test_the_reverse_loop_carries_no_matrix():
    inputs, g = weights_gradient()
    module, _ = build_module(inputs, [g], "w8")
    pipeline.run_grad(module)
    pipeline.run_opt(module)
    fn = next(iter(module.ops))
    loops = [op for op in fn.body.block.ops if isinstance(op, LoopOp)]
    reverse = loops[-1]
    assert all(t.type.get_num_dims() == 2 for t in reverse.traces)  # rows of vectors
    after = list(fn.body.block.ops)[list(fn.body.block.ops).index(reverse) :]
    assert any(isinstance(op, st_dialect.DotOp) for op in after)  # H^T . D


def test_same_numbers_with_and_without_the_passes():
    rng = np.random.default_rng(8)
    h, steps = 6, 9
    d = {
        "x0": rng.normal(size=h),
        "W": rng.normal(size=(h, h)) / 3,
        "Y": rng.normal(size=(steps, h)),
        "U": rng.normal(size=(h, h)) / 3,
        "P": rng.normal(size=(steps, h)),
        "V": rng.normal(size=(h, h)) / 3,
    }
    inputs, g = weights_gradient()
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        got = scanc.function(inputs, g, mode=mode)(*[d[k] for k in W5_ARGS])
        np.testing.assert_allclose(got, w8_reference(d), rtol=1e-12, atol=1e-14)


def test_zero_steps_give_a_zero_gradient():
    # an empty product H^T . D (no rows) is zeros: the initial (zero) sum
    x0, W, Y = st.vector("x0"), st.matrix("W"), st.matrix("Y")
    out, _ = scanc.scan(
        lambda y, x, W: st.tanh(st.dot(x, W) + y),
        sequences=Y,
        outputs_info=x0,
        non_sequences=W,
    )
    f = scanc.function([x0, W, Y], scanc.grad(out.sum(), W))
    w = np.ones((4, 4))
    np.testing.assert_array_equal(f(np.ones(4), w, np.zeros((0, 4))), np.zeros((4, 4)))
    assert np.all(f(np.ones(4), w, np.ones((2, 4))) != 0)
