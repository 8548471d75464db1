"""Products: dot (and `@`) for vectors and matrices, outer."""

from __future__ import annotations

from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import (
    as_tensor_variable,
    cast,
    expand_dims,
    mul,
)
from xdsl.dialects.builtin import DYNAMIC_INDEX as DYN
from xdsl.dialects.builtin import TensorType


def dot(a, b) -> TensorVariable:
    """numpy's `dot` for scalars, vectors and matrices."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.ndim > 2 or b.ndim > 2:
        raise NotImplementedError("dot of tensors with more than 2 dimensions")
    dtype = dtypes.upcast(a.dtype, b.dtype)
    a, b = cast(a, dtype), cast(b, dtype)
    k1, k2 = a.ir_type.get_shape()[-1], b.ir_type.get_shape()[0]
    if DYN not in (k1, k2) and k1 != k2:
        raise ValueError(
            f"dot: shapes {a.static_shape} and {b.static_shape} not aligned"
        )
    shape = [*a.ir_type.get_shape()[:-1], *b.ir_type.get_shape()[1:]]
    return wrap(st.DotOp(a.value, b.value, TensorType(a.ir_type.element_type, shape)))


def outer(a, b) -> TensorVariable:
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    return mul(expand_dims(a, [1]), expand_dims(b, [0]))


__all__ = ["dot", "outer"]
