"""`scanc.cuda`: whether this machine can run functions compiled for the
`cuda` target, and why not.

Compiling for `cuda` needs nothing but llvmlite (PTX is made by LLVM's NVPTX
backend; `f.ptx` holds a function's). Running it needs an NVIDIA driver, a GPU,
the CUDA Python package (`cuda-bindings`, the `cuda` extra) and scanc's launch
runtime, which this version does not have yet: `is_available()` is False
everywhere, and a call on the `cuda` target raises `CudaUnavailable` naming
the first of these that is missing here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
from functools import cache


class CudaUnavailable(RuntimeError):
    """A function compiled for the `cuda` target was called where it cannot run."""


#: why the launch runtime cannot run anything yet
NO_RUNTIME = (
    "scanc's CUDA launch runtime (module loading, transfers, launches) is not "
    "built yet; the gpu-sim target runs the same kernels on the host"
)


@cache
def _driver() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libcuda.so.1")
    except OSError:
        name = ctypes.util.find_library("cuda")
        try:
            return ctypes.CDLL(name) if name else None
        except OSError:
            return None


def device_count() -> int:
    """GPUs the driver sees (0 without a driver)."""
    driver = _driver()
    if driver is None or driver.cuInit(0) != 0:
        return 0
    count = ctypes.c_int(0)
    if driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def missing() -> str | None:
    """The first thing this machine lacks to run `cuda` code, or None."""
    if _driver() is None:
        return "no NVIDIA driver (libcuda.so.1 was not found)"
    if device_count() == 0:
        return "no GPU (the NVIDIA driver reports none)"
    if importlib.util.find_spec("cuda") is None:
        return "no CUDA Python package (pip install 'scanc[cuda]' for cuda-bindings)"
    return NO_RUNTIME


def is_available() -> bool:
    """Whether functions compiled for `cuda` can be called here."""
    return missing() is None


def unavailable(name: str) -> CudaUnavailable:
    """The error of calling function `name`, compiled for `cuda`, here."""
    return CudaUnavailable(
        f"function {name} is compiled for the cuda target (its PTX is f.ptx) "
        f"but cannot run here: {missing()}"
    )
