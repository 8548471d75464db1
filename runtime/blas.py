"""BLAS and LAPACK: the OpenBLAS that NumPy's wheels bundle.

NumPy >= 2 ships `libscipy_openblas64_` with 64-bit-integer CBLAS and LAPACKE
entry points (`scipy_cblas_dgemm64_`, `scipy_LAPACKE_dsyevd64_`). When it is
there, the JIT resolves our symbols (`scanc_cblas_dgemm`, `scanc_lapacke_dsyevd`)
to them: `lower-to-loops` calls BLAS for matrix products above a size threshold
(otherwise every product is an inline loop nest) and LAPACK for the
factorizations `eigh`, `svd`, `qr` and `pinv` (which need it) and for `solve`,
`det`, `cholesky` and triangular solves of large matrices.
"""

from __future__ import annotations

import ctypes
import glob
import os
from functools import cache

#: the LAPACK routines scanc calls (through LAPACKE, row-major)
LAPACK_ROUTINES = (
    "syevd",
    "gesdd",
    "geqrf",
    "orgqr",
    "gesv",
    "getrf",
    "potrf",
    "trtrs",
)

#: our symbol -> the bundled library's symbol
SYMBOLS = {
    "scanc_cblas_dgemm": "scipy_cblas_dgemm64_",
    "scanc_cblas_sgemm": "scipy_cblas_sgemm64_",
    # gemv for matrix . vector (not transposed)
    "scanc_cblas_dgemv_n": "scipy_cblas_dgemv64_",
    "scanc_cblas_sgemv_n": "scipy_cblas_sgemv64_",
    **{
        f"scanc_lapacke_{t}{routine}": f"scipy_LAPACKE_{t}{routine}64_"
        for t in "ds"
        for routine in LAPACK_ROUTINES
    },
}


@cache
def library() -> ctypes.CDLL | None:
    import numpy

    libs = os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas64_*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if all(hasattr(lib, name) for name in SYMBOLS.values()):
            return lib
    return None


def available() -> bool:
    return library() is not None


def addresses() -> dict[str, int]:
    lib = library()
    if lib is None:
        return {}
    return {
        ours: ctypes.cast(getattr(lib, theirs), ctypes.c_void_p).value
        for ours, theirs in SYMBOLS.items()
    }
