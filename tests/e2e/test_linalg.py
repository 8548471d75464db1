"""Linear algebra (`scanc.tensor.linalg`, `.slinalg`, `.nlinalg`) against
NumPy: float64 and float32, vector and matrix right-hand sides, empty
matrices, inside scan, with the passes on and off; finite-difference
gradients; errors as NumPy/SciPy raise them."""

import numpy as np
import pytest

import scanc
import scanc.tensor as pt
from scanc import host, pipeline
from scanc.gradient import verify_grad
from scanc.tensor import linalg as la
from scanc.tensor import nlinalg, slinalg

RNG = np.random.default_rng(7)


def spd(n, dtype="float64"):
    a = RNG.normal(size=(n, n))
    return (a @ a.T + n * np.eye(n)).astype(dtype)


def general(n, dtype="float64"):
    return (RNG.normal(size=(n, n)) + 2 * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_solve_det_inv_against_numpy(dtype, mode):
    A, b, B = (
        pt.matrix("A", dtype=dtype),
        pt.vector("b", dtype=dtype),
        pt.matrix("B", dtype=dtype),
    )
    sign, logdet = la.slogdet(A)
    f = scanc.function(
        [A, b, B],
        [la.solve(A, b), la.solve(A, B), la.det(A), sign, logdet, la.inv(A)],
        mode=mode,
    )
    tol = (
        dict(rtol=1e-4, atol=1e-5)
        if dtype == "float32"
        else dict(rtol=1e-10, atol=1e-12)
    )
    for n in (1, 2, 5, 9):
        a = general(n, dtype)
        bv, bm = RNG.normal(size=n).astype(dtype), RNG.normal(size=(n, 3)).astype(dtype)
        got = f(a, bv, bm)
        want = [
            np.linalg.solve(a, bv),
            np.linalg.solve(a, bm),
            np.linalg.det(a),
            *np.linalg.slogdet(a),
            np.linalg.inv(a),
        ]
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == dtype
            np.testing.assert_allclose(g, w, **tol)


def test_pivoting_handles_a_zero_leading_entry():
    A, b = pt.matrix("A"), pt.vector("b")
    f = scanc.function([A, b], la.solve(A, b))
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(f(a, np.array([2.0, 3.0])), [3.0, 2.0])


def test_empty_and_singular_matrices():
    A, b = pt.matrix("A"), pt.vector("b")
    dets = scanc.function([A], [la.det(A), *la.slogdet(A)])
    assert [float(v) for v in dets(np.zeros((0, 0)))] == [1.0, 1.0, 0.0]
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    det, sign, logdet = dets(singular)
    assert det == 0.0 and sign == 0.0 and logdet == -np.inf
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        scanc.function([A, b], la.solve(A, b))(singular, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        scanc.function([A], la.inv(A))(singular)


def test_cholesky_and_triangular_solves(mode):
    A, b, B = pt.matrix("A"), pt.vector("b"), pt.matrix("B")
    L = la.cholesky(A)
    f = scanc.function(
        [A, b, B],
        [
            L,
            la.cholesky(A, lower=False),
            slinalg.solve_triangular(A, b, lower=True),
            slinalg.solve_triangular(A, B, lower=False, trans="T"),
            slinalg.solve_triangular(A, b, lower=True, unit_diagonal=True),
            slinalg.cho_solve((L, True), b),
            slinalg.cho_solve((la.cholesky(A, lower=False), False), B),
        ],
        mode=mode,
    )
    a = spd(5)
    bv, bm = RNG.normal(size=5), RNG.normal(size=(5, 2))
    unit_lower = np.tril(a, -1) + np.eye(5)
    want = [
        np.linalg.cholesky(a),
        np.linalg.cholesky(a).T,
        np.linalg.solve(np.tril(a), bv),
        np.linalg.solve(np.triu(a).T, bm),
        np.linalg.solve(unit_lower, bv),
        np.linalg.solve(a, bv),
        np.linalg.solve(a, bm),
    ]
    for got, w in zip(f(a, bv, bm), want):
        np.testing.assert_allclose(got, w, rtol=1e-10, atol=1e-12)


def test_one_triangle_is_read():
    A, b = pt.matrix("A"), pt.vector("b")
    a = spd(4)
    garbage_above = np.tril(a) + np.triu(RNG.normal(size=(4, 4)), 1)
    f = scanc.function(
        [A, b], [la.cholesky(A), slinalg.solve(A, b, assume_a="pos", lower=True)]
    )
    chol, x = f(garbage_above, np.ones(4))
    np.testing.assert_allclose(chol, np.linalg.cholesky(a))
    np.testing.assert_allclose(x, np.linalg.solve(a, np.ones(4)))


def test_cholesky_errors_or_nans():
    A = pt.matrix("A")
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        scanc.function([A], la.cholesky(A))(-np.eye(3))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        scanc.function([A], la.cholesky(A))(np.full((2, 2), np.nan))
    assert np.isnan(
        scanc.function([A], la.cholesky(A, on_error="nan"))(-np.eye(3))
    ).all()
    b = pt.vector("b")
    with pytest.raises(np.linalg.LinAlgError, match="diagonal"):
        scanc.function([A, b], slinalg.solve_triangular(A, b, lower=True))(
            np.zeros((2, 2)), np.ones(2)
        )


def test_bad_shapes_raise_clear_errors():
    A, b = pt.matrix("A"), pt.vector("b")
    f = scanc.function([A, b], la.solve(A, b))
    with pytest.raises(ValueError, match="square"):
        f(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="as many rows"):
        f(np.eye(3), np.ones(2))
    with pytest.raises(NotImplementedError, match="stacked"):
        la.det(pt.tensor3("T"))
    with pytest.raises(ValueError, match="matrix"):
        la.cholesky(b)
    with pytest.raises(ValueError, match="assume_a"):
        la.solve(A, b, assume_a="banana")
    with pytest.raises(ValueError, match="on_error"):
        la.cholesky(A, on_error="ignore")


def test_inside_scan_a_kalman_like_update(mode):
    # each step solves with its own covariance: x_t = S_t^-1 y_t, log|S_t|
    Ss, ys = pt.tensor3("Ss"), pt.matrix("ys")

    def step(S, y):
        return la.solve(S, y), la.slogdet(S)[1] + la.cholesky(S).sum()

    (xs, ls), _ = scanc.scan(step, sequences=[Ss, ys])
    f = scanc.function([Ss, ys], [xs, ls], mode=mode)
    S = np.stack([spd(3) for _ in range(6)])
    y = RNG.normal(size=(6, 3))
    x, logs = f(S, y)
    np.testing.assert_allclose(x, np.linalg.solve(S, y[..., None])[..., 0])
    np.testing.assert_allclose(
        logs, np.linalg.slogdet(S)[1] + np.linalg.cholesky(S).sum(axis=(1, 2))
    )


@pytest.mark.parametrize(
    "name,fn,shapes",
    [
        ("solve", lambda a, b: la.solve(a, b), ["general", 4]),
        ("solve matrix", lambda a, b: la.solve(a, b), ["general", (4, 2)]),
        (
            "solve transposed",
            lambda a, b: la.solve(a, b, transposed=True),
            ["general", 4],
        ),
        ("solve sym", lambda a, b: la.solve(a, b, assume_a="sym"), ["spd", 4]),
        ("det", lambda a: la.det(a), ["small"]),
        ("logabsdet", lambda a: la.slogdet(a)[1], ["general"]),
        ("inv", lambda a: la.inv(a), ["general"]),
        ("cholesky", lambda a: la.cholesky(a), ["spd"]),
        ("cholesky upper", lambda a: la.cholesky(a, lower=False), ["spd"]),
        (
            "triangular",
            lambda a, b: slinalg.solve_triangular(a, b, lower=True),
            ["spd", 4],
        ),
        (
            "triangular T unit",
            lambda a, b: slinalg.solve_triangular(a, b, trans=1, unit_diagonal=True),
            ["spd", (4, 3)],
        ),
        (
            "cho_solve",
            lambda a, b: slinalg.cho_solve((la.cholesky(a), True), b),
            ["spd", 4],
        ),
        ("matrix_power", lambda a: nlinalg.matrix_power(a, -3), ["general"]),
        ("kron", lambda a, b: nlinalg.kron(a, b), ["small", (2, 3)]),
        ("norm", lambda a: nlinalg.norm(a, ord=1) + nlinalg.norm(a), ["general"]),
    ],
)
def test_gradients_against_finite_differences(name, fn, shapes, mode):
    makers = {
        "general": lambda: general(4),
        "spd": lambda: spd(4),
        "small": lambda: general(4) * 0.5,
    }
    args = [makers[s]() if isinstance(s, str) else RNG.normal(size=s) for s in shapes]
    verify_grad(fn, args, rng=np.random.default_rng(3), mode=mode)


def test_norms_kron_powers_against_numpy():
    x, M, N = pt.vector("x"), pt.matrix("M"), pt.matrix("N")
    vector_ords = [None, 1, 2, np.inf, -np.inf, 0, 3]
    matrix_ords = [None, "fro", 1, -1, np.inf, -np.inf]
    f = scanc.function(
        [x, M, N],
        [nlinalg.norm(x, o) for o in vector_ords]
        + [nlinalg.norm(M, o) for o in matrix_ords]
        + [nlinalg.norm(M, axis=1), nlinalg.kron(M, N), nlinalg.kron(x, x)]
        + [nlinalg.matrix_power(M, k) for k in (0, 1, 5, -2)]
        + [nlinalg.matrix_dot(M, M, M), nlinalg.trace(M)],
    )
    xv, mv, nv = np.array([3.0, 0.0, -4.0]), general(3), RNG.normal(size=(2, 4))
    want = (
        [np.linalg.norm(xv, o) for o in vector_ords]
        + [np.linalg.norm(mv, o) for o in matrix_ords]
        + [np.linalg.norm(mv, axis=1), np.kron(mv, nv), np.kron(xv, xv)]
        + [np.linalg.matrix_power(mv, k) for k in (0, 1, 5, -2)]
        + [mv @ mv @ mv, np.trace(mv)]
    )
    for got, w in zip(f(xv, mv, nv), want):
        np.testing.assert_allclose(got, w, rtol=1e-10)
    with pytest.raises(ValueError, match="invalid ord 3 for a matrix"):
        nlinalg.norm(M, 3)


# -- LAPACK for large matrices ----------------------------------------------------------


def lapack_from(order):
    """The host Target with LAPACK from matrices of `order` (the default: 96)."""
    return scanc.default_target(host().with_(lapack_min_size=order))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("order", [2, 96])
def test_lapack_path_matches_the_loops(dtype, order):
    """The same functions with LAPACK from order 2 (every case but 1x1) and at
    the default crossover (order 100 crosses it): NumPy's results."""
    A, B = pt.matrix("A", dtype=dtype), pt.matrix("B", dtype=dtype)
    b = pt.vector("b", dtype=dtype)
    sign, logdet = la.slogdet(A)
    outputs = [
        la.solve(A, b),
        la.solve(A, B),
        la.det(A),
        sign,
        logdet,
        la.cholesky(A @ A.T),
        la.cholesky(A @ A.T, lower=False),
        slinalg.solve_triangular(A, B, lower=True),
        slinalg.solve_triangular(A, B, lower=False, trans=1, unit_diagonal=True),
    ]
    with lapack_from(order):
        f = scanc.function([A, b, B], outputs)
    tol = dict(rtol=2e-3, atol=1e-4) if dtype == "float32" else dict(rtol=1e-8)
    for n in (1, 3, 100) if order == 96 else (1, 3, 7):
        a = (RNG.normal(size=(n, n)) / np.sqrt(n) + 2 * np.eye(n)).astype(dtype)
        bv = RNG.normal(size=n).astype(dtype)
        bm = RNG.normal(size=(n, n if order == 96 else 4)).astype(dtype)
        unit = np.triu(a, 1) + np.eye(n, dtype=dtype)
        want = [
            np.linalg.solve(a, bv),
            np.linalg.solve(a, bm),
            np.linalg.det(a),
            *np.linalg.slogdet(a),
            np.linalg.cholesky(a @ a.T),
            np.linalg.cholesky(a @ a.T).T,
            np.linalg.solve(np.tril(a), bm),
            np.linalg.solve(unit.T, bm),
        ]
        for got, w in zip(f(a, bv, bm), want):
            assert np.asarray(got).dtype == dtype
            np.testing.assert_allclose(got, w, **tol)


def test_lapack_path_errors_and_nans_as_the_loops():
    A, b = pt.matrix("A"), pt.vector("b")
    with lapack_from(2):
        solve = scanc.function([A, b], la.solve(A, b))
        dets = scanc.function([A], [la.det(A), *la.slogdet(A)])
        chol = scanc.function([A], la.cholesky(A))
        chol_nan = scanc.function([A], la.cholesky(A, on_error="nan"))
        tri = scanc.function([A, b], slinalg.solve_triangular(A, b, lower=True))
    singular = np.ones((3, 3))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        solve(singular, np.ones(3))
    assert [float(v) for v in dets(singular)] == [0.0, 0.0, -np.inf]
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        chol(-np.eye(3))
    assert np.isnan(chol_nan(-np.eye(3))).all()
    with pytest.raises(np.linalg.LinAlgError, match="zero on the diagonal"):
        tri(np.zeros((3, 3)), np.ones(3))
    nan = np.full((3, 3), np.nan)
    assert np.isnan(solve(nan, np.ones(3))).all()
    assert np.isnan(dets(nan)[0])
    assert np.isnan(tri(nan, np.ones(3))).all()


def test_lapack_chosen_when_building_for_a_known_order():
    """A specialised order picks one branch: the loops below the crossover,
    LAPACK from it (seen in the loops IR)."""

    def loops_ir(n):
        A = pt.matrix("A")
        x = la.solve(pt.specify_shape(A, (n, n)), pt.ones(n))
        target = host().with_(lapack_min_size=8)
        f = scanc.function([A], x, target=target)
        module = f.graph.clone()
        pipeline.lower(module, "loops", target=target)
        return str(module), f

    small, f_small = loops_ir(4)
    large, f_large = loops_ir(8)
    assert "kernel.lapack_gesv" not in small and "kernel.lapack_gesv" in large
    for f, n in [(f_small, 4), (f_large, 8)]:
        a = RNG.normal(size=(n, n)) + 3 * np.eye(n)
        np.testing.assert_allclose(f(a), np.linalg.solve(a, np.ones(n)))


def test_lapack_path_inside_scan_and_gradients():
    As = pt.tensor3("As")
    with lapack_from(2):
        dets, _ = scanc.scan(lambda a: la.det(a), sequences=As)
        f = scanc.function([As], dets)
        batch = RNG.normal(size=(4, 3, 3)) + 2 * np.eye(3)
        np.testing.assert_allclose(f(batch), np.linalg.det(batch))
        a = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
        verify_grad(lambda A: la.solve(A, pt.ones(3)).sum() + la.det(A), [a], rng=RNG)
        verify_grad(lambda A: la.cholesky(A @ A.T).sum(), [a], rng=RNG)
