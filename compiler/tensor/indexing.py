"""Indexing (`x[...]`) and the updating forms set_subtensor / inc_subtensor."""

from __future__ import annotations

import builtins

import numpy as np
from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import (
    _align,
    _broadcast_shape,
    _dims,
    _int_scalar,
    _static_int,
    _ttype,
    arange,
    as_tensor_variable,
    cast,
    expand_dims,
)
from xdsl.dialects.builtin import DYNAMIC_INDEX as DYN
from xdsl.dialects.builtin import TensorType


def subtensor(x: TensorVariable, index) -> TensorVariable:
    """Basic indexing with ints, int scalars, slices, `None` (a new axis) and `...`
    (numpy semantics). Integer arrays and boolean masks are not supported yet."""
    if not isinstance(index, tuple):
        index = (index,)
    index = _expand_ellipsis(index, x.ndim)
    arrays = [n for n, item in enumerate(index) if _is_array_index(item)]
    if arrays:
        return _advanced(x, index, arrays)
    if builtins.any(i is None for i in index):
        return _with_new_axes(x, index)
    if len(index) > x.ndim:
        raise IndexError(f"too many indices ({len(index)}) for {x.ndim}-d {x}")
    entries, operands, shape = [], [], list(x.ir_type.get_shape())
    out_shape: list[int] = []
    for axis, item in enumerate(index):
        if isinstance(item, slice):
            fields = (item.start, item.stop, item.step)
            if (
                item.step is not None
                and _static_int(_int_scalar(item.step, "step")) == 0
            ):
                raise ValueError("slice step cannot be zero")
            entries.append("s" + "".join("_" if f is None else "x" for f in fields))
            operands += [
                _int_scalar(f, "slice bound").value for f in fields if f is not None
            ]
            full = builtins.all(f is None for f in fields[:2]) and item.step in (
                None,
                1,
                -1,
            )
            out_shape.append(shape[axis] if full else DYN)
        else:
            if isinstance(item, (int, np.integer)) and shape[axis] != DYN:
                if not -shape[axis] <= item < shape[axis]:
                    raise IndexError(
                        f"index {item} is out of bounds for axis {axis} with size "
                        f"{shape[axis]}"
                    )
            entries.append("i")
            operands.append(_int_scalar(item, "index").value)
    out_shape += shape[len(index) :]
    type_ = TensorType(x.ir_type.element_type, out_shape)
    return wrap(st.SubtensorOp(x.value, entries, operands, type_))


def set_subtensor(x: TensorVariable, y, inplace=False, tolerate_inplace_aliasing=False):
    """A copy of the tensor `x` was indexed from, with `x`'s region set to `y`."""
    return _update_subtensor("set", x, y)


def inc_subtensor(
    x: TensorVariable,
    y,
    inplace=False,
    set_instead_of_inc=False,
    tolerate_inplace_aliasing=False,
):
    """A copy of the tensor `x` was indexed from, with `y` added to `x`'s region."""
    return _update_subtensor("set" if set_instead_of_inc else "inc", x, y)


def _update_subtensor(fn: str, x: TensorVariable, y) -> TensorVariable:
    if isinstance(x, GatheredVariable):  # x[i, j, ...] of integer arrays
        source, rows, flat = x.gathered
        y = _aligned_value(fn, x, y)
        updated = wrap(st.PutOp(fn, rows.value, flat.value, y.value, 0))
        return updated.reshape([source.shape[a] for a in range(source.ndim)])
    op = x.value.owner
    if not isinstance(op, (st.SubtensorOp, st.TakeOp, st.CompressOp)):
        raise TypeError(
            f"{fn}_subtensor: the first argument must be an indexed tensor such as "
            f"x[i] or x[a:b], got {x}"
        )
    y = _aligned_value(fn, x, y)
    if isinstance(op, st.TakeOp):
        return wrap(st.PutOp(fn, op.input, op.indices, y.value, op.axis.value.data))
    if isinstance(op, st.CompressOp):
        return wrap(st.MaskedPutOp(fn, op.input, op.mask, y.value))
    return wrap(
        st.SetSubtensorOp(fn, op.input, y.value, op.entries(), list(op.indices))
    )


def _is_array_index(item) -> bool:
    return isinstance(item, (list, np.ndarray)) or (
        isinstance(item, TensorVariable) and item.ndim > 0
    )


