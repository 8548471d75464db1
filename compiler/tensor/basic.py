"""`scanc.tensor`: constructors and ops, each building one `st`/`arith` op."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np
from scanc.dialects import st
from scanc.frontend import dtypes
from scanc.frontend.graph import TensorVariable, wrap
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DYNAMIC_INDEX as DYN
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, TensorType

Shape = Sequence[int | None]


# -- constructors -------------------------------------------------------------------


_ttype = dtypes.tensor_type


def tensor(name=None, dtype=None, shape=None, *, ndim=None) -> TensorVariable:
    """A symbolic input; `shape` entries are ints (static) or None (unknown)."""
    if shape is None:
        if ndim is None:
            raise TypeError(
                "tensor() needs shape= (use None for unknown dims) or ndim="
            )
        shape = (None,) * ndim
    for d in shape:
        if d is not None and (not isinstance(d, (int, np.integer)) or d < 0):
            raise ValueError(
                f"shape entries must be non-negative ints or None, got {d!r}"
            )
    dtype = dtypes.canonical(dtype if dtype is not None else "floatX")
    type_ = _ttype(dtype, shape)
    return wrap(st.PlaceholderOp(name or "", type_), name)


def _maker(ndim: int, default_dtype: str | None):
    def make(name=None, dtype=None, shape=None):
        if shape is None:
            shape = (None,) * ndim
        if len(shape) != ndim:
            raise ValueError(f"shape {shape} does not have {ndim} dimensions")
        return tensor(name, dtype or default_dtype, shape)

    return make


_PREFIXES = {
    "": None,
    "b": "int8",
    "w": "int16",
    "i": "int32",
    "l": "int64",
    "f": "float32",
    "d": "float64",
}
_RANKS = {"scalar": 0, "vector": 1, "matrix": 2, "tensor3": 3, "tensor4": 4}
CONSTRUCTORS: dict[str, object] = {}
for _prefix, _dtype in _PREFIXES.items():
    for _kind, _ndim in _RANKS.items():
        _fn = _maker(_ndim, _dtype)
        _fn.__name__ = _prefix + _kind
        _fn.__doc__ = f"A symbolic {_kind} of dtype {_dtype or 'floatX'}."
        CONSTRUCTORS[_prefix + _kind] = _fn


def constant(x, name=None, ndim=None, dtype=None) -> TensorVariable:
    """A constant tensor; Python ints get the smallest int dtype that holds them,
    Python floats get `floatX` (PyTensor's rules)."""
    if isinstance(x, TensorVariable):
        raise TypeError("constant() takes a value, not a symbolic variable")
    if dtype is None:
        if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
            dtype = dtypes.python_scalar_dtype(x)
        else:
            dtype = np.asarray(x).dtype
    dtype = dtypes.canonical(dtype)
    array = np.asarray(x)
    converted = array.astype(dtype)
    if array.dtype.kind in "iuf" and not np.array_equal(converted, array):
        raise TypeError(f"value {x!r} cannot be represented exactly as {dtype}")
    if ndim is not None and converted.ndim != ndim:
        raise ValueError(f"constant has {converted.ndim} dims, expected {ndim}")
    type_ = _ttype(dtype, converted.shape)
    flat = converted.ravel()
    values = (
        flat.astype(float).tolist()
        if dtypes.is_float(dtype)
        else flat.astype(int).tolist()
    )
    attr = DenseIntOrFPElementsAttr.from_list(type_, values)  # type: ignore[arg-type]
    return wrap(ConstantOp(attr, type_), name)


def as_tensor_variable(x, name=None, ndim=None, dtype=None) -> TensorVariable:
    if isinstance(x, TensorVariable):
        if ndim is not None and x.ndim != ndim:
            raise TypeError(f"{x} has {x.ndim} dimensions, expected {ndim}")
        return x if dtype is None else cast(x, dtype)
    return constant(x, name=name, ndim=ndim, dtype=dtype)


def constant_value(var: TensorVariable):
    """The numpy value of a constant variable, or None when it is not constant."""
    op = var.owner
    if isinstance(op, ConstantOp) and isinstance(op.value, DenseIntOrFPElementsAttr):
        values = op.value.get_values()
        return np.asarray(values, dtype=var.dtype).reshape(
            [d for d in var.type.get_shape()]
        )
    return None


# -- elementwise ----------------------------------------------------------------------


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> list[int]:
    out = []
    for dims in zip(*shapes):
        known = {d for d in dims if d not in (1, DYN)}
        if len(known) > 1:
            raise ValueError(f"shapes {shapes} cannot be broadcast together")
        if known:
            out.append(known.pop())
        elif DYN in dims:
            out.append(DYN)
        else:
            out.append(1)
    return out


def expand_dims(x: TensorVariable, axes: Sequence[int]) -> TensorVariable:
    shape = list(x.type.get_shape())
    for a in sorted(axes):
        shape.insert(a, 1)
    result_type = TensorType(x.type.element_type, shape)
    return wrap(st.ExpandDimsOp(x.value, list(axes), result_type))


def _align(x: TensorVariable, ndim: int) -> TensorVariable:
    return x if x.ndim == ndim else expand_dims(x, range(ndim - x.ndim))


def elementwise(fn: str, *args, out_dtype: str | None = None) -> TensorVariable:
    """Apply `fn` with broadcasting; `out_dtype` defaults to the upcast of inputs."""
    vars_ = [as_tensor_variable(a) for a in args]
    ndim = builtins.max(v.ndim for v in vars_)
    vars_ = [_align(v, ndim) for v in vars_]
    shape = _broadcast_shape([v.type.get_shape() for v in vars_])
    dtype = out_dtype or dtypes.upcast(*[v.dtype for v in vars_])
    op = st.ElementwiseOp(
        fn,
        [v.value for v in vars_],
        _ttype(dtype, [None if d == DYN else d for d in shape]),
    )
    return wrap(op)


def _arith(fn: str):
    def op(a, b):
        return elementwise(fn, a, b)

    op.__name__ = fn
    return op


add, sub, mul, maximum, minimum = (
    _arith(n) for n in ("add", "sub", "mul", "maximum", "minimum")
)


def true_div(a, b) -> TensorVariable:
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    dtype = dtypes.upcast(a.dtype, b.dtype)
    if not dtypes.is_float(dtype):
        dtype = "float64"
    return elementwise("true_div", cast(a, dtype), cast(b, dtype))


def int_div(a, b) -> TensorVariable:
    return elementwise("int_div", a, b)


def mod(a, b) -> TensorVariable:
    return elementwise("mod", a, b)


def pow(a, b) -> TensorVariable:  # noqa: A001 - PyTensor's name
    return elementwise("pow", a, b)


def _compare(fn: str):
    def op(a, b):
        return elementwise(fn, a, b, out_dtype="bool")

    op.__name__ = fn
    return op


lt, le, gt, ge, eq, neq = (_compare(n) for n in ("lt", "le", "gt", "ge", "eq", "neq"))


def _unary(fn: str, float_only: bool):
    def op(x):
        x = as_tensor_variable(x)
        if float_only and not dtypes.is_float(x.dtype):
            x = cast(x, "float64")
        return elementwise(fn, x)

    op.__name__ = fn
    return op


neg, abs, sign = (_unary(n, False) for n in ("neg", "abs", "sign"))  # noqa: A001
(
    exp,
    exp2,
    expm1,
    log,
    log2,
    log10,
    log1p,
    sqrt,
    tanh,
    sigmoid,
    softplus,
    sin,
    cos,
    tan,
    arcsin,
    arccos,
    arctan,
    sinh,
    cosh,
    arctanh,
    erf,
    floor,
    ceil,
    round,
) = (  # noqa: A001
    _unary(n, True) for n in st.FLOAT_UNARY
)


def square(x) -> TensorVariable:
    return mul(x, x)


def reciprocal(x) -> TensorVariable:
    return true_div(1.0, x)


def isnan(x) -> TensorVariable:
    return elementwise("isnan", x, out_dtype="bool")


def isinf(x) -> TensorVariable:
    return elementwise("isinf", x, out_dtype="bool")


def _logical(fn: str):
    def op(a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if dtypes.is_float(a.dtype) or dtypes.is_float(b.dtype):
            raise TypeError(f"{fn}_ takes integer or bool tensors, got {a} and {b}")
        return elementwise(fn, a, b)

    op.__name__ = fn + "_"
    return op


and_, or_, xor = _logical("and"), _logical("or"), _logical("xor")
bitwise_and, bitwise_or, bitwise_xor = and_, or_, xor


def invert(x) -> TensorVariable:
    x = as_tensor_variable(x)
    if dtypes.is_float(x.dtype):
        raise TypeError(f"invert takes integer or bool tensors, got {x}")
    return elementwise("invert", x)


bitwise_not = invert


def switch(cond, ift, iff) -> TensorVariable:
    """`ift` where `cond` is true, else `iff` (broadcast; numpy's `where`)."""
    cond = as_tensor_variable(cond)
    ift, iff = as_tensor_variable(ift), as_tensor_variable(iff)
    dtype = dtypes.upcast(ift.dtype, iff.dtype)
    return elementwise(
        "switch", neq(cond, 0), cast(ift, dtype), cast(iff, dtype), out_dtype=dtype
    )


where = switch


def clip(x, low, high) -> TensorVariable:
    return minimum(maximum(x, low), high)


def cast(x, dtype) -> TensorVariable:
    x = as_tensor_variable(x)
    dtype = dtypes.canonical(dtype)
    if x.dtype == dtype:
        return x
    return wrap(
        st.CastOp(x.value, TensorType(dtypes.element_type(dtype), x.type.get_shape()))
    )


# -- shapes and creation ----------------------------------------------------------------


def dim(x, axis: int) -> TensorVariable:
    x = as_tensor_variable(x)
    if not -x.ndim <= axis < x.ndim:
        raise IndexError(f"axis {axis} out of range for {x.ndim}-d {x}")
    return wrap(st.DimOp(x.value, axis % x.ndim))


def alloc(value, *shape) -> TensorVariable:
    """A tensor of `shape` (ints or int scalars) filled with the scalar `value`."""
    value = as_tensor_variable(value)
    if value.ndim != 0:
        raise TypeError("alloc fills with a scalar value")
    sizes = [_int_scalar(s, "alloc size") for s in shape]
    static = [_static_int(s) for s in sizes]
    type_ = _ttype(value.dtype, static)
    return wrap(st.AllocOp(value.value, [s.value for s in sizes], type_))


def _full_like(x, fill, dtype):
    x = as_tensor_variable(x)
    dtype = dtypes.canonical(dtype or x.dtype)
    value = (
        cast(fill, dtype)
        if isinstance(fill, TensorVariable)
        else constant(fill, dtype=dtype)
    )
    if x.ndim == 0:
        return value
    dims = [d if d != DYN else dim(x, i) for i, d in enumerate(x.type.get_shape())]
    return alloc(value, *dims)


def ones_like(x, dtype=None) -> TensorVariable:
    return _full_like(x, 1, dtype)


def zeros_like(x, dtype=None) -> TensorVariable:
    return _full_like(x, 0, dtype)


def _int_scalar(x, what: str) -> TensorVariable:
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return constant(int(x), dtype="int64")
    var = as_tensor_variable(x)
    if var.ndim != 0 or not dtypes.is_int(var.dtype):
        raise TypeError(f"{what} must be an integer scalar, got {var}")
    return cast(var, "int64")


def _static_int(var: TensorVariable) -> int | None:
    value = constant_value(var)
    return None if value is None else int(value)


def arange(start, stop=None, step=1, dtype=None) -> TensorVariable:
    """`numpy.arange`; integer arguments give int64 (PyTensor's rule)."""
    if stop is None:
        start, stop = 0, start
    start, stop, step = (as_tensor_variable(v) for v in (start, stop, step))
    for v in (start, stop, step):
        if v.ndim != 0:
            raise TypeError(f"arange takes scalars, got {v}")
    if dtype is None:
        dtype = dtypes.upcast(start.dtype, stop.dtype, step.dtype)
        if dtypes.is_int(dtype) or dtype == "bool":
            dtype = "int64"
    dtype = dtypes.canonical(dtype)
    length = None
    values = [constant_value(v) for v in (start, stop, step)]
    if builtins.all(v is not None for v in values):
        if values[2] == 0:
            raise ValueError("arange step must not be zero")
        length = len(np.arange(*[v.item() for v in values]))
    common = dtypes.upcast(start.dtype, stop.dtype, step.dtype)
    start, stop, step = (cast(v, common) for v in (start, stop, step))
    return wrap(
        st.ArangeOp(start.value, stop.value, step.value, _ttype(dtype, [length]))
    )


# -- reductions -------------------------------------------------------------------------


def _axes(x: TensorVariable, axis) -> list[int]:
    if axis is None:
        return list(range(x.ndim))
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    norm = []
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"axis {a} is out of range for {x.ndim}-d {x}")
        norm.append(int(a) % x.ndim)
    if len(set(norm)) != len(norm):
        raise ValueError(f"repeated axis in {axis}")
    return sorted(norm)


def _reduce(fn: str, x, axis, dtype, keepdims: bool) -> TensorVariable:
    x = as_tensor_variable(x)
    axes = _axes(x, axis)
    if dtype is None:
        dtype = x.dtype
        if fn in ("sum", "prod") and (dtypes.is_int(dtype) or dtype == "bool"):
            dtype = "int64"
    x = cast(x, dtype)
    shape = [d for i, d in enumerate(x.type.get_shape()) if i not in axes]
    result = wrap(
        st.ReduceOp(fn, x.value, axes, TensorType(x.type.element_type, shape))
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


# -- indexing ---------------------------------------------------------------------------


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
    entries, operands, shape = [], [], list(x.type.get_shape())
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
    type_ = TensorType(x.type.element_type, out_shape)
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
    op = x.owner
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
    leading axes; the other entries must be full slices."""
    others = [i for n, i in enumerate(index) if n not in arrays]
    if len(arrays) > 1 or builtins.any(i != slice(None) for i in others):
        raise NotImplementedError(
            "advanced indexing supports one integer array or boolean mask, with `:` "
            "on the other axes"
        )
    axis = arrays[0]
    item = as_tensor_variable(
        np.asarray(index[axis])
        if not isinstance(index[axis], TensorVariable)
        else index[axis]
    )
    shape = list(x.type.get_shape())
    if item.dtype == "bool":
        if axis != 0 or item.ndim > x.ndim:
            raise IndexError(f"a boolean index must cover the leading axes of {x}")
        result = _ttype(x.dtype, [None, *_dims(shape[item.ndim :])])
        return wrap(st.CompressOp(x.value, item.value, result))
    if not dtypes.is_int(item.dtype):
        raise IndexError(f"arrays used as indices must be integers or booleans: {item}")
    result = _ttype(
        x.dtype, _dims([*shape[:axis], *item.type.get_shape(), *shape[axis + 1 :]])
    )
    return wrap(st.TakeOp(x.value, item.value, axis, result))


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
    _broadcast_shape([x.type.get_shape(), y.type.get_shape()])
    return y


def dot(a, b) -> TensorVariable:
    """numpy's `dot` for scalars, vectors and matrices."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.ndim > 2 or b.ndim > 2:
        raise NotImplementedError("dot of tensors with more than 2 dimensions")
    dtype = dtypes.upcast(a.dtype, b.dtype)
    a, b = cast(a, dtype), cast(b, dtype)
    k1, k2 = a.type.get_shape()[-1], b.type.get_shape()[0]
    if DYN not in (k1, k2) and k1 != k2:
        raise ValueError(
            f"dot: shapes {a.static_shape} and {b.static_shape} not aligned"
        )
    shape = [*a.type.get_shape()[:-1], *b.type.get_shape()[1:]]
    return wrap(st.DotOp(a.value, b.value, TensorType(a.type.element_type, shape)))


def outer(a, b) -> TensorVariable:
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    return mul(expand_dims(a, [1]), expand_dims(b, [0]))


def transpose(x, axes=None) -> TensorVariable:
    x = as_tensor_variable(x)
    perm = (
        list(range(x.ndim))[::-1] if axes is None else [int(a) % x.ndim for a in axes]
    )
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: {axes} is not a permutation of {x.ndim} axes")
    if perm == list(range(x.ndim)):
        return x
    shape = [x.type.get_shape()[p] for p in perm]
    return wrap(st.TransposeOp(x.value, perm, TensorType(x.type.element_type, shape)))


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


# -- more reductions -----------------------------------------------------------------


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
    shape = [d for a, d in enumerate(x.type.get_shape()) if a != axis]
    result = wrap(st.ArgReduceOp(fn, x.value, axis, _ttype("int64", _dims(shape))))
    return expand_dims(result, [axis]) if keepdims else result


def argmax(x, axis=None, keepdims=False) -> TensorVariable:
    return _arg_reduce("argmax", x, axis, keepdims)


def argmin(x, axis=None, keepdims=False) -> TensorVariable:
    return _arg_reduce("argmin", x, axis, keepdims)


def _dims(shape) -> list[int | None]:
    return [None if d == DYN else d for d in shape]


# -- shapes ------------------------------------------------------------------------


def reshape(x, shape, ndim=None) -> TensorVariable:
    """`x` with a new shape; one entry may be -1 (inferred from the others)."""
    x = as_tensor_variable(x)
    if isinstance(shape, TensorVariable) or not isinstance(shape, (list, tuple)):
        shape = list(shape) if hasattr(shape, "__iter__") else [shape]
    sizes = [_int_scalar(s, "reshape size") for s in shape]
    static = [_static_int(s) for s in sizes]
    if static.count(-1) > 1:
        raise ValueError("reshape: only one size can be -1")
    if -1 in static:
        known = constant(1, dtype="int64")
        for s, v in zip(sizes, static):
            if v != -1:
                known = mul(known, s)
        total = constant(1, dtype="int64")
        for a in range(x.ndim):
            total = mul(total, dim(x, a))
        sizes[static.index(-1)] = int_div(total, known)
        static[static.index(-1)] = None
    if None not in static and DYN not in x.type.get_shape():
        if int(np.prod(static)) != int(np.prod(x.type.get_shape())):
            raise ValueError(f"cannot reshape {x} into shape {tuple(static)}")
    result = _ttype(x.dtype, static)
    return wrap(st.ReshapeOp(x.value, [s.value for s in sizes], result))


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
    shape = list(tensors[0].type.get_shape())
    lengths = [t.type.get_shape()[axis] for t in tensors]
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
