"""Layout and creation: transpose, dimshuffle, reshape, flatten, concatenate,
stack, full, zeros, ones, fill, eye, diagonal, diag."""

from __future__ import annotations

import builtins
import math

import numpy as np
from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, wrap
from scanc.tensor import basic
from scanc.tensor.basic import (
    _axes,
    _dims,
    _full_like,
    _int_scalar,
    _static_int,
    _ttype,
    add,
    alloc,
    arange,
    as_tensor_variable,
    cast,
    constant,
    dim,
    eq,
    expand_dims,
    mul,
)
from xdsl.dialects.builtin import DYNAMIC_INDEX as DYN
from xdsl.dialects.builtin import TensorType


def transpose(x, axes=None) -> TensorVariable:
    x = as_tensor_variable(x)
    perm = (
        list(range(x.ndim))[::-1] if axes is None else [int(a) % x.ndim for a in axes]
    )
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of {x.ndim} axes")
    if perm == list(range(x.ndim)):
        return x
    shape = [x.ir_type.get_shape()[p] for p in perm]
    return wrap(
        st.TransposeOp(x.value, perm, TensorType(x.ir_type.element_type, shape))
    )


def dimshuffle(x, *pattern) -> TensorVariable:
    """PyTensor's dimshuffle: a permutation of the axes, with 'x' for new
    broadcastable axes (dropping axes is not supported)."""
    x = as_tensor_variable(x)
    if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
        pattern = tuple(pattern[0])
    kept = [p for p in pattern if p != "x"]
    if sorted(kept) != list(range(x.ndim)):
        raise NotImplementedError(
            f"dimshuffle{pattern}: only permutations plus 'x' are supported"
        )
    result = transpose(x, kept)
    new_axes = [i for i, p in enumerate(pattern) if p == "x"]
    return expand_dims(result, new_axes) if new_axes else result


def reshape(x, shape, ndim=None) -> TensorVariable:
    """`x` with a new shape; one entry may be -1 (inferred from the others)."""
    x = as_tensor_variable(x)
    if isinstance(shape, TensorVariable) or not isinstance(shape, (list, tuple)):
        shape = list(shape) if hasattr(shape, "__iter__") else [shape]
    sizes = [_int_scalar(s, "reshape size") for s in shape]
    static = [_static_int(s) for s in sizes]
    if static.count(-1) > 1:
        raise ValueError("reshape: only one size can be -1")
    if builtins.any(v is not None and v < -1 for v in static):
        raise ValueError(f"reshape: negative size in {tuple(static)}")
    if None not in static and DYN not in x.ir_type.get_shape():
        static = _static_reshape(x, static)
    elif -1 in static:
        static[static.index(-1)] = None  # inferred when the function runs
    result = _ttype(x.dtype, static)
    return wrap(st.ReshapeOp(x.value, [s.value for s in sizes], result))


def _static_reshape(x, static: list[int]) -> list[int]:
    """The shape NumPy gives `x` (of static shape) reshaped to `static`."""
    count = math.prod(x.ir_type.get_shape())
    known = math.prod(v for v in static if v != -1)
    if -1 in static and known != 0 and count % known == 0:
        static[static.index(-1)] = count // known
    if math.prod(static) != count or -1 in static:
        raise ValueError(f"cannot reshape {x} into shape {tuple(static)}")
    return static


def flatten(x, ndim=1) -> TensorVariable:
    """The first `ndim - 1` axes kept, the rest joined into one."""
    x = as_tensor_variable(x)
    kept = [dim(x, a) for a in range(ndim - 1)]
    rest = constant(1, dtype="int64")
    for a in range(ndim - 1, x.ndim):
        rest = mul(rest, dim(x, a))
    return reshape(x, [*kept, rest])


