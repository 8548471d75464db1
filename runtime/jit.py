"""The MCJIT engine: one per process, every compiled module is added to it."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import llvmlite.binding as llvm

from scanc.codegen.target import host

#: C functions the generated code calls, resolved from this process
_LIBC_SYMBOLS = ("malloc", "free")
_LIBM_SYMBOLS = ("tanh", "tanhf")


def _register_symbols() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    for lib, names in ((libc, _LIBC_SYMBOLS), (libm, _LIBM_SYMBOLS)):
        for name in names:
            llvm.add_symbol(
                name, ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
            )


@cache
def engine() -> llvm.ExecutionEngine:
    target = host()
    _register_symbols()
    backing = llvm.parse_assembly("")
    return llvm.create_mcjit_compiler(backing, target.machine())


@cache
def libc_free():
    free = ctypes.CDLL(ctypes.util.find_library("c")).free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return free


def load(module: llvm.ModuleRef, names: list[str]) -> dict[str, int]:
    """Add an optimized module to the engine; the addresses of its functions."""
    eng = engine()
    eng.add_module(module)
    eng.finalize_object()
    return {name: eng.get_function_address(name) for name in names}
