"""Matrix factorizations (`eigh`, `eigvalsh`, `svd`, `qr`, `pinv`, and the
norms made from singular values) against NumPy, which calls the same LAPACK
routines: float64 and float32, tall, wide, square, empty and strided
matrices, inside scan, with the passes on and off; finite-difference
gradients; errors as NumPy raises them."""

import numpy as np
import pytest

import scanc
import scanc.tensor as pt
from scanc.gradient import verify_grad
from scanc.tensor import linalg as la
from scanc.tensor import nlinalg, slinalg

RNG = np.random.default_rng(11)
SHAPES = [(4, 4), (5, 3), (3, 5), (1, 1)]
EMPTY = [(0, 0), (0, 3), (3, 0)]


def tolerance(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(atol=1e-11)


def symmetric(n, dtype="float64"):
    a = RNG.normal(size=(n, n))
    return (a + a.T).astype(dtype)


def same_columns_up_to_sign(got, want, tol):
    """Singular and eigen vectors are unique up to sign (distinct values)."""
    signs = np.sign(np.sum(got * want, axis=0))
    np.testing.assert_allclose(got * signs, want, **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_eigh_against_numpy(dtype, mode):
    A = pt.matrix("A", dtype=dtype)
    w, v = la.eigh(A)
    wu, vu = la.eigh(A, lower=False)
    f = scanc.function([A], [w, v, wu, vu, slinalg.eigvalsh(A)], mode=mode)
    for n in (1, 2, 5):
        a = symmetric(n, dtype)
        # one triangle is read: spoil the other
        lower_only, upper_only = np.tril(a) + np.triu(np.ones_like(a), 1), np.triu(a)
        got_w, got_v, _, _, got_vals = f(lower_only)
        want_w, want_v = np.linalg.eigh(a)
        assert got_w.dtype == dtype and got_v.dtype == dtype
        np.testing.assert_allclose(got_w, want_w, **tolerance(dtype))
        np.testing.assert_allclose(got_vals, want_w, **tolerance(dtype))
        same_columns_up_to_sign(got_v, want_v, tolerance(dtype))
        _, _, up_w, up_v, _ = f(upper_only)
        np.testing.assert_allclose(up_w, want_w, **tolerance(dtype))
        same_columns_up_to_sign(up_v, want_v, tolerance(dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_svd_against_numpy(dtype, mode):
    A = pt.matrix("A", dtype=dtype)
    f = scanc.function(
        [A],
        [
            *la.svd(A),
            *la.svd(A, full_matrices=False),
            la.svd(A, compute_uv=False),
        ],
        mode=mode,
    )
    tol = tolerance(dtype)
    for shape in SHAPES:
        a = RNG.normal(size=shape).astype(dtype)
        u, s, vt, u_r, s_r, vt_r, s_only = f(a)
        want_u, want_s, want_vt = np.linalg.svd(a)
        assert [u.shape, s.shape, vt.shape] == [
            want_u.shape,
            want_s.shape,
            want_vt.shape,
        ]
        for values in (s, s_r, s_only):
            np.testing.assert_allclose(values, want_s, **tol)
        k = min(shape)
        np.testing.assert_allclose((u_r * s_r) @ vt_r, a, **tol)
        np.testing.assert_allclose((u[:, :k] * s) @ vt[:k], a, **tol)
        np.testing.assert_allclose(u.T @ u, np.eye(shape[0]), **tol)
        np.testing.assert_allclose(vt @ vt.T, np.eye(shape[1]), **tol)
        same_columns_up_to_sign(u_r, want_u[:, :k], tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_qr_modes_against_numpy(dtype, mode):
    A = pt.matrix("A", dtype=dtype)
    f = scanc.function(
        [A],
        [
            *slinalg.qr(A),
            *la.qr(A, mode="economic"),
            *la.qr(A, mode="reduced"),
            la.qr(A, mode="r"),
        ],
        mode=mode,
    )
    for shape in SHAPES:
        a = RNG.normal(size=shape).astype(dtype)
        q, r, q_e, r_e, q_r, r_r, r_only = f(a)
        complete = np.linalg.qr(a, mode="complete")
        reduced = np.linalg.qr(a, mode="reduced")
        # the same LAPACK routines: the same factors, signs included
        for got, want in [(q, complete.Q), (r, complete.R), (r_only, complete.R)]:
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, **tolerance(dtype))
        for got, want in [(q_e, reduced.Q), (r_e, reduced.R), (q_r, reduced.Q)]:
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, **tolerance(dtype))
        np.testing.assert_allclose(r_r, reduced.R, **tolerance(dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pinv_and_singular_value_norms(dtype, mode):
    A = pt.matrix("A", dtype=dtype)
    f = scanc.function(
        [A],
        [
            la.pinv(A),
            la.pinv(A, hermitian=True),
            nlinalg.norm(A, 2),
            nlinalg.norm(A, -2),
            nlinalg.norm(A, "nuc"),
            nlinalg.norm(A, "nuc", axis=(1, 0), keepdims=True),
        ],
        mode=mode,
    )
    tol = tolerance(dtype)
    rank_one = np.outer([1.0, 2.0, 3.0], [1.0, -1.0]).astype(dtype)
    for a in [RNG.normal(size=s).astype(dtype) for s in SHAPES] + [rank_one]:
        p, _, two, minus_two, nuclear, kept = f(a)
        np.testing.assert_allclose(p, np.linalg.pinv(a), **tol)
        np.testing.assert_allclose(two, np.linalg.norm(a, 2), **tol)
        np.testing.assert_allclose(minus_two, np.linalg.norm(a, -2), **tol)
        np.testing.assert_allclose(nuclear, np.linalg.norm(a, "nuc"), **tol)
        assert kept.shape == (1, 1)
    spd = symmetric(3, dtype)
    np.testing.assert_allclose(f(spd)[1], np.linalg.pinv(spd, hermitian=True), **tol)


def test_pinv_rcond_cuts_small_singular_values():
    A = pt.matrix("A")
    a = np.diag([1.0, 1e-3, 1e-12])
    loose = scanc.function([A], la.pinv(A, rcond=1e-6))
    np.testing.assert_allclose(loose(a), np.linalg.pinv(a, rcond=1e-6))
    np.testing.assert_allclose(scanc.function([A], la.pinv(A))(a), np.linalg.pinv(a))
    with pytest.raises(ValueError, match="rcond"):
        la.pinv(A, rcond=2.0)


@pytest.mark.parametrize("shape", EMPTY)
def test_empty_matrices_give_numpys_shapes(shape):
    A = pt.matrix("A")
    a = np.zeros(shape)
    outputs = [*la.svd(A), *la.svd(A, full_matrices=False), *la.qr(A), la.pinv(A)]
    got = scanc.function([A], outputs)(a)
    want = [
        *np.linalg.svd(a),
        *np.linalg.svd(a, full_matrices=False),
        *np.linalg.qr(a, mode="complete"),
        np.linalg.pinv(a),
    ]
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    if shape[0] == shape[1]:
        w, v = scanc.function([A], la.eigh(A))(a)
        assert w.shape == (0,) and v.shape == (0, 0)


def test_strided_and_integer_inputs():
    A = pt.matrix("A")
    f = scanc.function([A], [*la.eigh(A), la.pinv(A.T)])
    a = symmetric(6)[::2, ::2]  # a strided view
    assert not a.flags.c_contiguous
    w, _, p = f(a)
    np.testing.assert_allclose(w, np.linalg.eigh(a)[0], atol=1e-12)
    np.testing.assert_allclose(p, np.linalg.pinv(a.T), atol=1e-12)
    I = pt.matrix("I", dtype="int64")
    s = scanc.function([I], la.svd(I, compute_uv=False))(np.array([[3, 0], [0, 4]]))
    assert s.dtype == np.float64 and list(s) == [4.0, 3.0]


def test_inside_scan(mode):
    """A factorization per step, of a sequence of matrices and of a recurrent
    one (the QR iteration of eigenvalue algorithms)."""
    As = pt.tensor3("As")
    spectra, _ = scanc.scan(lambda a: la.eigvalsh(a), sequences=As)
    pinvs, _ = scanc.scan(lambda a: la.pinv(a), sequences=As)
    M = pt.matrix("M")

    def qr_step(x):
        q, r = la.qr(x)
        return r @ q

    iterates, _ = scanc.scan(qr_step, outputs_info=M, n_steps=60)
    f = scanc.function([As, M], [spectra, pinvs, iterates[-1]], mode=mode)
    batch = np.stack([symmetric(3) for _ in range(4)])
    m = symmetric(3) + np.diag([10.0, 0.0, -10.0])
    got_spectra, got_pinvs, last = f(batch, m)
    np.testing.assert_allclose(got_spectra, np.linalg.eigh(batch)[0], atol=1e-11)
    np.testing.assert_allclose(got_pinvs, np.linalg.pinv(batch), atol=1e-10)
    x = m
    for _ in range(60):
        q, r = np.linalg.qr(x)
        x = r @ q
    np.testing.assert_allclose(last, x, atol=1e-9)


# -- gradients ------------------------------------------------------------------------


def test_eigh_gradients():
    a = symmetric(4)
    verify_grad(lambda A: (la.eigh(A)[0] ** 2).sum(), [a], rng=RNG)
    verify_grad(lambda A: (la.eigh(A)[1] ** 3).sum(), [a], rng=RNG)
    for lower in (True, False):
        verify_grad(
            lambda A: (
                la.eigh(A, lower=lower)[0][1]
                + (la.eigh(A, lower=lower)[1][0] ** 3).sum()
            ),
            [a],
            rng=RNG,
        )


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_svd_gradients(shape):
    a = RNG.normal(size=shape)
    verify_grad(lambda A: (la.svd(A, compute_uv=False) ** 2).sum(), [a], rng=RNG)
    verify_grad(
        lambda A: sum((x**3).sum() for x in la.svd(A, full_matrices=False)),
        [a],
        rng=RNG,
    )
    verify_grad(lambda A: (la.svd(A, full_matrices=False)[0] ** 3).sum(), [a], rng=RNG)
    verify_grad(lambda A: nlinalg.norm(A, "nuc"), [a], rng=RNG)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_qr_gradients(shape):
    a = RNG.normal(size=shape)
    k = min(shape)
    verify_grad(lambda A: (la.qr(A, mode="r") ** 3).sum(), [a], rng=RNG)
    verify_grad(
        lambda A: sum((x**3).sum() for x in la.qr(A, mode="economic")), [a], rng=RNG
    )
    if shape[0] <= shape[1]:
        verify_grad(
            lambda A: sum((x**3).sum() for x in la.qr(A, mode="full")), [a], rng=RNG
        )
    else:
        verify_grad(lambda A: (la.qr(A)[1][:k] ** 3).sum(), [a], rng=RNG)


def test_qr_gradients_with_shapes_known_when_building():
    for shape in [(5, 3), (3, 5)]:
        a = RNG.normal(size=shape)

        def cost(A):
            A = pt.specify_shape(A, shape)
            return sum((x**3).sum() for x in la.qr(A, mode="economic"))

        verify_grad(cost, [a], rng=RNG)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_pinv_gradient(shape):
    verify_grad(lambda A: (la.pinv(A) ** 3).sum(), [RNG.normal(size=shape)], rng=RNG)


def test_gradient_inside_scan():
    def cost(As):
        spectra, _ = scanc.scan(lambda a: la.eigvalsh(a + a.T), sequences=As)
        return (spectra**2).sum()

    verify_grad(cost, [RNG.normal(size=(3, 3, 3))], rng=RNG)


# -- refusals -------------------------------------------------------------------------


def test_errors_follow_numpy():
    A = pt.matrix("A")
    nan = np.full((3, 3), np.nan)
    for build, message in [
        (lambda: la.eigh(A), "Eigenvalues did not converge"),
        (lambda: la.svd(A), "SVD did not converge"),
        (lambda: [la.pinv(A)], "SVD did not converge"),
    ]:
        with pytest.raises(np.linalg.LinAlgError, match=message):
            scanc.function([A], build())(nan)
    q, r = scanc.function([A], la.qr(A))(nan)  # NumPy's qr gives NaNs too
    assert np.isnan(q).all() and np.isnan(r[np.triu_indices(3)]).all()
    with pytest.raises(ValueError, match="eigh: a must be square"):
        scanc.function([A], la.eigh(A))(np.ones((2, 3)))


def test_refused_arguments_name_what_is_missing():
    A = pt.matrix("A")
    with pytest.raises(NotImplementedError, match="generalized"):
        la.eigh(A, A)
    with pytest.raises(ValueError, match="UPLO"):
        la.eigh(A, UPLO="X")
    with pytest.raises(NotImplementedError, match="pivoting"):
        la.qr(A, pivoting=True)
    with pytest.raises(NotImplementedError, match="raw"):
        la.qr(A, mode="raw")
    with pytest.raises(ValueError, match="mode"):
        la.qr(A, mode="thin")
    with pytest.raises(NotImplementedError, match="stacked"):
        la.svd(pt.tensor3("T"))
    with pytest.raises(NotImplementedError, match="full_matrices=True"):
        scanc.function([A], pt.grad(la.svd(A)[0].sum(), A))


def test_qr_gradient_of_q_beyond_its_columns_is_refused():
    A = pt.matrix("A")
    f = scanc.function([A], pt.grad((la.qr(A)[0] ** 3).sum(), A))
    assert f(RNG.normal(size=(3, 4))).shape == (3, 4)
    with pytest.raises(NotImplementedError, match="mode='economic'"):
        f(RNG.normal(size=(4, 3)))
    tall = pt.specify_shape(A, (4, 3))
    with pytest.raises(NotImplementedError, match="mode='economic'"):
        scanc.function([A], pt.grad((la.qr(tall)[0] ** 3).sum(), A))


def test_without_lapack_factorizations_refuse_and_solves_stay_inline():
    A = pt.matrix("A")
    no_lapack = scanc.host().with_(blas=False, lapack_min_size=2)
    with pytest.raises(NotImplementedError, match="eigh needs LAPACK"):
        scanc.function([A], la.eigh(A), target=no_lapack)
    f = scanc.function([A], la.solve(A, pt.ones(A.shape[0])), target=no_lapack)
    a = RNG.normal(size=(5, 5)) + 3 * np.eye(5)
    np.testing.assert_allclose(f(a), np.linalg.solve(a, np.ones(5)))
