"""The MCJIT engine: one per process, every compiled module is added to it."""

from __future__ import annotations

import ctypes
from functools import cache

import llvmlite.binding as llvm

import threading

from llvmlite import ir

from scanc import config
from scanc.codegen import fast_entry, kernels, optimizer, vector_math
from scanc.codegen.target import Target, host
from scanc.runtime import blas
from scanc.runtime import cache as compile_cache

#: C functions the generated code calls, resolved from this process
_LIBC_SYMBOLS = ("aligned_alloc", "free", "madvise")
_LIBM_SYMBOLS = ("lgamma_r", "lgammaf_r")


def _register_symbols(features: str) -> None:
    libc = ctypes.CDLL(vector_math.system_library("c"))
    libm = ctypes.CDLL(vector_math.system_library("m"))
    for name in vector_math.FUNCTIONS:
        for libm_name in (name, name + "f"):
            address = ctypes.cast(getattr(libm, libm_name), ctypes.c_void_p).value
            llvm.add_symbol(vector_math.scalar_symbol(libm_name), address)
    tables = [(libc, _LIBC_SYMBOLS), (libm, _LIBM_SYMBOLS)]
    if vector_math.libmvec():
        tables.append(
            (ctypes.CDLL(vector_math.libmvec()), vector_math.symbols(features))
        )
    for name, address in blas.addresses().items():
        llvm.add_symbol(name, address)
    for lib, names in tables:
        for name in names:
            if hasattr(lib, name):
                address = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
                llvm.add_symbol(name, address)


#: glibc's mallopt parameters, and the size we give them (64 MiB)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _RETAINED_BYTES = -1, -3, 64 << 20


def _keep_freed_memory() -> None:
    """Let glibc reuse freed blocks up to 64 MiB instead of returning them to the
    system: compiled functions free and allocate their temporaries on every call,
    and fresh pages from the system cost a page fault each (a 512 KiB temporary:
    128 faults, about as long as a 64x64 by 1000x64 product). This is process-wide
    (NumPy's arrays benefit too); at most 64 MiB of freed memory stays reserved."""
    libc = ctypes.CDLL(vector_math.system_library("c"))
    if hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, _RETAINED_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, _RETAINED_BYTES)


@cache
def engine() -> llvm.ExecutionEngine:
    target = host()
    _register_symbols(target.features)
    if config.keep_freed_memory:
        _keep_freed_memory()
    backing = llvm.parse_assembly("")
    return llvm.create_mcjit_compiler(backing, target.machine())


@cache
def libc_free():
    free = ctypes.CDLL(vector_math.system_library("c")).free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return free


_LIBRARIES_LOCK = threading.Lock()
#: the machines (triple, CPU, features) whose kernel library is loaded
_LIBRARIES: set[tuple[str, str, str]] = set()


def load_kernel_library(target: Target) -> None:
    """Load the hand-written kernels for `target`'s machine into the engine,
    once per process: from the compile cache, else compiled now (about a
    second) and cached, so a machine compiles them once. Code compiled for that
    machine calls them by name (`scanc.codegen.kernels.machine_name`)."""
    machine = (target.triple, target.cpu, target.features)
    with _LIBRARIES_LOCK:
        if machine in _LIBRARIES:
            return
        build = lambda module: kernels.library(module, target.features)  # noqa: E731
        addresses = _load_library(("kernel library", machine), build, target)
        for name, address in addresses.items():
            llvm.add_symbol(name, address)
        _LIBRARIES.add(machine)


def load_fast_entry(offsets: fast_entry.Offsets) -> tuple[int, int]:
    """The addresses of the native call entry and its API setter
    (`scanc.codegen.fast_entry`), built for the host once per machine."""
    target = host()
    machine = (target.triple, target.cpu, target.features)
    build = lambda module: fast_entry.build(module, offsets)  # noqa: E731
    addresses = _load_library(("fast entry", machine, offsets), build, target)
    return addresses[fast_entry.ENTRY], addresses[fast_entry.SET_API]


def _load_library(key_parts: tuple, build, target: Target) -> dict[str, int]:
    """Load a library of functions that `build(module)` defines (returning their
    names): from the compile cache, else compiled now and cached. Their
    addresses by name."""
    key = compile_cache.key_of(*key_parts)
    library = compile_cache.load(key) if config.cache else None
    if not isinstance(library, compile_cache.Library):
        library = _compile_library(build, target)
        if config.cache:
            compile_cache.store(key, library)
    eng = engine()
    eng.add_object_file(llvm.ObjectFileRef.from_data(library.object_code))
    eng.finalize_object()
    return {name: eng.get_function_address(name) for name in library.names}


def _compile_library(build, target: Target) -> compile_cache.Library:
    module = ir.Module(name="scanc_library")
    module.triple, module.data_layout = target.triple, target.data_layout
    names = build(module)
    optimized = optimizer.optimize(module, target)
    return compile_cache.Library(names, target.machine().emit_object(optimized))


def load_object(object_code: bytes, name: str) -> int:
    """Add native object code to the engine; the address of its function `name`."""
    eng = engine()
    eng.add_object_file(llvm.ObjectFileRef.from_data(object_code))
    eng.finalize_object()
    return eng.get_function_address(name)


def load(module: llvm.ModuleRef, names: list[str]) -> dict[str, int]:
    """Add an optimized module to the engine; the addresses of its functions."""
    eng = engine()
    eng.add_module(module)
    eng.finalize_object()
    addresses = {name: eng.get_function_address(name) for name in names}
    eng.remove_module(module)
    return addresses
