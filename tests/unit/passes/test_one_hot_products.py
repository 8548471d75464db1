"""one-hot-products: Jacobians by a scan over grad(y[i], v) read one column per
row, and give the same numbers with the passes on and off."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.dialects import st as st_dialect
from scanc.dialects.scan import LoopOp
from scanc.frontend.signature import build_module

rng = np.random.default_rng(12)


def jacobian_of(expr_of):
    v, A = st.vector("v"), st.matrix("A")
    y = expr_of(v, A)
    J, _ = scanc.scan(
        lambda i, y, v: scanc.grad(y[i], v),
        sequences=st.arange(y.shape[0]),
        non_sequences=[y, v],
    )
    return [v, A], J


def test_no_product_is_left_in_the_loop():
    inputs, J = jacobian_of(lambda v, A: st.tanh(st.dot(v, A)))
    module, _ = build_module(inputs, [J], "jac")
    pipeline.run_grad(module)
    pipeline.run_opt(module)
    loop = next(op for op in module.walk() if isinstance(op, LoopOp))
    assert not [op for op in loop.body.walk() if isinstance(op, st_dialect.DotOp)]


@pytest.mark.parametrize(
    "expr_of, expected",
    [
        (
            lambda v, A: st.tanh(st.dot(v, A)),
            lambda x, w: ((1 - np.tanh(x @ w) ** 2) * w).T,
        ),
        (lambda v, A: st.dot(A, v) * 3.0, lambda x, w: 3.0 * w),
    ],
)
def test_same_numbers_with_and_without_the_passes(expr_of, expected):
    inputs, J = jacobian_of(expr_of)
    x, w = rng.normal(size=4), rng.normal(size=(4, 4))
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        got = scanc.function(inputs, J, mode=mode)(x, w)
        np.testing.assert_allclose(got, expected(x, w), rtol=1e-12, atol=1e-14)
