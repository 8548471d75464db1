"""Calling a compiled function: check and convert inputs, run, wrap outputs.

Inputs follow PyTensor's `allow_input_downcast` rules: an array is accepted when
its dtype up-casts to the input's dtype; Python scalars and lists when their
values survive the conversion; anything else needs `allow_input_downcast=True`.
Outputs are numpy arrays that own the memory the native code allocated.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from dataclasses import dataclass
from functools import cached_property

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

    @cached_property
    def rank(self) -> int:
        return len(self.shape)

    @cached_property
    def int_range(self) -> tuple[int, int]:
        info = np.iinfo(self.dtype)
        return int(info.min), int(info.max)

    @cached_property
    def static_sizes(self) -> bool:
        return any(size is not None for size in self.shape)


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
            low, high = param.int_range
            if low <= value <= high:
                return value
    return None


def convert_input(value, param: Param, allow_downcast: bool | None):
    """`value` as the frame takes it: an array, or a Python scalar for rank 0."""
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


def _word_codes(param: Param) -> str:
    """`struct` codes of an input's frame words (float64 bits for float scalars)."""
    if param.rank:
        return "q" * (1 + param.rank)
    return {"f": "d", "u": "Q"}.get(param.dtype.kind, "q")


def _data_address_reader():
    """A reader of an array's data address. `ndarray.ctypes.data` takes about a
    microsecond; the `data` field that follows the object header in NumPy's
    array struct (what `PyArray_DATA` reads) takes a tenth of that. The field
    is used where it gives `ctypes.data` for a probe array, else `ctypes.data`."""
    header, field = object.__basicsize__, ctypes.c_void_p.from_address
    probe = np.empty(1)
    if field(id(probe) + header).value == probe.ctypes.data:
        return lambda array: field(id(array) + header).value
    return lambda array: array.ctypes.data


_data_address = _data_address_reader()


class _Frame:
    """One thread's call frame: the int64 words the compiled code reads its
    inputs from and writes its outputs to."""

    __slots__ = ("words", "floats", "address", "input_words")

    def __init__(self, size: int, input_words: int):
        self.words = np.zeros(size, dtype=np.int64)
        self.floats = self.words.view(np.float64)
        self.address = self.words.ctypes.data
        #: the input words, written with one `pack_into` per call
        self.input_words: list = [0] * input_words


class NativeFunction:
    """A compiled entry point `int32 f(int64 *frame)` with its frame layout.

    Each thread calls it with a frame of its own, and the native code runs
    without the GIL (ctypes releases it), so threads call one function at the
    same time. Code that keeps buffers between calls in globals of its own
    (`reentrant=False`, scan's `allow_gc=False`) is called by one thread at a
    time."""

    def __init__(
        self,
        address: int,
        layout: FrameLayout,
        checks: list[str],
        inputs: list[Param],
        outputs: list[Param],
        name: str,
        reentrant: bool = True,
    ):
        self.checks, self.name = checks, name
        self.frame_size = layout.size
        self.frames = threading.local()
        self.lock = None if reentrant else threading.Lock()
        prototype = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)
        self.entry = prototype(address)
        self.input_slots = [(slot.offset, slot.rank) for slot in layout.inputs]
        self.input_format = struct.Struct("=" + "".join(map(_word_codes, inputs)))
        self.output_slots = [
            (slot.offset, slot.rank, param.dtype, param.dtype.str)
            for slot, param in zip(layout.outputs, outputs)
        ]

    def _frame(self) -> _Frame:
        try:
            return self.frames.frame
        except AttributeError:
            words = self.input_format.size // 8
            frame = self.frames.frame = _Frame(self.frame_size, words)
            return frame

    def __call__(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        if self.lock is None:
            return self._run(arrays)
        with self.lock:
            return self._run(arrays)

    def _run(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        frame = self._frame()
        alive = self._pack(frame, arrays)  # noqa: F841 - copies live through the call
        status = self.entry(frame.address)
        if status:
            raise self._error(status)
        return self._unpack(frame)

    def _pack(self, frame: _Frame, arrays: list[np.ndarray]) -> list[np.ndarray]:
        words = frame.input_words
        alive = []
        for n, array in enumerate(arrays):
            k, rank = self.input_slots[n]
            if rank == 0:
                words[k] = array if type(array) in (int, float) else array.item()
                continue
            if not array.flags.c_contiguous:
                array = np.ascontiguousarray(array)
                alive.append(array)
            # read at every call: `resize(refcheck=False)` moves an array's data
            words[k] = _data_address(array)
            words[k + 1 : k + 1 + rank] = array.shape
        self.input_format.pack_into(frame.words, 0, *words)
        return alive

    def _unpack(self, frame: _Frame) -> list[np.ndarray]:
        values = frame.words.tolist()
        results = []
        for k, rank, dtype, typestr in self.output_slots:
            if rank == 0:
                raw = frame.floats[k] if dtype.kind == "f" else values[k]
                if dtype.kind == "u":  # the word holds the sign-extended bits
                    raw &= (1 << 8 * dtype.itemsize) - 1
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