def _advanced(x: TensorVariable, index: tuple, arrays: list[int]) -> TensorVariable:
    """One integer array (numpy `take` on that axis) or one boolean mask over the
    leading axes, or integer arrays (and ints) on the leading axes; the other
    entries must be full slices."""
    leading = _leading_integer_arrays(index)
    if leading > 1:
        return _gather_leading(x, index[:leading])
    others = [i for n, i in enumerate(index) if n not in arrays]
    if len(arrays) > 1 or builtins.any(i != slice(None) for i in others):
        raise NotImplementedError(
            "advanced indexing supports integer arrays (and ints) on the leading "
            "axes, or one integer array or boolean mask, with `:` on the other axes"
        )
    axis = arrays[0]
    item = as_tensor_variable(
        np.asarray(index[axis])
        if not isinstance(index[axis], TensorVariable)
        else index[axis]
    )
    shape = list(x.ir_type.get_shape())
    if item.dtype == "bool":
        if axis != 0 or item.ndim > x.ndim:
            raise IndexError(f"a boolean index must cover the leading axes of {x}")
        result = _ttype(x.dtype, [None, *_dims(shape[item.ndim :])])
        return wrap(st.CompressOp(x.value, item.value, result))
    if not dtypes.is_int(item.dtype):
        raise IndexError(f"arrays used as indices must be integers or booleans: {item}")
    result = _ttype(
        x.dtype, _dims([*shape[:axis], *item.ir_type.get_shape(), *shape[axis + 1 :]])
    )
    return wrap(st.TakeOp(x.value, item.value, axis, result))


class GatheredVariable(TensorVariable):
    """`x[i, j, ...]` of integer arrays, knowing what set_subtensor and
    inc_subtensor of it update: `x`, its leading axes as one (`rows`), and the
    positions taken there (`flat`)."""

    __slots__ = ("gathered",)


def _leading_integer_arrays(index: tuple) -> int:
    """How many leading entries are integer arrays or ints, when every entry
    after them is a full slice (NumPy then gathers along those axes); else 0."""
    count = 0
    while count < len(index) and not isinstance(index[count], slice):
        item = index[count]
        dtype = (
            item.dtype if isinstance(item, TensorVariable) else np.asarray(item).dtype
        )
        if np.dtype(dtype).kind not in "iu":
            return 0
        count += 1
    rest = index[count:]
    return count if builtins.all(i == slice(None) for i in rest) else 0


def _gather_leading(x: TensorVariable, items: tuple) -> TensorVariable:
    """`x[i, j, ...]` with integer arrays (broadcast together) on the leading
    axes: each index checked and wrapped on its own axis (a take of that axis'
    positions), combined into positions of the leading axes flattened."""
    from scanc.tensor.shape import reshape

    sizes = [x.shape[a] for a in range(len(items))]
    flat = None
    for axis, (size, item) in enumerate(zip(sizes, items)):
        # the positions of axis `axis` taken there, so a bad index names it
        positions = expand_dims(arange(size, dtype="int64"), range(axis))
        taken = positions[(slice(None),) * axis + (as_tensor_variable(item),)]
        checked = taken[(0,) * axis] if axis else taken
        flat = checked if flat is None else flat * size + checked
    count = sizes[0]
    for size in sizes[1:]:
        count = count * size
    rows = reshape(x, [count, *[x.shape[a] for a in range(len(items), x.ndim)]])
    result = GatheredVariable(rows[flat].value)
    result.gathered = (x, rows, flat)
    return result


def _expand_ellipsis(index: tuple, ndim: int) -> tuple:
    ellipses = [n for n, i in enumerate(index) if i is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have one ellipsis ('...')")
    if not ellipses:
        return index
    at = ellipses[0]
    used = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    return index[:at] + (slice(None),) * (ndim - used) + index[at + 1 :]


def _with_new_axes(x: TensorVariable, index: tuple) -> TensorVariable:
    """Index without the `None`s, then insert them as axes of size 1."""
    result = subtensor(x, tuple(i for i in index if i is not None))
    new_axes, out_axis = [], 0
    for item in index:
        if item is None:
            new_axes.append(out_axis)
            out_axis += 1
        elif isinstance(item, slice):
            out_axis += 1
    return expand_dims(result, new_axes)


def _aligned_value(fn: str, x: TensorVariable, y) -> TensorVariable:
    """`y` cast to x's dtype (never losing precision) with x's rank."""
    y = as_tensor_variable(y)
    if y.ndim > x.ndim:
        raise ValueError(f"{fn}_subtensor: value {y} has more dimensions than {x}")
    if dtypes.upcast(x.dtype, y.dtype) != x.dtype:
        raise TypeError(
            f"{fn}_subtensor: a {y.dtype} value cannot be stored into {x.dtype} "
            "without losing precision; cast it first"
        )
    y = _align(cast(y, x.dtype), x.ndim)
    _broadcast_shape([x.ir_type.get_shape(), y.ir_type.get_shape()])
    return y
