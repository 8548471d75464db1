"""Adjoint rules of the matrix factorizations (`st.eigh`, `st.svd`, `st.qr`,
`st.pinv`), registered into `scanc.autodiff.rules`. They follow PyTensor's
(which cite the references below), so gradients agree with PyTensor's where
both are defined:

- eigh: `g_A = V (diag(g_w) + F o (V^T g_V)) V^T`, `F_ij = 1/(w_j - w_i)` off
  the diagonal, folded onto the triangle the op reads. Repeated eigenvalues
  make the eigenvector part infinite (the vectors are not unique there).
- svd (Townsend 2016; Seeger et al. 2017): the reduced factors' formula with
  PyTensor's guarded differences of squared singular values; the two
  projection terms for a non-square `A` are both added (each is zero for the
  other shape, so no shape test is needed). With full matrices only the
  singular values' adjoint is supported (PyTensor's rule too).
- qr (Liao et al. 2019): for `m >= n`, `(dQ + Q copyltu(M)) R^-T` with
  `M = R dR^T - dQ^T Q`; for `m < n` the same on the leading square block plus
  `Q dR_right` for the other columns; chosen by a lazy `ifelse` on the shape
  when it is known only at run time. `Q`'s extra columns of `mode="full"` with
  `m > n` are not functions of `A`: their adjoint is refused (when building if
  the shape is known, else by an `st.check` at run time).
- pinv (Golub and Pereyra 1973): `-Z g^T Z + Z Z^T g (I - A Z) + (I - Z A) g Z^T Z`,
  transposed.
"""

from __future__ import annotations

from scanc.autodiff.rules import MULTI_RULES, RULES
from scanc.dialects import st
from scanc.graph import TensorVariable as V
from scanc.graph import wrap
from scanc.ifelse import ifelse
from scanc.tensor import basic as T
from scanc.tensor import extra_ops, slinalg
from scanc.tensor.products import dot
from scanc.tensor.shape import concatenate, diag, eye, transpose


def _results(op) -> list[V]:
    return [V(r) for r in op.results]


def _eigh(op: st.EighOp, gs, xs, wanted):
    w, v = _results(op)
    g_w, g_v = gs
    n = w.shape[0]
    inner = diag(g_w) if g_w is not None else T.zeros_like(v)
    if g_v is not None:
        gaps = T.sub(w.dimshuffle("x", 0), w.dimshuffle(0, "x"))  # w_j - w_i
        off_diagonal = T.switch(eye(n, dtype="bool"), 0, 1 / gaps)
        inner = inner + off_diagonal * dot(transpose(v), g_v)
    g = dot(dot(v, inner), transpose(v))
    if op.lower is not None:
        return [extra_ops.tril(g) + transpose(extra_ops.triu(g, 1))]
    return [extra_ops.triu(g) + transpose(extra_ops.tril(g, -1))]


def _guarded(t: V) -> V:
    """t with its magnitude at least 1e-8 (sign 1 at 0): PyTensor's guard for
    differences of equal singular values (the gradient is still wrong there)."""
    sign = T.switch(T.eq(t, 0), 1, T.sign(t))
    return T.maximum(T.abs(t), 1e-8) * sign


def _svd(op: st.SvdOp, gs, xs, wanted):
    u, s, vt = _results(op)
    g_u, g_s, g_vt = gs
    k = s.shape[0]
    if op.full_matrices is not None:
        if g_u is not None or g_vt is not None:
            raise NotImplementedError(
                "gradient of svd's u or vt with full_matrices=True (use "
                "full_matrices=False; the singular values' gradient is supported)"
            )
        u, vt = u[:, :k], vt[:k, :]
    if g_u is None and g_vt is None:
        return [dot(u * g_s.dimshuffle("x", 0), vt)]
    g_u = T.zeros_like(u) if g_u is None else g_u
    g_vt = T.zeros_like(vt) if g_vt is None else g_vt
    g_s = T.zeros_like(s) if g_s is None else g_s
    row, col = s.dimshuffle("x", 0), s.dimshuffle(0, "x")
    scale = (1 - eye(k, dtype=s.dtype)) / (_guarded(row - col) * _guarded(row + col))
    utgu, vtgv = dot(transpose(u), g_u), dot(vt, transpose(g_vt))
    core = scale * (utgu - transpose(utgu)) * row + diag(g_s)
    core = core + col * (scale * (vtgv - transpose(vtgv)))
    g_a = dot(dot(u, core), vt)
    v = transpose(vt)
    m, n = xs[0].shape[0], xs[0].shape[1]
    beyond_rows = dot(dot(u / row, g_vt), eye(n, dtype=s.dtype) - dot(v, vt))
    beyond_cols = dot(
        dot(v / row, transpose(g_u)), eye(m, dtype=s.dtype) - dot(u, transpose(u))
    )
    return [g_a + beyond_rows + transpose(beyond_cols)]


