"""`scanc.tensor.slinalg`: SciPy's linear algebra as PyTensor spells it
(`pytensor.tensor.slinalg`): `solve`, `solve_triangular`, `cholesky`,
`cho_solve`, and from `scanc.tensor.factorizations` `qr`, `eigvalsh`. Each builds one `st` op on one square matrix (matrices stacked in
more dimensions are not supported yet); integer inputs are converted to
float64. Errors follow SciPy: a singular or not positive definite matrix raises
`numpy.linalg.LinAlgError` when the function runs.
"""

from __future__ import annotations

from scanc import dtypes
from scanc.dialects import st
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import as_tensor_variable, cast
from scanc.tensor.extra_ops import tril, triu
from scanc.tensor.factorizations import eigvalsh, matrix, qr
from scanc.tensor.shape import diag, diagonal, matrix_transpose

#: `assume_a` values of SciPy's `solve` that read one triangle of a symmetric `a`
SYMMETRIC = ("sym", "her", "pos", "symmetric", "hermitian", "positive definite")
GENERAL = ("gen", "general")


def _operands(a, b, what: str, b_ndim) -> tuple[TensorVariable, TensorVariable]:
    a, b = matrix(a, what), as_tensor_variable(b)
    if b_ndim is not None and b_ndim != b.ndim:
        raise NotImplementedError(f"{what}: b_ndim={b_ndim} with a {b.ndim}-d b")
    if b.ndim not in (1, 2):
        raise NotImplementedError(
            f"{what}: b must be a vector or a matrix, got {b.ndim} dimensions"
        )
    dtype = dtypes.upcast(a.dtype, b.dtype, "float32")
    return cast(a, dtype), cast(b, dtype)


def solve(
    a,
    b,
    *,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
    transposed: bool = False,
    b_ndim: int | None = None,
) -> TensorVariable:
    """`x` with `a x = b` (`a^T x = b` when `transposed`). With `assume_a` "sym",
    "her" or "pos" only the `lower` (else upper) triangle of `a` is read, as
    SciPy does; all are solved by LU with partial pivoting. `overwrite_*` and
    `check_finite` change nothing."""
    a, b = _operands(a, b, "solve", b_ndim)
    if assume_a in SYMMETRIC:
        a = symmetric_from_triangle(a, lower)
    elif assume_a in ("upper triangular", "lower triangular"):
        return solve_triangular(
            a, b, lower=assume_a.startswith("lower"), trans=transposed
        )
    elif assume_a not in GENERAL:
        raise ValueError(f"solve: assume_a={assume_a!r} is not one of SciPy's choices")
    if transposed:
        a = matrix_transpose(a)
    return wrap(st.SolveOp(a.value, b.value))


def symmetric_from_triangle(a: TensorVariable, lower: bool) -> TensorVariable:
    """The symmetric matrix whose `lower` (else upper) triangle is `a`'s."""
    half = tril(a) if lower else triu(a)
    return half + matrix_transpose(half) - diag(diagonal(a))


def solve_triangular(
    a,
    b,
    *,
    trans=0,
    lower: bool = False,
    unit_diagonal: bool = False,
    check_finite: bool = True,
    b_ndim: int | None = None,
) -> TensorVariable:
    """`x` with `op(a) x = b`, reading only the `lower` (else upper) triangle of
    `a`; `op` is the transpose for `trans` 1, "T" or 2, "C" (real matrices);
    `unit_diagonal` takes the diagonal as ones."""
    a, b = _operands(a, b, "solve_triangular", b_ndim)
    transposed = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}.get(
        trans
    )
    if transposed is None:
        raise ValueError(
            f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}"
        )
    return wrap(
        st.TriangularSolveOp(a.value, b.value, lower, transposed, unit_diagonal)
    )


def cholesky(
    x,
    lower: bool = True,
    *,
    check_finite: bool = False,
    on_error: str = "raise",
    overwrite_a: bool = False,
) -> TensorVariable:
    """The Cholesky factor `L` (`x = L L^T`, `lower`) or `U = L^T`, reading only
    that triangle of `x`. A matrix that is not positive definite raises
    `LinAlgError` (`on_error="raise"`) or gives NaNs (`on_error="nan"`)."""
    if on_error not in ("raise", "nan"):
        raise ValueError(
            f'cholesky: on_error must be "raise" or "nan", got {on_error!r}'
        )
    x = matrix(x, "cholesky")
    return wrap(st.CholeskyOp(x.value, lower, on_error == "nan"))


def cho_solve(
    c_and_lower, b, *, check_finite: bool = True, b_ndim: int | None = None
) -> TensorVariable:
    """`x` with `A x = b` from `(c, lower)`, `c` the Cholesky factor of `A` (as
    `cholesky` or SciPy's `cho_factor` give it)."""
    c, lower = c_and_lower
    y = solve_triangular(c, b, lower=lower, trans=0 if lower else 1, b_ndim=b_ndim)
    return solve_triangular(c, y, lower=lower, trans=1 if lower else 0, b_ndim=b_ndim)


__all__ = ["cho_solve", "cholesky", "eigvalsh", "qr", "solve", "solve_triangular"]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
