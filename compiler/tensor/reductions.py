"""Reductions: sum, prod, max, min, mean, all, any, argmax, argmin."""

from __future__ import annotations

import numpy as np
from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import (
    _axes,
    _dims,
    _ttype,
    as_tensor_variable,
    cast,
    constant,
    dim,
    expand_dims,
    mul,
    neq,
    true_div,
)
from scanc.tensor.shape import flatten
from xdsl.dialects.builtin import TensorType


def _reduce(fn: str, x, axis, dtype, keepdims: bool) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = _axes(x, axis)
    if dtype is None:
        dtype = x.dtype
        if fn in ("sum", "prod") and (dtypes.is_int(dtype) or dtype == "bool"):
            dtype = "int64"
    x = cast(x, dtype)
    shape = [d for i, d in enumerate(x.ir_type.get_shape()) if i not in axes]
    result = wrap(
        st.ReduceOp(fn, x.value, axes, TensorType(x.ir_type.element_type, shape))
    )
    return expand_dims(result, axes) if keepdims else result


def sum(x, axis=None, dtype=None, keepdims=False) -> TensorVariable:  # noqa: A001
    return _reduce("sum", x, axis, dtype, keepdims)


def prod(x, axis=None, dtype=None, keepdims=False) -> TensorVariable:
    return _reduce("prod", x, axis, dtype, keepdims)


def max(x, axis=None, keepdims=False) -> TensorVariable:  # noqa: A001
    return _reduce("max", x, axis, None, keepdims)


def min(x, axis=None, keepdims=False) -> TensorVariable:  # noqa: A001
    return _reduce("min", x, axis, None, keepdims)


def mean(x, axis=None, dtype=None, keepdims=False) -> TensorVariable:
    """Sum over `axis` divided by the number of elements summed (a float)."""
    x = as_tensor_variable(x)
    axes = _axes(x, axis)
    total = sum(
        x,
        axis=axes,
        dtype=dtype or (x.dtype if dtypes.is_float(x.dtype) else "float64"),
        keepdims=keepdims,
    )
    count = constant(1, dtype="int64")
    for a in axes:
        count = mul(count, dim(x, a))
    return true_div(total, cast(count, total.dtype))


def all(x, axis=None, keepdims=False) -> TensorVariable:  # noqa: A001
    return _reduce("all", neq(x, 0), axis, "bool", keepdims)


def any(x, axis=None, keepdims=False) -> TensorVariable:  # noqa: A001
    return _reduce("any", neq(x, 0), axis, "bool", keepdims)


def _arg_reduce(fn: str, x, axis, keepdims: bool) -> TensorVariable:
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = flatten(x), 0
    if not isinstance(axis, (int, np.integer)):
        raise NotImplementedError(f"{fn} over several axes; give one axis or None")
    axis = _axes(x, axis)[0]
    shape = [d for a, d in enumerate(x.ir_type.get_shape()) if a != axis]
    result = wrap(st.ArgReduceOp(fn, x.value, axis, _ttype("int64", _dims(shape))))
    return expand_dims(result, [axis]) if keepdims else result


def argmax(x, axis=None, keepdims=False) -> TensorVariable:
    return _arg_reduce("argmax", x, axis, keepdims)


def argmin(x, axis=None, keepdims=False) -> TensorVariable:
    return _arg_reduce("argmin", x, axis, keepdims)
