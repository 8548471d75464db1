"""Calling a compiled function: pack the (already converted, see
`scanc.runtime.inputs`) inputs into a call frame, run the native code, wrap its
outputs. Outputs are numpy arrays that own the memory the native code allocated.
"""

from __future__ import annotations

import ctypes
import struct
import threading

import numpy as np

from scanc.runtime.abi import FrameLayout, Param
from scanc.runtime.jit import libc_free

_EXCEPTIONS = {
    "ValueError": ValueError,
    "IndexError": IndexError,
    "MemoryError": MemoryError,
    "TypeError": TypeError,
    "LinAlgError": np.linalg.LinAlgError,
    "NotImplementedError": NotImplementedError,
}


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


def scalar_output(floats: np.ndarray, values: list, k: int, dtype: np.dtype):
    """The 0-d array of a scalar result in frame word `k` (`floats`: the frame
    as float64, `values`: as ints)."""
    raw = floats[k] if dtype.kind == "f" else values[k]
    if dtype.kind == "u":  # the word holds the sign-extended bits
        raw &= (1 << 8 * dtype.itemsize) - 1
    return np.asarray(raw, dtype=dtype)


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
        self.address, self.layout = address, layout
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
                results.append(scalar_output(frame.floats, values, k, dtype))
            else:
                shape = tuple(values[k + 1 : k + 1 + rank])
                results.append(np.asarray(_Owner(values[k], shape, typestr)))
        return results

    def _error(self, status: int) -> Exception:
        return check_failure(self.checks, status, f"compiled function {self.name!r}")


def check_failure(checks: list[str], status: int, where: str) -> Exception:
    """The exception of failed check number `status` (1-based) of `checks`."""
    kind, _, text = checks[status - 1].partition(": ")
    return _EXCEPTIONS.get(kind, RuntimeError)(f"{text} (in {where})")
