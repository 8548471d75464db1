"""NVIDIA's driver API through ctypes: the `Driver` of `scanc.runtime.cuda_launch`
on a machine with a GPU (libcuda.so.1 comes with the driver; no CUDA Python
package is needed). Each call that fails raises `CudaError` naming the driver
function, its error and the kernel."""

from __future__ import annotations

import ctypes
import threading

import numpy as np

from scanc.runtime.cuda_launch import CudaError, Driver

_u64, _ptr, _int, _uint, _size = (
    ctypes.c_uint64,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_uint,
    ctypes.c_size_t,
)

#: argument types of the driver functions used
_SIGNATURES = {
    "cuInit": [_uint],
    "cuDeviceGet": [ctypes.POINTER(_int), _int],
    "cuDeviceGetCount": [ctypes.POINTER(_int)],
    "cuDevicePrimaryCtxRetain": [ctypes.POINTER(_ptr), _int],
    "cuCtxSetCurrent": [_ptr],
    "cuCtxSynchronize": [],
    "cuMemAlloc_v2": [ctypes.POINTER(_u64), _size],
    "cuMemFree_v2": [_u64],
    "cuMemcpyHtoD_v2": [_u64, _ptr, _size],
    "cuMemcpyDtoH_v2": [_ptr, _u64, _size],
    "cuMemcpyDtoD_v2": [_u64, _u64, _size],
    "cuModuleLoadData": [ctypes.POINTER(_ptr), ctypes.c_char_p],
    "cuModuleGetFunction": [ctypes.POINTER(_ptr), _ptr, ctypes.c_char_p],
    "cuLaunchKernel": [_ptr, _uint, _uint, _uint, _uint, _uint, _uint, _uint, _ptr]
    + [ctypes.POINTER(_ptr), ctypes.POINTER(_ptr)],
    "cuGetErrorName": [_int, ctypes.POINTER(ctypes.c_char_p)],
}


class LibcudaDriver(Driver):
    """Device `device`'s primary context, made current in each calling thread."""

    def __init__(self, library: ctypes.CDLL, device: int = 0):
        self.lib = library
        for name, argtypes in _SIGNATURES.items():
            function = getattr(library, name)
            function.argtypes, function.restype = argtypes, _int
        self._check("cuInit", 0)
        handle = _int()
        self._check("cuDeviceGet", ctypes.byref(handle), device)
        self.context = _ptr()
        self._check("cuDevicePrimaryCtxRetain", ctypes.byref(self.context), handle)
        self.current = threading.local()
        self.modules: list[_ptr] = []

    def _check(self, name: str, *args, kernel: str = "") -> None:
        code = getattr(self.lib, name)(*args)
        if code:
            text = ctypes.c_char_p()
            self.lib.cuGetErrorName(code, ctypes.byref(text))
            where = f" (kernel {kernel})" if kernel else ""
            raise CudaError(f"{name} failed: {(text.value or b'?').decode()}{where}")

    def _enter(self) -> None:
        if not getattr(self.current, "set", False):
            self._check("cuCtxSetCurrent", self.context)
            self.current.set = True

    def alloc(self, nbytes: int) -> int:
        self._enter()
        address = _u64()
        self._check("cuMemAlloc_v2", ctypes.byref(address), nbytes)
        return address.value

    def free(self, address: int) -> None:
        self._enter()
        self._check("cuMemFree_v2", address)

    def to_device(self, address: int, host: np.ndarray) -> None:
        self._enter()
        self._check("cuMemcpyHtoD_v2", address, host.ctypes.data, host.nbytes)

    def to_host(self, host: np.ndarray, address: int) -> None:
        self._enter()
        self._check("cuMemcpyDtoH_v2", host.ctypes.data, address, host.nbytes)

    def copy(self, target: int, source: int, nbytes: int) -> None:
        self._enter()
        self._check("cuMemcpyDtoD_v2", target, source, nbytes)

    def load(self, ptx: str, name: str) -> object:
        self._enter()
        module, function = _ptr(), _ptr()
        self._check(
            "cuModuleLoadData", ctypes.byref(module), ptx.encode() + b"\0", kernel=name
        )
        self.modules.append(module)
        self._check(
            "cuModuleGetFunction",
            ctypes.byref(function),
            module,
            name.encode(),
            kernel=name,
        )
        return (function, name)

    def launch(self, kernel: object, threads: int, args: list[int]) -> None:
        self._enter()
        function, name = kernel  # type: ignore[misc]
        values = [_u64(a) for a in args]
        params = (_ptr * len(values))(*[ctypes.addressof(v) for v in values])
        self._check(
            "cuLaunchKernel",
            function,
            1,
            1,
            1,
            threads,
            1,
            1,
            0,
            None,
            params,
            None,
            kernel=name,
        )
        self._check("cuCtxSynchronize", kernel=name)
