"""`sort` and `argsort` against NumPy (stable order, NaN last), on every
dtype kind, along any axis, empty, large, inside scan, with the gradient of
`sort` by finite differences."""

import numpy as np
import pytest

import scanc
import scanc.tensor as pt
from scanc.gradient import verify_grad


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "int64", "int32", "uint8", "bool"]
)
def test_against_numpy_with_ties(dtype, mode):
    x = pt.vector("x", dtype=dtype)
    f = scanc.function(
        [x], [pt.argsort(x), pt.sort(x), x.argsort(), x.sort()], mode=mode
    )
    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 7, 64, 1000):
        values = rng.integers(0, 5, size=n).astype(dtype)  # many ties
        got = f(values)
        np.testing.assert_array_equal(got[0], np.argsort(values, kind="stable"))
        np.testing.assert_array_equal(got[1], np.sort(values))
        np.testing.assert_array_equal(got[2], got[0])
        assert got[0].dtype == np.int64 and got[1].dtype == dtype


def test_nan_and_infinities_sort_last_as_numpy():
    x = pt.vector("x")
    values = np.array([np.nan, 1.0, -np.inf, np.nan, 0.0, np.inf, -0.0, -2.0])
    got_index, got_sorted = scanc.function([x], [pt.argsort(x), pt.sort(x)])(values)
    np.testing.assert_array_equal(got_index, np.argsort(values, kind="stable"))
    np.testing.assert_array_equal(got_sorted, np.sort(values))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_any_axis(axis, mode):
    t = pt.tensor3("t")
    f = scanc.function(
        [t], [pt.argsort(t, axis=axis), pt.sort(t, axis=axis)], mode=mode
    )
    values = np.random.default_rng(1).normal(size=(3, 4, 5))
    got = f(values)
    np.testing.assert_array_equal(got[0], np.argsort(values, axis=axis, kind="stable"))
    np.testing.assert_array_equal(got[1], np.sort(values, axis=axis))


def test_large_and_strided():
    x = pt.vector("x")
    f = scanc.function([x], pt.sort(x))
    values = np.random.default_rng(2).normal(size=200_001)
    np.testing.assert_array_equal(f(values), np.sort(values))
    np.testing.assert_array_equal(f(values[::-3]), np.sort(values[::-3]))


def test_inside_scan_median_of_each_row():
    xs = pt.matrix("xs")
    out, _ = scanc.scan(lambda row: pt.sort(row)[row.shape[0] // 2], sequences=xs)
    values = np.random.default_rng(3).normal(size=(6, 9))
    np.testing.assert_array_equal(
        scanc.function([xs], out)(values), np.sort(values, axis=1)[:, 4]
    )


def test_gradient_of_sort(mode):
    verify_grad(
        lambda x: pt.sort(x) * pt.arange(5.0),
        [np.array([0.3, -1.2, 2.5, 0.9, -0.4])],
        mode=mode,
    )
    verify_grad(
        lambda m: pt.sort(m, axis=0)[0],
        [np.random.default_rng(4).normal(size=(3, 4))],
        mode=mode,
    )


def test_refusals():
    with pytest.raises(NotImplementedError, match="order="):
        pt.sort(pt.vector(), order="name")
    with pytest.raises(ValueError):
        pt.argsort(pt.scalar(), axis=0)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_median_against_numpy(axis, mode):
    m = pt.matrix("m")
    f = scanc.function(
        [m],
        [pt.median(m, axis=axis), pt.median(m, axis=axis, keepdims=axis is not None)],
        mode=mode,
    )
    rng = np.random.default_rng(5)
    for shape in ((4, 5), (3, 6), (1, 1)):
        values = rng.normal(size=shape)
        got = f(values)
        np.testing.assert_allclose(got[0], np.median(values, axis=axis))
        np.testing.assert_allclose(
            got[1], np.median(values, axis=axis, keepdims=axis is not None)
        )
    values = rng.normal(size=(4, 5))
    values[1, 2] = np.nan
    np.testing.assert_allclose(
        f(values)[0], np.median(values, axis=axis), equal_nan=True
    )


def test_median_of_integers_and_its_gradient(mode):
    v = pt.ivector("v")
    assert (
        scanc.function([v], pt.median(v), mode=mode)(np.array([3, 1, 2, 10], "int32"))
        == 2.5
    )
    verify_grad(lambda x: pt.median(x), [np.array([0.3, -1.2, 2.5, 0.9])], mode=mode)
