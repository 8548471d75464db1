"""Calling a compiled function: check and convert inputs, run, wrap outputs.

Inputs follow PyTensor's `allow_input_downcast` rules: an array is accepted when
its dtype up-casts to the input's dtype; Python scalars and lists when their
values survive the conversion; anything else needs `allow_input_downcast=True`.
Outputs are numpy arrays that own the memory the native code allocated.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

import numpy as np

from scanc import config
from scanc.runtime.abi import FrameLayout
from scanc.runtime.jit import libc_free

_EXCEPTIONS = {
    "ValueError": ValueError,
    "IndexError": IndexError,
    "MemoryError": MemoryError,
    "TypeError": TypeError,
}


@dataclass(frozen=True)
class Param:
    name: str
    dtype: np.dtype
    shape: tuple[int | None, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)


class _Owner:
    """Frees a native allocation when the last numpy view of it goes away."""

    __slots__ = ("__array_interface__", "address")

    def __init__(self, address: int, shape: tuple[int, ...], typestr: str):
        self.address = address
        self.__array_interface__ = {
            "data": (address, False),
            "shape": shape,
            "typestr": typestr,
            "version": 3,
        }

    def __del__(self, free=libc_free()):  # bound now: still callable at shutdown
        free(self.address)


def _fast_scalar(value, param: Param):
    """A Python int/float that goes into the frame as is, or None."""
    kind = param.dtype.kind
    if type(value) is float and param.dtype == np.float64:
        return value
    if type(value) is int:
        if kind == "f" and param.dtype == np.float64 and abs(value) <= 2**53:
            return float(value)
        if kind in "iu":
            info = np.iinfo(param.dtype)
            if info.min <= value <= info.max:
                return value
    return None


def convert_input(value, param: Param, allow_downcast: bool | None):
    """`value` as the frame takes it: an array, or a Python scalar for rank 0."""
    if param.rank == 0 and (fast := _fast_scalar(value, param)) is not None:
        return fast
    if type(value) is np.ndarray and value.dtype == param.dtype:
        array = value
    else:
        array = _converted(value, param, allow_downcast)
    if array.ndim != param.rank:
        raise TypeError(
            f"input {param.name!r}: expected {param.rank} dimensions, got array of "
            f"shape {array.shape}"
        )
    for axis, (want, got) in enumerate(zip(param.shape, array.shape)):
        if want is not None and want != got:
            raise TypeError(
                f"input {param.name!r}: expected size {want} on axis {axis}, got shape "
                f"{array.shape}"
            )
    return array


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


class NativeFunction:
    """A compiled entry point `int32 f(int64 *frame)` with its frame layout."""

    def __init__(
        self,
        address: int,
        layout: FrameLayout,
        checks: list[str],
        inputs: list[Param],
        outputs: list[Param],
        name: str,
    ):
        self.layout, self.checks, self.name = layout, checks, name
        self.inputs, self.outputs = inputs, outputs
        self.frame = np.zeros(layout.size, dtype=np.int64)
        self.frame_f = self.frame.view(np.float64)
        self.lock = threading.Lock()
        prototype = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)
        self.entry = prototype(address)
        self.frame_address = self.frame.ctypes.data
        self.output_slots = [
            (slot.offset, slot.rank, param.dtype, param.dtype.str)
            for slot, param in zip(layout.outputs, outputs)
        ]

    def __call__(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        with self.lock:
            alive = self._pack(arrays)  # noqa: F841 - keeps copies alive during the call
            status = self.entry(self.frame_address)
            if status:
                raise self._error(status)
            return self._unpack()

    def _pack(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        frame, frame_f = self.frame, self.frame_f
        alive = []
        for array, slot, param in zip(arrays, self.layout.inputs, self.inputs):
            k = slot.offset
            if slot.rank == 0:
                if param.dtype.kind == "f":
                    frame_f[k] = array
                else:
                    frame[k] = array
                continue
            if not array.flags.c_contiguous:
                array = np.ascontiguousarray(array)
                alive.append(array)
            frame[k] = array.ctypes.data
            for d, size in enumerate(array.shape):
                frame[k + 1 + d] = size
        return alive

    def _unpack(self) -> list[np.ndarray]:
        values = self.frame.tolist()
        results = []
        for k, rank, dtype, typestr in self.output_slots:
            if rank == 0:
                raw = self.frame_f[k] if dtype.kind == "f" else values[k]
                results.append(np.asarray(raw, dtype=dtype))
            else:
                shape = tuple(values[k + 1 : k + 1 + rank])
                results.append(np.asarray(_Owner(values[k], shape, typestr)))
        return results

    def _error(self, status: int) -> Exception:
        message = self.checks[status - 1]
        kind, _, text = message.partition(": ")
        return _EXCEPTIONS.get(kind, RuntimeError)(
            f"{text} (in compiled function {self.name!r})"
        )