def concatenate(tensors, axis=0) -> TensorVariable:
    tensors = [as_tensor_variable(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    ndim = tensors[0].ndim
    if ndim == 0 or builtins.any(t.ndim != ndim for t in tensors):
        raise ValueError("concatenate joins tensors of one rank (at least 1)")
    axis = _axes(tensors[0], axis)[0]
    dtype = dtypes.upcast(*[t.dtype for t in tensors])
    tensors = [cast(t, dtype) for t in tensors]
    shape = list(tensors[0].ir_type.get_shape())
    lengths = [t.ir_type.get_shape()[axis] for t in tensors]
    shape[axis] = DYN if DYN in lengths else builtins.sum(lengths)
    result = _ttype(dtype, _dims(shape))
    return wrap(st.ConcatenateOp([t.value for t in tensors], axis, result))


def stack(tensors, axis=0) -> TensorVariable:
    tensors = [as_tensor_variable(t) for t in tensors]
    return concatenate([expand_dims(t, [axis % (t.ndim + 1)]) for t in tensors], axis)


def _shape_list(shape) -> list:
    if isinstance(shape, (int, np.integer, TensorVariable)) and not (
        isinstance(shape, TensorVariable) and shape.ndim == 1
    ):
        return [shape]
    return list(shape)


def full(shape, fill_value, dtype=None) -> TensorVariable:
    value = (
        constant(fill_value, dtype=dtype) if dtype else as_tensor_variable(fill_value)
    )
    sizes = _shape_list(shape)
    return alloc(value, *sizes) if sizes else value


def zeros(shape, dtype=None) -> TensorVariable:
    return full(shape, 0, dtype or "floatX")


def ones(shape, dtype=None) -> TensorVariable:
    return full(shape, 1, dtype or "floatX")


def fill(model, value) -> TensorVariable:
    """A tensor shaped like `model`, every element `value` (PyTensor's `fill`)."""
    value = as_tensor_variable(value)
    model = as_tensor_variable(model)
    return _full_like(model, value, value.dtype) if value.ndim == 0 else value


def eye(n, m=None, k=0, dtype=None) -> TensorVariable:
    rows = arange(n)
    cols = arange(n if m is None else m)
    mask = eq(add(expand_dims(rows, [1]), k), expand_dims(cols, [0]))
    return cast(mask, dtype or "floatX")


def diagonal(x, offset=0) -> TensorVariable:
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise NotImplementedError("diagonal of tensors other than matrices")
    return wrap(st.DiagonalOp(x.value, int(offset), _ttype(x.dtype, [None])))


def diag(v, k=0) -> TensorVariable:
    """The diagonal `k` of a matrix, or a square matrix with `v` on diagonal `k`."""
    v = as_tensor_variable(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("diag takes a vector or a matrix")
    n = add(dim(v, 0), builtins.abs(k))
    # entry (i, i + k) is v[i] for k >= 0 (indexed by row), v[i + k] otherwise
    padded = concatenate([v, zeros([builtins.abs(k)], v.dtype)]) if k else v
    along = [1] if k >= 0 else [0]
    return mul(eye(n, n, k=k, dtype=v.dtype), expand_dims(padded, along))


as_tensor = as_tensor_variable
basic.STACK.append(stack)


def specify_shape(x, shape) -> TensorVariable:
    """`x`, known to have `shape` (ints, or None for a size left unknown); the
    compiled function checks it and raises ValueError on other sizes."""
    x = as_tensor_variable(x)
    shape = list(shape) if isinstance(shape, (list, tuple)) else [shape]
    if len(shape) != x.ndim:
        raise ValueError(
            f"specify_shape: {x} has {x.ndim} dimensions, not {len(shape)}"
        )
    known = list(x.ir_type.get_shape())
    for axis, size in enumerate(shape):
        if size is None:
            continue
        size = _static_int(_int_scalar(size, "specify_shape size"))
        if size is None:
            raise NotImplementedError("specify_shape takes constant sizes (or None)")
        if known[axis] not in (DYN, size):
            raise ValueError(
                f"specify_shape: {x} has size {known[axis]} on axis {axis}"
            )
        known[axis] = size
    if known == list(x.ir_type.get_shape()):
        return x
    return wrap(st.CastOp(x.value, TensorType(x.ir_type.element_type, known)))


def squeeze(x, axis=None) -> TensorVariable:
    """`x` without its axes of static size 1 (or only those of `axis`, which
    must have static size 1, as in PyTensor)."""
    x = as_tensor_variable(x)
    shape = x.ir_type.get_shape()
    axes = (
        [a for a in range(x.ndim) if shape[a] == 1] if axis is None else _axes(x, axis)
    )
    for a in axes:
        if shape[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} of {x} is not known to have size 1 "
                "(specify_shape it first)"
            )
    if not axes:
        return x
    return x[tuple(0 if a in axes else slice(None) for a in range(x.ndim))]


def swapaxes(x, axis1: int, axis2: int) -> TensorVariable:
    x = as_tensor_variable(x)
    perm = list(range(x.ndim))
    (a,), (b,) = _axes(x, axis1), _axes(x, axis2)
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def matrix_transpose(x) -> TensorVariable:
    """The last two axes swapped (`x.mT`)."""
    return swapaxes(x, -2, -1)


def shape_of(x):
    """PyTensor's `pt.shape(x)`, which is `x.shape` (this module is callable as
    that function, as PyTensor's name is both a module and a function)."""
    return as_tensor_variable(x).shape


# `scanc.tensor.shape(x)` is `x.shape`, as `pt.shape(x)` is in PyTensor
from scanc.compat import make_callable  # noqa: E402, I001

make_callable(__name__, shape_of)
