"""Vectorizable calls to libm: tell LLVM's loop vectorizer about glibc's libmvec.

A call to `tanh` in a loop stays scalar unless LLVM knows a vector version. The
`vector-function-abi-variant` attribute (what clang's `-fveclib=libmvec` adds)
names them: `_ZGVdN4v_tanh` takes and returns four doubles (AVX2), `_ZGVeN8v_tanh`
eight (AVX-512). The emitter puts the attribute on the libm declarations and
declares the variants; `runtime/jit.py` resolves them from libmvec.so.1.
glibc's vector functions are accurate to within 4 ulp (the scalar ones to 1).
"""

from __future__ import annotations

import ctypes.util
from functools import cache

from llvmlite import ir

#: the libm functions the emitter calls, and their arity
FUNCTIONS = {
    **dict.fromkeys(
        (
            "tanh",
            "exp",
            "exp2",
            "expm1",
            "log",
            "log2",
            "log10",
            "log1p",
            "sin",
            "cos",
            "tan",
            "asin",
            "acos",
            "atan",
            "sinh",
            "cosh",
            "atanh",
            "erf",
            "erfc",
        ),
        1,
    ),
    "pow": 2,
    "atan2": 2,
}

#: ISA letter of the vector ABI, lanes for double and float, CPU feature needed
_ISAS = (("b", 2, 4, "sse4.1"), ("d", 4, 8, "avx2"), ("e", 8, 16, "avx512f"))


#: glibc's sonames, tried before asking the system (`find_library` runs
#: `ldconfig`, a few milliseconds per library in every process)
_SONAMES = {"c": "libc.so.6", "m": "libm.so.6", "mvec": "libmvec.so.1"}


@cache
def system_library(name: str) -> str | None:
    """The file name of the C library `name` ("c", "m", "mvec"): glibc's
    soname when it loads, else what ctypes finds, else None."""
    soname = _SONAMES.get(name)
    if soname is not None:
        try:
            ctypes.CDLL(soname)
            return soname
        except OSError:
            pass
    return ctypes.util.find_library(name)


def libmvec() -> str | None:
    """glibc's vector math library, when this system has one."""
    return system_library("mvec")


@cache
def _has(symbol: str) -> bool:
    return hasattr(ctypes.CDLL(libmvec()), symbol)


@cache
def variants(features: str) -> tuple[tuple[str, int, int], ...]:
    """The (isa letter, double lanes, float lanes) this CPU runs, if libmvec exists."""
    if not libmvec():
        return ()
    enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
    return tuple((isa, d, f) for isa, d, f, need in _ISAS if need in enabled)


def vector_name(isa: str, lanes: int, name: str, arity: int) -> str:
    return f"_ZGV{isa}N{lanes}{'v' * arity}_{name}"


def scalar_symbol(libm_name: str) -> str:
    """Our name for a libm function. LLVM would turn a call to `tanh` itself into
    the `llvm.tanh` intrinsic, whose vector form it expands back into scalar calls;
    under another name the call keeps its vector variants."""
    return "scanc_" + libm_name


def declare(module: ir.Module, name: str, type_: ir.Type, features: str) -> ir.Function:
    """The scalar libm function `name` (`tanh` or `tanhf`), with its vector variants."""
    libm_name = name if type_ == ir.DoubleType() else name + "f"
    symbol = scalar_symbol(libm_name)
    if symbol in module.globals:
        return module.globals[symbol]
    arity = FUNCTIONS[name]
    fn = ir.Function(module, ir.FunctionType(type_, [type_] * arity), name=symbol)
    # numpy semantics: no errno, so the call only computes (and may be vectorized)
    set.add(fn.attributes, "memory(none)")
    fn.attributes.add("nounwind")
    set.add(fn.attributes, "willreturn")
    mappings = []
    for isa, lanes_d, lanes_f in variants(features):
        lanes = lanes_d if type_ == ir.DoubleType() else lanes_f
        vector = vector_name(isa, lanes, libm_name, arity)
        if not _has(vector):
            continue
        vtype = ir.VectorType(type_, lanes)
        _keep(
            module,
            ir.Function(module, ir.FunctionType(vtype, [vtype] * arity), name=vector),
        )
        mappings.append(f"_ZGV_LLVM_N{lanes}{'v' * arity}_{symbol}({vector})")
    if mappings:
        # llvmlite only accepts attributes it knows; this one is a plain string
        set.add(fn.attributes, f'"vector-function-abi-variant"="{",".join(mappings)}"')
    return fn


def _keep(module: ir.Module, fn: ir.Function) -> None:
    """List `fn` in `@llvm.compiler.used`, so the optimizer does not drop the
    declaration before the vectorizer looks for it."""
    used = getattr(module, "_scanc_used", [])
    used.append(fn)
    module._scanc_used = used


def finish(module: ir.Module) -> None:
    """Emit `@llvm.compiler.used` for the declarations `declare` added."""
    used = getattr(module, "_scanc_used", [])
    if not used:
        return
    array = ir.ArrayType(ir.PointerType(), len(used))
    var = ir.GlobalVariable(module, array, name="llvm.compiler.used")
    var.linkage = "appending"
    var.section = "llvm.metadata"
    var.initializer = ir.Constant(array, used)


def symbols(features: str) -> list[str]:
    """Every vector function the emitter may declare on this CPU."""
    names = []
    for name, arity in FUNCTIONS.items():
        for isa, lanes_d, lanes_f in variants(features):
            names.append(vector_name(isa, lanes_d, name, arity))
            names.append(vector_name(isa, lanes_f, name + "f", arity))
    return [n for n in names if _has(n)]
