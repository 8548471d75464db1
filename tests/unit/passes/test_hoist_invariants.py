"""hoist-invariants: the IR it produces, and the same numbers with it on and off."""

import numpy as np

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.dialects import st as st_dialect
from scanc.dialects.scan import LoopOp
from scanc.frontend.signature import build_module

rng = np.random.default_rng(11)


def recurrence():
    x0, W, Y, U, P, V = (
        st.vector("x0"),
        st.matrix("W"),
        st.matrix("Y"),
        st.matrix("U"),
        st.matrix("P"),
        st.matrix("V"),
    )
    n = st.iscalar("n")
    out, _ = scanc.scan(
        lambda y, p, x: st.tanh(st.dot(x, W) + st.dot(y, U) + st.dot(p, V)),
        sequences=[Y, P[::-1]],
        outputs_info=[x0],
        n_steps=n,
    )
    return [x0, W, Y, U, P, V, n], out


def reference(x, w, y, u, p, v, n):
    out = []
    for t in range(n):
        x = np.tanh(x @ w + y[t] @ u + p[::-1][t] @ v)
        out.append(x)
    return np.array(out)


def test_products_with_sequences_leave_the_loop():
    inputs, out = recurrence()
    module, _ = build_module(inputs, [out], "f")
    pipeline.run_opt(module)
    fn = next(iter(module.ops))
    outside = [op for op in fn.body.block.ops if isinstance(op, st_dialect.DotOp)]
    loop = next(op for op in fn.body.block.ops if isinstance(op, LoopOp))
    inside = [op for op in loop.body.block.ops if isinstance(op, st_dialect.DotOp)]
    assert len(outside) == 2 and len(inside) == 1


def test_same_numbers_with_and_without_the_pass():
    inputs, out = recurrence()
    h = 5
    args = [
        rng.normal(size=h),
        rng.normal(size=(h, h)) / 3,
        rng.normal(size=(9, h)),
        rng.normal(size=(h, h)) / 3,
        rng.normal(size=(7, h)),
        rng.normal(size=(h, h)) / 3,
    ]
    for n in (7, 3, 0):  # fewer steps than the rows the batched products cover
        expected = reference(*args, n).reshape(n, h)
        for mode in ("FAST_RUN", "FAST_COMPILE"):
            got = scanc.function(inputs, out, mode=mode)(*args, n)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_rowwise_reduction_and_shifted_taps_with_and_without_the_pass():
    X = st.matrix("X")
    out, _ = scanc.scan(
        lambda a, b: (a * a).sum() + b.sum(), sequences=dict(input=X, taps=[-2, 1])
    )
    x = rng.normal(size=(8, 3))
    expected = [(x[t] ** 2).sum() + x[t + 3].sum() for t in range(5)]
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        np.testing.assert_allclose(
            scanc.function([X], out, mode=mode)(x), expected, rtol=1e-12
        )
