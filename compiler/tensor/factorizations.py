"""Matrix factorizations as PyTensor spells them: `eigh`, `eigvalsh`, `svd`,
`qr` and `pinv` (re-exported by `scanc.tensor.nlinalg`, `.slinalg` and
`.linalg` where PyTensor has them). Each is one `st` op on one matrix
(`scanc.dialects.st.factorizations`), computed by the LAPACK routine NumPy
calls (syevd, gesdd, geqrf/orgqr) from the OpenBLAS NumPy bundles; integer
inputs are converted to float64.

Where PyTensor's choices differ from NumPy's, PyTensor's hold: `svd` gives
full matrices unless told otherwise, `qr` follows SciPy (`mode="full"` by
default; `mode="r"` gives `R` alone, `m x n`). `eigh` computes with `syevd`
(NumPy's driver) whatever `driver` says: eigenvectors are unique up to sign,
and SciPy's `evr` may return the opposite sign. `pinv(hermitian=True)` uses
the SVD too (the same matrix for a symmetric input).
"""

from __future__ import annotations

from scanc import dtypes
from scanc.dialects import st
from scanc.graph import TensorVariable, emit, wrap
from scanc.tensor.basic import as_tensor_variable, cast


def matrix(x, what: str) -> TensorVariable:
    """`x` as a float matrix, or a clear error for other ranks."""
    x = as_tensor_variable(x)
    if x.ndim > 2:
        raise NotImplementedError(
            f"{what}: matrices stacked along more axes ({x.ndim} dimensions) are not "
            "supported yet; apply it to each matrix (scan or map over them)"
        )
    if x.ndim != 2:
        raise ValueError(f"{what}: expected a matrix, got {x.ndim} dimensions")
    return x if dtypes.is_float(x.dtype) else cast(x, "float64")


def _results(op) -> list[TensorVariable]:
    emit(op)
    return [TensorVariable(r) for r in op.results]


def eigh(a, b=None, lower: bool = True, UPLO: str | None = None, driver: str = "evr"):
    """`[w, v]`: the eigenvalues of the symmetric `a` in ascending order and
    its eigenvectors as the columns of `v`, reading one triangle of `a` (the
    lower one unless `lower=False` or `UPLO="U"`)."""
    if b is not None:
        raise NotImplementedError(
            "eigh: the generalized eigenproblem (b) is not supported yet"
        )
    if UPLO is not None:
        if UPLO not in ("L", "U"):
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        lower = UPLO == "L"
    if driver not in ("evr", "evd"):
        raise ValueError(f"eigh: driver must be 'evr' or 'evd', got {driver!r}")
    return _results(st.EighOp(matrix(a, "eigh").value, lower))


def eigvalsh(a, b=None, lower: bool = True) -> TensorVariable:
    """The eigenvalues of the symmetric `a`, ascending."""
    return eigh(a, b, lower)[0]


def svd(a, full_matrices: bool = True, compute_uv: bool = True):
    """`[u, s, vt]` with `a = u diag(s) vt` (`s` descending; `u` `m x m` and
    `vt` `n x n` with `full_matrices`, else `m x k` and `k x n`), or `s` alone
    without `compute_uv`."""
    results = _results(st.SvdOp(matrix(a, "svd").value, bool(full_matrices)))
    return results if compute_uv else results[1]


#: SciPy's `qr` modes and NumPy's names for two of them
QR_MODES = {"full": True, "complete": True, "economic": False, "reduced": False}


def qr(
    A, mode: str = "full", overwrite_a: bool = False, pivoting: bool = False, lwork=None
):
    """`[q, r]` with `A = q r`: `q` `m x m` and `r` `m x n` (`mode="full"` or
    "complete"), or `m x k` and `k x n` ("economic" or "reduced"); `mode="r"`
    gives `r` alone (`m x n`, as SciPy)."""
    if pivoting:
        raise NotImplementedError("qr: pivoting is not supported yet")
    if mode == "raw":
        raise NotImplementedError("qr: mode='raw' is not supported yet")
    if mode != "r" and mode not in QR_MODES:
        raise ValueError(
            f"qr: mode must be one of {[*QR_MODES, 'r', 'raw']}, got {mode!r}"
        )
    q, r = _results(st.QrOp(matrix(A, "qr").value, QR_MODES.get(mode, True)))
    return r if mode == "r" else [q, r]


def pinv(x, hermitian: bool = False, rcond: float = 1e-15) -> TensorVariable:
    """The Moore-Penrose pseudo-inverse of `x` (`n x m`), singular values at
    most `rcond` times the largest taken as zero (NumPy's default)."""
    if not 0 <= rcond < 1:
        raise ValueError(f"pinv: rcond must be in [0, 1), got {rcond!r}")
    return wrap(st.PinvOp(matrix(x, "pinv").value, float(rcond)))


__all__ = ["eigh", "eigvalsh", "pinv", "qr", "svd"]
