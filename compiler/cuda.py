"""`scanc.cuda`: running functions compiled for the `cuda` target.

Compiling for `cuda` needs nothing but llvmlite (PTX from LLVM's NVPTX backend;
`f.ptx` holds a function's). Calling one needs an NVIDIA driver and a GPU: the
kernel is loaded and launched through the driver API by ctypes
(`scanc.runtime.libcuda`; no CUDA Python package is needed). Where either is
missing, `is_available()` is False and a call raises `CudaUnavailable` saying
which. `use_driver` runs calls through another `Driver` (the tests use
`scanc.runtime.cuda_launch.HostDriver`, which runs the `gpu-sim` build of a
kernel on the host).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from scanc.runtime.cuda_launch import CudaError, Driver

__all__ = ["CudaError", "CudaUnavailable", "device_count", "driver", "is_available"]


class CudaUnavailable(RuntimeError):
    """A function compiled for the `cuda` target was called where it cannot run."""


@cache
def _library() -> ctypes.CDLL | None:
    for name in ("libcuda.so.1", ctypes.util.find_library("cuda")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    return None


def device_count() -> int:
    """GPUs the driver sees (0 without a driver)."""
    library = _library()
    if library is None or library.cuInit(0) != 0:
        return 0
    count = ctypes.c_int(0)
    if library.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def missing() -> str | None:
    """What this machine lacks to run `cuda` code, or None."""
    if _library() is None:
        return "no NVIDIA driver (libcuda.so.1 was not found)"
    if device_count() == 0:
        return "no GPU (the NVIDIA driver reports none)"
    return None


def is_available() -> bool:
    """Whether functions compiled for `cuda` can be called here."""
    return missing() is None


_chosen = threading.local()


@cache
def _libcuda_driver() -> Driver:
    from scanc.runtime.libcuda import LibcudaDriver

    return LibcudaDriver(_library())  # type: ignore[arg-type]


def driver(name: str = "") -> Driver:
    """The driver calls go through: `use_driver`'s, else the GPU's; raises
    `CudaUnavailable` (naming function `name`) where there is none."""
    chosen = getattr(_chosen, "driver", None)
    if chosen is not None:
        return chosen
    reason = missing()
    if reason is not None:
        raise CudaUnavailable(
            f"function {name} is compiled for the cuda target (its PTX is "
            f"f.ptx) but cannot run here: {reason}"
        )
    return _libcuda_driver()


def is_device_array(value) -> bool:
    return hasattr(value, "__cuda_array_interface__")


@contextmanager
def use_driver(chosen: Driver) -> Iterator[Driver]:
    """Calls in this thread go through `chosen` inside the block."""
    previous = getattr(_chosen, "driver", None)
    _chosen.driver = chosen
    try:
        yield chosen
    finally:
        _chosen.driver = previous


def host_driver(*functions) -> Driver:
    """A `HostDriver` that runs these `cuda`-target functions' kernels on the
    host: each compiled again for `gpu-sim` with its block's thread count."""
    from scanc import pipeline
    from scanc.codegen.target import gpu_sim
    from scanc.runtime import jit
    from scanc.runtime.cuda_launch import HostDriver

    kernels = {}
    for f in functions:
        target = gpu_sim(f.target.block_threads)
        compiled = pipeline.compile_module(
            f.graph.clone(), optimize_graph=f.optimize, target=target
        )
        symbol = f"{f.name}.kernel"
        kernels[f.name] = jit.load(compiled.optimized, [symbol])[symbol]
    return HostDriver(kernels)
