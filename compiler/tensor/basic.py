"""`scanc.tensor` basics: constructors, constants, elementwise ops, casts, fills
and ranges; each call builds one `st`/`arith` op."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np
from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, placeholder, wrap
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DYNAMIC_INDEX as DYN
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, TensorType

Shape = Sequence[int | None]


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
    return placeholder(type_, name)


def _maker(default_shape: tuple, default_dtype: str | None):
    def make(name=None, dtype=None, shape=None):
        if shape is None:
            shape = default_shape
        if len(shape) != len(default_shape):
            raise ValueError(
                f"shape {shape} does not have {len(default_shape)} dimensions"
            )
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
#: each kind's shape (`row` and `col` broadcast along one axis, as PyTensor's)
_SHAPES = {
    "scalar": (),
    "vector": (None,),
    "matrix": (None, None),
    "row": (1, None),
    "col": (None, 1),
    **{f"tensor{n}": (None,) * n for n in range(3, 8)},
}
_PLURALS = {
    "scalar": "scalars",
    "vector": "vectors",
    "matrix": "matrices",
    "row": "rows",
    "col": "cols",
    **{f"tensor{n}": f"tensor{n}s" for n in range(3, 8)},
}


def _many(make):
    """PyTensor's plural constructors: `dscalars("x", "y")` (or `"x,y"`) makes
    one variable per name, `dscalars(3)` three unnamed ones, one name one
    variable."""

    def many(*names, dtype=None):
        if len(names) == 1:
            (only,) = names
            if isinstance(only, (int, np.integer)):
                names = (None,) * int(only)
            elif isinstance(only, str) and "," in only:
                names = tuple(n.strip() for n in only.split(","))
            elif isinstance(only, (list, tuple)):
                names = tuple(only)
        made = [make(name, dtype) for name in names]
        return made[0] if len(made) == 1 else made

    return many


CONSTRUCTORS: dict[str, object] = {}
for _prefix, _dtype in _PREFIXES.items():
    for _kind, _shape in _SHAPES.items():
        _fn = _maker(_shape, _dtype)
        _fn.__name__ = _prefix + _kind
        _fn.__doc__ = f"A symbolic {_kind} of dtype {_dtype or 'floatX'}."
        CONSTRUCTORS[_prefix + _kind] = _fn
        _plural = _many(_fn)
        _plural.__name__ = _prefix + _PLURALS[_kind]
        _plural.__doc__ = f"Symbolic {_kind}s of dtype {_dtype or 'floatX'}."
        CONSTRUCTORS[_prefix + _PLURALS[_kind]] = _plural


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
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(dtype)
    if _does_not_fit(array, converted):
        raise TypeError(f"value {x!r} cannot be represented as {dtype}")
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


def _does_not_fit(array: np.ndarray, converted: np.ndarray) -> bool:
    """Whether converting changed a value beyond rounding: an integer dtype
    must hold the values exactly, a float dtype may round them (as NumPy and
    PyTensor do: `constant(0.1, dtype="float32")`) but not overflow them."""
    if array.dtype.kind not in "biuf":
        return False
    if converted.dtype.kind == "f":
        return bool(np.any(np.isinf(converted) & np.isfinite(array)))
    return not np.array_equal(converted, array)


def as_tensor_variable(x, name=None, ndim=None, dtype=None) -> TensorVariable:
    """A symbolic variable for `x`; nested lists and tuples that mix variables
    and numbers are stacked (`[[x0], xs]`, `prev_xs * rhos`), as in PyTensor."""
    if isinstance(x, (list, tuple)) and _holds_variables(x):
        x = STACK[0]([as_tensor_variable(item) for item in x])
    if isinstance(x, TensorVariable):
        if ndim is not None and x.ndim != ndim:
            raise TypeError(f"{x} has {x.ndim} dimensions, expected {ndim}")
        return x if dtype is None else cast(x, dtype)
    return constant(x, name=name, ndim=ndim, dtype=dtype)


#: `scanc.tensor.stack`, which `scanc.tensor.shape` defines on top of this module
STACK: list = []


def _holds_variables(items) -> bool:
    return builtins.any(
        isinstance(i, TensorVariable)
        or (isinstance(i, (list, tuple)) and _holds_variables(i))
        for i in items
    )


def constant_value(var: TensorVariable):
    """The numpy value of a constant variable, or None when it is not constant."""
    op = var.value.owner
    if isinstance(op, ConstantOp) and isinstance(op.value, DenseIntOrFPElementsAttr):
        values = op.value.get_values()
        return np.asarray(values, dtype=var.dtype).reshape(
            [d for d in var.ir_type.get_shape()]
        )
    return None


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


def expand_dims(x, axis) -> TensorVariable:
    """`x` with new axes of size 1 at positions `axis` (an int or a sequence,
    negative ones counted from the end of the result), as NumPy's and
    PyTensor's `expand_dims`."""
    x = as_tensor_variable(x)
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    ndim = x.ndim + len(axes)
    if builtins.any(not -ndim <= a < ndim for a in axes):
        raise ValueError(
            f"expand_dims: axis {axis} out of range for a result of {ndim} dimensions"
        )
    axes = sorted(int(a) % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"expand_dims: repeated axis in {axis}")
    shape = list(x.ir_type.get_shape())
    for a in axes:
        shape.insert(a, 1)
    result_type = TensorType(x.ir_type.element_type, shape)
    return wrap(st.ExpandDimsOp(x.value, axes, result_type))


