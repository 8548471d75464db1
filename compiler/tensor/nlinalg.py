"""`scanc.tensor.nlinalg`: NumPy's linear algebra as PyTensor spells it
(`pytensor.tensor.nlinalg`): `det`, `slogdet`, `inv` (`matrix_inverse`),
`matrix_power`, `matrix_dot`, `kron`, `norm`, `trace`, and from
`scanc.tensor.factorizations` `eigh`, `svd`, `pinv`. Determinants and
inverses are computed by LU with partial pivoting (`st.det`, `st.solve`) on one
square matrix; integer inputs are converted to float64. As NumPy: `inv` of a
singular matrix raises `numpy.linalg.LinAlgError`, `det` gives 0.
"""

from __future__ import annotations

from functools import reduce

import numpy as np

from scanc.dialects import st
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import abs as abs_
from scanc.tensor.basic import as_tensor_variable, dim, expand_dims, neq, sqrt
from scanc.tensor.extra_ops import trace
from scanc.tensor.factorizations import eigh, matrix, pinv, svd
from scanc.tensor.products import dot
from scanc.tensor.reductions import max as max_
from scanc.tensor.reductions import min as min_
from scanc.tensor.reductions import sum as sum_
from scanc.tensor.shape import eye, reshape
from scanc.tensor.slinalg import solve


def det(x) -> TensorVariable:
    return wrap(st.DetOp("det", matrix(x, "det").value))


def slogdet(x) -> tuple[TensorVariable, TensorVariable]:
    """`(sign, log|det|)`: sign 0 and -inf for a singular matrix, as NumPy."""
    x = matrix(x, "slogdet")
    return wrap(st.DetOp("sign", x.value)), wrap(st.DetOp("logabsdet", x.value))


def inv(x) -> TensorVariable:
    x = matrix(x, "inv")
    return solve(x, eye(dim(x, 0), dtype=x.dtype))


matrix_inverse = inv


def matrix_power(M, n: int) -> TensorVariable:
    """`M` multiplied by itself `n` times (an integer known when building; a
    negative one takes the inverse first), by repeated squaring."""
    M = matrix(M, "matrix_power")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an integer, got {n!r}")
    if n < 0:
        M, n = inv(M), -n
    result = None
    while n:
        if n & 1:
            result = M if result is None else dot(result, M)
        n >>= 1
        if n:
            M = dot(M, M)
    return eye(dim(M, 0), dtype=M.dtype) if result is None else result


def matrix_dot(*args) -> TensorVariable:
    return reduce(dot, args)


def kron(a, b) -> TensorVariable:
    """The Kronecker product of two vectors or two matrices."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim != b.ndim or a.ndim not in (1, 2):
        raise NotImplementedError("kron: two vectors or two matrices")
    if a.ndim == 1:
        return reshape(expand_dims(a, [1]) * expand_dims(b, [0]), [-1])
    blocks = expand_dims(a, [1, 3]) * expand_dims(b, [0, 2])
    return reshape(blocks, [dim(a, 0) * dim(b, 0), dim(a, 1) * dim(b, 1)])


def norm(x, ord=None, axis=None, keepdims: bool = False) -> TensorVariable:
    """NumPy's `linalg.norm` of a vector (`ord` None, a number, inf, -inf) or of
    a matrix (None, "fro", "nuc", 1, -1, 2, -2, inf, -inf; the 2-norms and the
    nuclear norm from singular values, of one matrix only)."""
    x = as_tensor_variable(x)
    if axis is None and (x.ndim != 2 or ord is None):
        if ord is not None and x.ndim != 1:
            raise ValueError("norm: give `axis` for an ord of a tensor")
        axes = list(range(x.ndim))
        return _vector_norm(x, ord, axes if x.ndim != 1 else [0], keepdims)
    if isinstance(axis, int) or (axis is None and x.ndim == 1):
        return _vector_norm(x, ord, [0 if axis is None else axis], keepdims)
    rows, cols = (0, 1) if axis is None else tuple(a % x.ndim for a in axis)
    return _matrix_norm(x, ord, rows, cols, keepdims)


def _vector_norm(x, ord, axes, keepdims):
    def total(y):
        return sum_(y, axis=axes, keepdims=keepdims)

    if ord is None or ord == 2:
        return sqrt(total(x * x))
    if ord == np.inf:
        return max_(abs_(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return min_(abs_(x), axis=axes, keepdims=keepdims)
    if ord == 0:
        return total(
            neq(x, 0).astype(x.dtype if x.dtype.startswith("float") else "float64")
        )
    if ord == 1:
        return total(abs_(x))
    return total(abs_(x) ** ord) ** (1.0 / ord)


def _matrix_norm(x, ord, rows, cols, keepdims):
    if ord in (None, "fro"):
        return sqrt(sum_(x * x, axis=[rows, cols], keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum_(abs_(x), axis=summed, keepdims=True)
        pick = max_ if ord in (1, np.inf) else min_
        result = pick(sums, axis=over, keepdims=True)
        return (
            result
            if keepdims
            else reshape(
                result, [dim(x, a) for a in range(x.ndim) if a not in (rows, cols)]
            )
        )
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, rows, cols, keepdims)
    raise ValueError(f"norm: invalid ord {ord!r} for a matrix")


def _singular_value_norm(x, ord, rows, cols, keepdims):
    if x.ndim != 2:
        raise NotImplementedError(
            f"norm: ord={ord!r} of matrices stacked in {x.ndim} dimensions"
        )
    s = svd(x if (rows, cols) == (0, 1) else x.T, compute_uv=False)
    result = {2: max_, -2: min_, "nuc": sum_}[ord](s)
    return reshape(result, [1, 1]) if keepdims else result


__all__ = [
    "det",
    "eigh",
    "inv",
    "kron",
    "matrix_dot",
    "matrix_inverse",
    "matrix_power",
    "norm",
    "pinv",
    "slogdet",
    "svd",
    "trace",
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
