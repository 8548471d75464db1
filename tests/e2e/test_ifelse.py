"""`scanc.ifelse.ifelse` (PyTensor's `pytensor.ifelse.ifelse`): only the branch
taken runs, inside and outside scan, with the graph passes on and off; values
and gradients against NumPy; refusals as PyTensor's."""

import numpy as np
import pytest

import scanc
import scanc.tensor as pt
from scanc.gradient import verify_grad
from scanc.ifelse import ifelse


def test_the_branch_not_taken_does_not_run(mode):
    # x[n] is out of bounds when n >= len(x): only the taken branch may index
    x, n = pt.vector("x"), pt.iscalar("n")
    y = ifelse(pt.lt(n, x.shape[0]), x[n] * 2.0, pt.constant(-1.0))
    f = scanc.function([x, n], y, mode=mode)
    assert f(np.arange(3.0), 2) == 4.0
    assert f(np.arange(3.0), 7) == -1.0
    taken = scanc.function([x, n], ifelse(n > 0, x[n], pt.constant(0.0)), mode=mode)
    with pytest.raises(IndexError, match="out of bounds"):
        taken(np.arange(3.0), 7)


def test_the_branch_not_taken_does_not_run_inside_scan(mode):
    # a step reads the previous row only when there is one
    xs, k = pt.matrix("xs"), pt.iscalar("k")

    def step(t, xs):
        return ifelse(t > 0, xs[t - 1] + xs[t], xs[t] * 0.0 + xs[k])

    out, _ = scanc.scan(step, sequences=pt.arange(xs.shape[0]), non_sequences=xs)
    f = scanc.function([xs, k], out, mode=mode)
    values = np.arange(6.0).reshape(3, 2)
    # k is out of bounds: the else branch runs only at step 0, where k = 2 is
    np.testing.assert_array_equal(
        f(values, 2), [values[2], values[0] + values[1], values[1] + values[2]]
    )
    with pytest.raises(IndexError):
        f(values, 9)


def test_branches_of_different_sizes(mode):
    x = pt.vector("x")
    y = ifelse(pt.lt(x.sum(), 5.0), pt.exp(x), x[:2])
    f = scanc.function([x], y, mode=mode)
    np.testing.assert_allclose(f(np.arange(3.0)), np.exp(np.arange(3.0)))
    np.testing.assert_array_equal(f(np.arange(4.0)), [0.0, 1.0])


def test_map_like_scan_output_of_an_ifelse(mode):
    # the trace's row size depends on which branch the non-sequence picks
    x, m = pt.vector("x"), pt.iscalar("m")
    out, _ = scanc.scan(
        lambda xt, m: ifelse(m > 0, pt.ones(2) * xt, pt.zeros(3) + xt),
        sequences=x,
        non_sequences=m,
    )
    f = scanc.function([x, m], out, mode=mode)
    xv = np.arange(3.0)
    np.testing.assert_array_equal(f(xv, 1), np.repeat(xv[:, None], 2, axis=1))
    np.testing.assert_array_equal(f(xv, 0), np.repeat(xv[:, None], 3, axis=1))


def test_recurrence_choosing_per_step(mode):
    x = pt.vector("x")
    out, _ = scanc.scan(
        lambda xt, acc: ifelse(xt > 0, acc + pt.log(xt), acc - 1.0),
        sequences=x,
        outputs_info=pt.constant(0.0),
    )
    f = scanc.function([x], out, mode=mode)
    np.testing.assert_allclose(
        f(np.array([1.0, -1.0, np.e, 0.0])), [0.0, -1.0, 0.0, -1.0]
    )


def test_lists_tuples_nesting_and_numbers(mode):
    x, n = pt.vector("x"), pt.iscalar("n")
    p, q = ifelse(n > 0, [x, x.sum()], [x * 2, x.max()])
    both = ifelse(n > 0, (x.sum(),), (x.max(),))
    assert isinstance(both, tuple) and len(both) == 1
    nested = ifelse(n > 0, ifelse(n > 1, x.sum(), x.prod()), x.max())
    number = ifelse(n > 0, x.sum(), 0)  # 0 takes float64, which holds it
    assert number.dtype == "float64"
    f = scanc.function([x, n], [p, q, nested, number], mode=mode)
    xv = np.array([1.0, 2.0, 4.0])  # sum 7, product 8, max 4
    for nv, (first, *rest) in [
        (2, [xv, 7.0, 7.0, 7.0]),
        (1, [xv, 7.0, 8.0, 7.0]),
        (0, [2 * xv, 4.0, 4.0, 0.0]),
    ]:
        got = f(xv, nv)
        np.testing.assert_array_equal(got[0], first)
        assert [float(v) for v in got[1:]] == rest


def test_a_float_condition_is_true_unless_zero(mode):
    c = pt.scalar("c")
    f = scanc.function([c], ifelse(c, pt.constant(1.0), pt.constant(2.0)), mode=mode)
    assert [float(f(v)) for v in (0.0, -0.0, 0.5, np.nan)] == [2.0, 2.0, 1.0, 1.0]


@pytest.mark.parametrize("taken", [True, False])
def test_gradients_against_finite_differences(taken, mode):
    def chosen(a, b):
        cond = pt.constant(1 if taken else 0, dtype="int8")
        return ifelse(cond, (pt.sin(a) * b).sum(), (a * a).sum() + b[0])

    rng = np.random.default_rng(1)
    verify_grad(chosen, [rng.normal(size=3), rng.normal(size=3)], mode=mode)


def test_gradient_through_a_scan_of_choices(mode):
    x = pt.vector("x")
    out, _ = scanc.scan(
        lambda xt, acc: ifelse(xt > 0, acc * xt, acc + xt * xt),
        sequences=x,
        outputs_info=pt.constant(1.0),
    )
    g = scanc.function([x], pt.grad(out[-1], x), mode=mode)
    xv = np.array([0.5, -1.5, 2.0, -0.25])

    def forward(v):
        acc = 1.0
        for t in v:
            acc = acc * t if t > 0 else acc + t * t
        return acc

    eps = 1e-6
    numeric = [
        (forward(xv + eps * e) - forward(xv - eps * e)) / (2 * eps) for e in np.eye(4)
    ]
    np.testing.assert_allclose(g(xv), numeric, rtol=1e-6)


def test_refusals_follow_pytensor():
    x, n = pt.vector("x"), pt.iscalar("n")
    with pytest.raises(ValueError, match="number of values on the `then` branch"):
        ifelse(n, [x, x], [x])
    with pytest.raises(TypeError, match="dtypes"):
        ifelse(n, x, pt.fvector("y"))
    with pytest.raises(TypeError, match="ndim"):
        ifelse(n, x, x.sum())
    with pytest.raises(TypeError, match="condition must be a scalar"):
        ifelse(x, x, x)
    with pytest.raises(TypeError, match="dtypes"):
        ifelse(n, pt.ivector("i"), 0.5)  # 0.5 is not an int32


def test_invariant_work_of_a_branch_stays_in_the_loop(mode):
    # xs[k] reads only invariants, but only the branch never taken needs it:
    # hoisting it before the loop would raise for an out-of-bounds k
    xs, k = pt.vector("xs"), pt.iscalar("k")
    out, _ = scanc.scan(
        lambda x, xs, k: ifelse(x >= 0, x * 2.0, xs[k]),
        sequences=xs,
        non_sequences=[xs, k],
    )
    f = scanc.function([xs, k], out, mode=mode)
    np.testing.assert_array_equal(f(np.arange(3.0), 10), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(f(np.array([1.0, -1.0]), 0), [2.0, 1.0])
