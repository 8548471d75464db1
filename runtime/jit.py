"""The MCJIT engine: one per process, every compiled module is added to it."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import llvmlite.binding as llvm

from scanc.codegen import vector_math
from scanc.codegen.target import host

#: C functions the generated code calls, resolved from this process
_LIBC_SYMBOLS = ("malloc", "free")


def _register_symbols(features: str) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    for name in vector_math.FUNCTIONS:
        for libm_name in (name, name + "f"):
            address = ctypes.cast(getattr(libm, libm_name), ctypes.c_void_p).value
            llvm.add_symbol(vector_math.scalar_symbol(libm_name), address)
    tables = [(libc, _LIBC_SYMBOLS)]
    if vector_math.libmvec():
        tables.append(
            (ctypes.CDLL(vector_math.libmvec()), vector_math.symbols(features))
        )
    for lib, names in tables:
        for name in names:
            if hasattr(lib, name):
                address = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
                llvm.add_symbol(name, address)


@cache
def engine() -> llvm.ExecutionEngine:
    target = host()
    _register_symbols(target.features)
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