def _copyltu(x: V) -> V:
    return extra_ops.tril(x) + transpose(extra_ops.tril(x, -1))


def _qr_tall(q: V, r: V, g_q: V, g_r: V) -> V:
    """The adjoint for m >= n (r square)."""
    m = dot(r, transpose(g_r)) - dot(transpose(g_q), q)
    k = g_q + dot(q, _copyltu(m))
    return transpose(slinalg.solve_triangular(r, transpose(k), lower=False))


def _qr_wide(a: V, q: V, r: V, g_q: V, g_r: V) -> V:
    """The adjoint for m < n: the leading m x m block as `_qr_tall`, with `Y`
    (the other columns) entering through `dQ + Y dV^T`."""
    m = a.shape[0]
    y, u = a[:, m:], r[:, :m]
    g_u, g_v = g_r[:, :m], g_r[:, m:]
    g_q = g_q + dot(y, transpose(g_v))
    return concatenate([_qr_tall(q, u, g_q, g_u), dot(q, g_v)], axis=1)


QR_TALLER = (
    "gradient of qr's q with mode='full' for a matrix with more rows than "
    "columns: q's extra columns are not functions of the input; use "
    "mode='economic'"
)


def _refuse_taller(a: V, rows, cols, g_q: V) -> V:
    """`g_q`, checked at run time (or now, if the shape is known) to belong to
    a matrix with no more rows than columns."""
    if rows is not None and cols is not None:
        if rows > cols:
            raise NotImplementedError(QR_TALLER)
        return g_q
    wide = T.le(a.shape[0], a.shape[1])
    return wrap(st.CheckOp(wide.value, g_q.value, f"NotImplementedError: {QR_TALLER}"))


def _qr(op: st.QrOp, gs, xs, wanted):
    (a,) = xs
    q, r = _results(op)
    g_q, g_r = gs
    rows, cols = a.type.shape  # None where known only at run time
    known = rows is not None and cols is not None
    if op.complete is not None:
        if g_q is not None:
            g_q = _refuse_taller(a, rows, cols, g_q)
        k = T.minimum(a.shape[0], a.shape[1])
        q, r = q[:, :k], r[:k, :]
        g_q = None if g_q is None else g_q[:, :k]
        g_r = None if g_r is None else g_r[:k, :]
    g_q = T.zeros_like(q) if g_q is None else g_q
    g_r = T.zeros_like(r) if g_r is None else g_r
    if known:
        tall = rows >= cols
        return [_qr_tall(q, r, g_q, g_r) if tall else _qr_wide(a, q, r, g_q, g_r)]
    tall = T.ge(a.shape[0], a.shape[1])
    return [ifelse(tall, _qr_tall(q, r, g_q, g_r), _qr_wide(a, q, r, g_q, g_r))]


def _pinv(op: st.PinvOp, g, xs):
    (a,) = xs
    z = V(op.result)
    zt = transpose(z)
    left = eye(a.shape[0], dtype=z.dtype) - dot(a, z)
    right = eye(a.shape[1], dtype=z.dtype) - dot(z, a)
    total = -dot(dot(z, transpose(g)), z) + dot(dot(dot(z, zt), g), left)
    return [transpose(total + dot(dot(dot(right, g), zt), z))]


MULTI_RULES[st.EighOp] = _eigh
MULTI_RULES[st.SvdOp] = _svd
MULTI_RULES[st.QrOp] = _qr
RULES[st.PinvOp] = _pinv
