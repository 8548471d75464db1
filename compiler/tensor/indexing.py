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
    if isinstance(x, AdvancedView):  # x[...] of several arrays, or with slices
        return x.update(fn, _aligned_value(fn, x, y))
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
    leading axes, integer arrays (and ints) on the leading axes, or any mix of
    integer arrays, ints and slices (`_mixed`)."""
    leading = _leading_integer_arrays(index)
    if leading > 1:
        return _gather_leading(x, index[:leading])
    others = [i for n, i in enumerate(index) if n not in arrays]
    if len(arrays) > 1 or not builtins.all(_is_full_slice(i) for i in others):
        return _mixed(x, index)
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


class AdvancedView(TensorVariable):
    """`x[...]` with several integer arrays or arrays and slices, knowing how
    set_subtensor and inc_subtensor of it update `x`: `update(fn, y)` gives
    the new `x` for a value `y` aligned with the view."""

    __slots__ = ("update",)


def _view(value: TensorVariable, update) -> AdvancedView:
    view = AdvancedView(value.value)
    view.update = update
    return view


def _mixed(x: TensorVariable, index: tuple) -> TensorVariable:
    """NumPy's advanced indexing with integer arrays, ints and slices: the
    slices taken first (every axis kept), the indexed axes moved to the front
    and gathered (`_gather_leading`), then the broadcast index axes put where
    the first indexed axis was when the indexed axes are adjacent (else they
    stay first, as NumPy)."""
    from scanc.tensor.shape import transpose

    if builtins.any(i is None for i in index) or len(index) > x.ndim:
        raise NotImplementedError(
            "advanced indexing: new axes (None) or more indices than axes with "
            "integer arrays"
        )
    index = index + (slice(None),) * (x.ndim - len(index))
    indexed = [n for n, item in enumerate(index) if not isinstance(item, slice)]
    if builtins.any(_is_mask(index[n]) for n in indexed):
        raise NotImplementedError(
            "advanced indexing: a boolean mask with other indices (use it alone)"
        )
    kept = [n for n in range(x.ndim) if n not in indexed]
    sliced_index = tuple(index[n] if n in kept else slice(None) for n in range(x.ndim))
    sliced = subtensor(x, sliced_index)
    order = indexed + kept
    gathered = _gather_leading(
        transpose(sliced, order), tuple(index[n] for n in indexed)
    )
    broadcast = gathered.ndim - len(kept)
    adjacent = indexed == list(range(indexed[0], indexed[-1] + 1))
    before = indexed[0] if adjacent else 0  # kept axes before the index axes
    placed = list(range(broadcast, broadcast + before)) + list(range(broadcast))
    placed += list(range(broadcast + before, gathered.ndim))
    result = transpose(gathered, placed)

    def update(fn: str, y: TensorVariable) -> TensorVariable:
        back = gathered.update(fn, transpose(y, np.argsort(placed).tolist()))
        unsliced = transpose(back, np.argsort(order).tolist())
        return _update_subtensor("set", subtensor(x, sliced_index), unsliced)

    return _view(result, update)


def _is_full_slice(item) -> bool:
    return isinstance(item, slice) and item == slice(None)


def _is_mask(item) -> bool:
    return _index_dtype(item) == np.bool_


def _index_dtype(item) -> np.dtype:
    """The dtype of an index entry (a variable, an array, a list, an int)."""
    return np.dtype(
        item.dtype if isinstance(item, TensorVariable) else np.asarray(item).dtype
    )


def _leading_integer_arrays(index: tuple) -> int:
    """How many leading entries are integer arrays or ints, when every entry
    after them is a full slice (NumPy then gathers along those axes); else 0."""
    count = 0
    while count < len(index) and not isinstance(index[count], slice):
        if _index_dtype(index[count]).kind not in "iu":
            return 0
        count += 1
    rest = index[count:]
    return count if builtins.all(_is_full_slice(i) for i in rest) else 0


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

    def update(fn: str, y: TensorVariable) -> TensorVariable:
        updated = wrap(st.PutOp(fn, rows.value, flat.value, y.value, 0))
        return updated.reshape([x.shape[a] for a in range(x.ndim)])

    return _view(rows[flat], update)


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
