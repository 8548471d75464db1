"""Running a `cuda`-target function: its kernel (`scanc.codegen.gpu_kernel`)
launched through a `Driver`, as `NativeFunction` runs CPU code.

A call copies the host inputs to the device (a device array, anything with
`__cuda_array_interface__` of the input's dtype, C-contiguous, is read where it
is), writes the frame there, gives the kernel an arena (its size remembered,
doubled and the kernel run again while the kernel reports `ARENA_FULL`), and
launches one block of `threads` threads. Array results come back as NumPy
arrays, or stay on the device as `DeviceArray`s when an input was a device
array. Every device allocation of the call is freed before it returns, also
when it fails.

Two drivers: `LibcudaDriver`, NVIDIA's driver API through ctypes (no CUDA
Python package needed), and `HostDriver`, where device memory is host memory
and a launch runs the `gpu-sim` build of the same kernel: the same kernel ABI,
so every step of this module is exercised on machines without a GPU.
"""

from __future__ import annotations

import ctypes
import struct

import numpy as np

from scanc.runtime.abi import FrameLayout, Param
from scanc.runtime.call import _word_codes, check_failure, scalar_output

#: `%status` of a kernel whose arena was too small (`gpu_kernel.ARENA_FULL`)
ARENA_FULL = -1

#: the first arena of a function (bytes)
FIRST_ARENA_BYTES = 1 << 20


class CudaError(RuntimeError):
    """The CUDA driver refused a call (the message names it and the kernel)."""


class Driver:
    """What a launch needs from a GPU driver (addresses are ints)."""

    def alloc(self, nbytes: int) -> int: ...
    def free(self, address: int) -> None: ...
    def to_device(self, address: int, host: np.ndarray) -> None: ...
    def to_host(self, host: np.ndarray, address: int) -> None: ...
    def copy(self, target: int, source: int, nbytes: int) -> None: ...
    def load(self, ptx: str, name: str) -> object: ...
    def launch(self, kernel: object, threads: int, args: list[int]) -> None: ...


class DeviceArray:
    """A result left on the device; `cupy.asarray(a)` or `torch.as_tensor(a,
    device="cuda")` read it without a copy, `np.asarray(a)` copies it to the
    host. The device memory is freed with the last reference."""

    def __init__(self, driver: Driver, address: int, shape: tuple, dtype: np.dtype):
        self.driver, self.address = driver, address
        self.shape, self.dtype = shape, np.dtype(dtype)
        self.__cuda_array_interface__ = {
            "data": (address, False),
            "shape": shape,
            "typestr": self.dtype.str,
            "strides": None,
            "version": 3,
        }

    def __array__(self, dtype=None, copy=None):
        host = np.empty(self.shape, self.dtype)
        if host.nbytes:
            self.driver.to_host(host, self.address)
        return host if dtype is None else host.astype(dtype)

    def __del__(self):
        self.driver.free(self.address)


def _device_address(array, param: Param, name: str) -> int | None:
    """The device address of a device array for `param`, None for a host value."""
    interface = getattr(array, "__cuda_array_interface__", None)
    if interface is None:
        return None
    shape, typestr = tuple(interface["shape"]), interface["typestr"]
    if np.dtype(typestr) != param.dtype or len(shape) != param.rank:
        raise TypeError(
            f"{name}: device array {param.name} is {np.dtype(typestr)} of rank "
            f"{len(shape)}; the function takes {param.dtype} of rank {param.rank}"
        )
    if any(n is not None and n != size for n, size in zip(param.shape, shape)):
        raise ValueError(
            f"{name}: device array {param.name} has shape {shape}; the function "
            f"takes {param.shape}"
        )
    strides = interface.get("strides")
    if strides is not None and strides != _contiguous_strides(shape, param.dtype):
        raise ValueError(f"{name}: device array {param.name} is not C-contiguous")
    return int(interface["data"][0])


def _contiguous_strides(shape: tuple, dtype: np.dtype) -> tuple:
    strides, step = [], dtype.itemsize
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))


