"""PyTensor's input-conversion policy: what a compiled function accepts for
each input, and how it is converted before the call.

An array is accepted when its dtype up-casts to the input's dtype; Python
scalars and lists when their values survive the conversion (a Python float for
a `floatX` input too); anything else needs `allow_input_downcast=True`. Ranks
and static sizes must match. Shared variables' values are checked again at
every call. A random generator input takes a NumPy Generator.
"""

from __future__ import annotations

import numpy as np

from scanc import config
from scanc.runtime.abi import Param
from scanc.runtime.generators import generator_state


def _fast_scalar(value, param: Param):
    """A Python int/float that goes into the frame as is, or None."""
    kind = param.dtype.kind
    if type(value) is float and param.dtype == np.float64:
        return value
    if type(value) is int:
        if kind == "f" and param.dtype == np.float64 and abs(value) <= 2**53:
            return float(value)
        if kind in "iu":
            low, high = param.int_range
            if low <= value <= high:
                return value
    return None


def convert_input(value, param: Param, allow_downcast: bool | None):
    """`value` as the frame takes it: an array, or a Python scalar for rank 0."""
    if param.generator:
        return generator_state(value, f"input {param.name!r}")
    if param.rank == 0 and (fast := _fast_scalar(value, param)) is not None:
        return fast
    if type(value) is np.ndarray and (
        value.dtype is param.dtype or value.dtype == param.dtype
    ):
        array = value
    else:
        array = _converted(value, param, allow_downcast)
    if array.ndim != param.rank:
        raise TypeError(
            f"input {param.name!r}: expected {param.rank} dimensions, got array of "
            f"shape {array.shape}"
        )
    if not param.static_sizes:
        return array
    for axis, (want, got) in enumerate(zip(param.shape, array.shape)):
        if want is not None and want != got:
            raise TypeError(
                f"input {param.name!r}: expected size {want} on axis {axis}, got shape "
                f"{array.shape}"
            )
    return array


def check_shared_value(value, param: Param) -> np.ndarray:
    """A shared variable's value, checked again at every call: one borrowed with
    `get_value(borrow=True)` may have changed dtype or shape in place since
    `set_value` checked it, and must not be read with the old layout."""
    if (
        type(value) is np.ndarray
        and value.dtype == param.dtype
        and value.ndim == param.rank
        and (
            not param.static_sizes
            or all(w is None or w == g for w, g in zip(param.shape, value.shape))
        )
    ):
        return value
    got = f"{getattr(value, 'dtype', type(value).__name__)} of shape "
    got += str(getattr(value, "shape", "?"))
    raise TypeError(
        f"shared variable {param.name!r} now holds {got}, expected {param.dtype} "
        f"with {param.rank} dimensions (sizes {param.shape}); was its value changed "
        "in place after get_value(borrow=True)? Use set_value instead"
    )


def _converted(value, param: Param, allow_downcast: bool | None) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"input {param.name!r}: cannot convert {value!r} to an array"
        ) from exc
    if array.dtype == param.dtype:
        return array
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"input {param.name!r}: expected {param.dtype} data, got {array.dtype}"
        )
    if allow_downcast or np.result_type(array.dtype, param.dtype) == param.dtype:
        return array.astype(param.dtype)
    converted = array.astype(param.dtype)
    lossless = not isinstance(value, np.ndarray) and np.array_equal(converted, array)
    floatx_python = (
        isinstance(value, (float, np.floating))
        and allow_downcast is None
        and param.dtype == np.dtype(config.floatX)
    )
    if lossless or floatx_python:
        return converted
    raise TypeError(
        f"input {param.name!r}: {param.dtype} cannot hold {array.dtype} data exactly "
        f"(got {value!r}); convert it yourself or pass allow_input_downcast=True"
    )
