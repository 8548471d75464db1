"""Dtypes: numpy names, IR element types and PyTensor's promotion rules."""

from __future__ import annotations

import numpy as np
from scanc import config
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    Float32Type,
    Float64Type,
    IntegerType,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute

_ELEMENT_TYPES: dict[str, Attribute] = {
    "float64": Float64Type(),
    "float32": Float32Type(),
    "int64": IntegerType(64),
    "int32": IntegerType(32),
    "int16": IntegerType(16),
    "int8": IntegerType(8),
    "uint8": IntegerType(8, Signedness.UNSIGNED),
    "bool": IntegerType(1),
}
_DTYPES = {v: k for k, v in _ELEMENT_TYPES.items()}

SUPPORTED = tuple(_ELEMENT_TYPES)


def element_type(dtype: str) -> Attribute:
    dtype = canonical(dtype)
    return _ELEMENT_TYPES[dtype]


def tensor_type(dtype: str, shape) -> TensorType:
    """The IR type of a tensor; `None` in `shape` is an unknown dimension."""
    dims = [DYNAMIC_INDEX if d is None else d for d in shape]
    return TensorType(element_type(dtype), dims)


def dtype_of(type_: Attribute) -> str:
    if isinstance(type_, TensorType):
        type_ = type_.element_type
    return _DTYPES[type_]


def canonical(dtype: object) -> str:
    """The numpy name of `dtype` ("floatX" means `scanc.config.floatX`)."""
    if dtype == "floatX":
        dtype = config.floatX
    name = np.dtype(dtype).name  # type: ignore[arg-type]
    if name not in _ELEMENT_TYPES:
        raise TypeError(
            f"dtype {name!r} is not supported; scanc supports {', '.join(SUPPORTED)}"
        )
    return name


def is_float(dtype: str) -> bool:
    return dtype.startswith("float")


def is_int(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))


def upcast(*dtypes: str) -> str:
    """The dtype numpy gives to arrays of these dtypes combined (PyTensor's upcast)."""
    return canonical(np.result_type(*[np.dtype(d) for d in dtypes]))


def python_scalar_dtype(value: object) -> str:
    """PyTensor's dtype for a Python scalar: the smallest int that holds an int,
    `floatX` for a float, bool for a bool."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, int):
        for dtype in ("int8", "int16", "int32", "int64"):
            info = np.iinfo(dtype)
            if info.min <= value <= info.max:
                return dtype
        raise OverflowError(f"integer {value} does not fit in int64")
    if isinstance(value, float):
        return canonical(config.floatX)
    raise TypeError(f"not a Python scalar: {value!r}")