def _align(x: TensorVariable, ndim: int) -> TensorVariable:
    return x if x.ndim == ndim else expand_dims(x, range(ndim - x.ndim))


#: NumPy refuses these on bools alone, and computes these in int8
_REFUSED_ON_BOOLS = ("sub", "neg", "sign")
_INT8_FOR_BOOLS = ("int_div", "mod", "pow")


def _numpy_bool_rule(fn: str, vars_: list[TensorVariable]) -> list[TensorVariable]:
    if builtins.any(v.dtype != "bool" for v in vars_):
        return vars_
    if fn in _REFUSED_ON_BOOLS:
        raise TypeError(
            f"{fn} of bool tensors is not supported (as in NumPy); use xor (^), "
            "invert (~) or cast them to an integer dtype first"
        )
    if fn in _INT8_FOR_BOOLS:
        return [cast(v, "int8") for v in vars_]
    return vars_


def elementwise(fn: str, *args, out_dtype: str | None = None) -> TensorVariable:
    """Apply `fn` with broadcasting; `out_dtype` defaults to the upcast of inputs."""
    vars_ = _numpy_bool_rule(fn, [as_tensor_variable(a) for a in args])
    ndim = builtins.max(v.ndim for v in vars_)
    vars_ = [_align(v, ndim) for v in vars_]
    shape = _broadcast_shape([v.ir_type.get_shape() for v in vars_])
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


def arctan2(y, x) -> TensorVariable:
    """The angle of the point (x, y), in (-pi, pi] (NumPy's `arctan2`);
    integers give float64."""
    y, x = as_tensor_variable(y), as_tensor_variable(x)
    dtype = dtypes.upcast(y.dtype, x.dtype)
    if not dtypes.is_float(dtype):
        dtype = "float64"
    return elementwise("arctan2", cast(y, dtype), cast(x, dtype))


int_div, mod = _arith("int_div"), _arith("mod")
pow = _arith("pow")  # noqa: A001 - PyTensor's name


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


erfc, gammaln, psi, tri_gamma = (_unary(n, True) for n in st.SPECIAL_UNARY)
digamma = psi


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
        st.CastOp(
            x.value, TensorType(dtypes.element_type(dtype), x.ir_type.get_shape())
        )
    )


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
    dims = [d if d != DYN else dim(x, i) for i, d in enumerate(x.ir_type.get_shape())]
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


def _dims(shape) -> list[int | None]:
    return [None if d == DYN else d for d in shape]


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