class GpuFunction:
    """A compiled kernel with its frame layout, called like `NativeFunction`."""

    def __init__(
        self,
        driver: Driver,
        ptx: str,
        layout: FrameLayout,
        checks: list[str],
        inputs: list[Param],
        outputs: list[Param],
        name: str,
        threads: int,
    ):
        self.driver, self.name, self.threads = driver, name, threads
        self.kernel = driver.load(ptx, name)
        self.layout, self.checks = layout, checks
        self.inputs, self.outputs = inputs, outputs
        self.arena_bytes = FIRST_ARENA_BYTES

    def __call__(self, arrays: list) -> list:
        owned: list[int] = []
        try:
            frame, on_device = self._frame(arrays, owned)
            words = self._run(frame, owned)
            return self._results(words, on_device)
        finally:
            for address in reversed(owned):
                self.driver.free(address)

    def _allocate(self, nbytes: int, owned: list[int]) -> int:
        address = self.driver.alloc(max(nbytes, 1))
        owned.append(address)
        return address

    def _frame(self, arrays: list, owned: list[int]) -> tuple[np.ndarray, bool]:
        """The frame's words, the inputs on the device; whether any input
        was a device array."""
        frame = np.zeros(self.layout.size, np.int64)
        on_device = False
        for array, param, slot in zip(arrays, self.inputs, self.layout.inputs):
            k = slot.offset
            if slot.rank == 0:
                value = (
                    array if type(array) in (int, float) else np.asarray(array).item()
                )
                struct.pack_into("=" + _word_codes(param), frame, 8 * k, value)
                continue
            address = _device_address(array, param, self.name)
            on_device |= address is not None
            if address is None:
                host = np.ascontiguousarray(array, dtype=param.dtype)
                address = self._allocate(host.nbytes, owned)
                if host.nbytes:
                    self.driver.to_device(address, host)
                shape = host.shape
            else:
                shape = tuple(array.__cuda_array_interface__["shape"])
            frame[k] = address
            frame[k + 1 : k + 1 + slot.rank] = shape
        return frame, on_device

    def _run(self, frame: np.ndarray, owned: list[int]) -> np.ndarray:
        """Launch until the arena is large enough; the frame's words after."""
        frame_at = self._allocate(frame.nbytes, owned)
        status_at = self._allocate(4, owned)
        status = np.zeros(1, np.int32)
        while True:
            arena = self._allocate(self.arena_bytes, owned)
            self.driver.to_device(frame_at, frame)
            self.driver.to_device(status_at, np.zeros(1, np.int32))
            self.driver.launch(
                self.kernel,
                self.threads,
                [frame_at, arena, self.arena_bytes, status_at],
            )
            self.driver.to_host(status, status_at)
            if status[0] != ARENA_FULL:
                break
            owned.remove(arena)
            self.driver.free(arena)
            self.arena_bytes *= 2
        if status[0]:
            raise self._error(int(status[0]))
        words = np.empty_like(frame)
        self.driver.to_host(words, frame_at)
        return words

    def _results(self, words: np.ndarray, on_device: bool) -> list:
        values = words.tolist()
        results = []
        for param, slot in zip(self.outputs, self.layout.outputs):
            k, dtype = slot.offset, param.dtype
            if slot.rank == 0:
                results.append(scalar_output(words.view(np.float64), values, k, dtype))
                continue
            shape = tuple(values[k + 1 : k + 1 + slot.rank])
            results.append(self._array(values[k], shape, dtype, on_device))
        return results

    def _array(self, address: int, shape: tuple, dtype: np.dtype, on_device: bool):
        """A result from the arena: copied to the host, or to its own device
        buffer (the arena is freed with the call)."""
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not on_device:
            host = np.empty(shape, dtype)
            if nbytes:
                self.driver.to_host(host, address)
            return host
        copy = self.driver.alloc(max(nbytes, 1))
        if nbytes:
            self.driver.copy(copy, address, nbytes)
        return DeviceArray(self.driver, copy, shape, dtype)

    def _error(self, status: int) -> Exception:
        where = f"compiled function {self.name!r}, on the GPU"
        return check_failure(self.checks, status, where)


class HostDriver(Driver):
    """Device memory is host memory; `load` finds the host build (`gpu-sim`)
    of the kernel in `kernels` (name -> address of `void(ptr, ptr, i64, ptr)`)."""

    _KERNEL = ctypes.CFUNCTYPE(
        None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p
    )

    def __init__(self, kernels: dict[str, int]):
        self.kernels = kernels
        self.buffers: dict[int, np.ndarray] = {}

    def alloc(self, nbytes: int) -> int:
        buffer = np.empty(nbytes + 64, np.uint8)
        address = -(-buffer.ctypes.data // 64) * 64
        self.buffers[address] = buffer
        return address

    def free(self, address: int) -> None:
        del self.buffers[address]

    def to_device(self, address: int, host: np.ndarray) -> None:
        ctypes.memmove(address, host.ctypes.data, host.nbytes)

    def to_host(self, host: np.ndarray, address: int) -> None:
        ctypes.memmove(host.ctypes.data, address, host.nbytes)

    def copy(self, target: int, source: int, nbytes: int) -> None:
        ctypes.memmove(target, source, nbytes)

    def load(self, ptx: str, name: str) -> object:
        if ".entry" not in ptx:
            raise CudaError(f"kernel {name}: no PTX entry to load")
        return self._KERNEL(self.kernels[name])

    def launch(self, kernel: object, threads: int, args: list[int]) -> None:
        kernel(*args)  # type: ignore[operator]
