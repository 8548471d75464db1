"""Code generation targets: what the compiler knows about the machine it
compiles for, passed down the pipeline (`lower-to-loops`, the emitter, the
optimizer) instead of constants in those stages.

`host()` is the CPU scanc runs on (the JIT target), and the target of every
compile unless one is given (`scanc.function(..., target=)`) or set for a block
of code (`with scanc.default_target(t):`, as `jax.default_device`). A `Target` holds the
machine's facts (triple, CPU and its features, whether BLAS can be called) and the crossovers where the lowering switches from one way of computing
a product to another. The crossovers were measured on a Zen 4 core (AVX-512,
1 MiB L2; docs/performance.md) and are the defaults of every CPU target; a
second target (a GPU) is another `Target` with its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cache

import llvmlite.binding as llvm
from scanc.runtime import blas


@cache
def _init_native() -> None:
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()


@cache
def _init_all() -> None:
    """Every target LLVM was built with (NVPTX among them)."""
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()


@dataclass(frozen=True)
class Target:
    """A machine, its facts and its kernel crossovers."""

    name: str
    triple: str
    cpu: str = ""
    features: str = ""
    #: whether a BLAS (`scanc.runtime.blas`) can be called for large products
    blas: bool = False

    # -- crossovers: the product kinds `scanc.lowering.linalg` chooses between --
    #: matrix products with at least this many multiply-adds call BLAS gemm
    gemm_min_work: int = 32 * 32 * 32
    #: A . x with at least this many multiply-adds calls BLAS gemv: up to it (a
    #: matrix of 32 KiB), the register-blocked inline kernel is as fast and
    #: avoids the call; above, gemv beat the row-streaming loops (1.7 against
    #: 2.3 ms for 1000 steps at 128x128, 0.8 against 1.2 at 80x80)
    gemv_min_work: int = 4096 + 1
    #: x . W with at least this many multiply-adds calls the vector-matrix
    #: kernel; below, the inline loops: for tanh(h . W) steps on a square W the
    #: inline loops took 253 and 299 ns per step at 40 and 48 (kernel 290, 328),
    #: the kernel 387, 348 and 424 at 52, 56 and 64 (inline 473, 434, 546)
    vecmat_min_work: int = 2500
    #: inline products whose matrix has at most this many elements (32 KiB of
    #: float64, an L1 cache) keep blocks of output columns in registers; larger
    #: ones stream rows of the matrix
    blocked_max_elements: int = 4096
    #: a loop-invariant matrix of x . W of at least this many bytes (the L2
    #: cache) is packed in column panels before a loop ...
    pack_min_bytes: int = 1 << 20
    #: ... of at least this many steps (`scanc.lowering.panels`)
    pack_min_steps: int = 16
    #: solve, det and cholesky of matrices of at least this order, and
    #: triangular solves of at least its cube of multiply-adds, call LAPACK
    #: (`scanc.lowering.lapack_calls`); smaller ones run inline loops, as fast
    #: up to here through LAPACKE's row-major copies (docs/performance.md)
    lapack_min_size: int = 96

    @property
    def is_gpu(self) -> bool:
        return self.triple.startswith("nvptx")

    @cache
    def machine(self) -> llvm.TargetMachine:
        if self.is_gpu:
            _init_all()
        else:
            _init_native()
        target = llvm.Target.from_triple(self.triple)
        return target.create_target_machine(
            cpu=self.cpu,
            features=self.features,
            opt=3,
            reloc="default",
            codemodel="jitdefault",
        )

    @property
    def data_layout(self) -> str:
        return str(self.machine().target_data)

    def with_(self, **changes) -> "Target":
        """This target with some facts or crossovers changed (tests, tuning)."""
        return replace(self, **changes)


@cache
def host() -> Target:
    """The CPU this process runs on."""
    _init_native()
    return Target(
        "cpu",
        llvm.get_process_triple(),
        llvm.get_host_cpu_name(),
        llvm.get_host_cpu_features().flatten(),
        blas=blas.available(),
    )


def cuda(arch: str = "sm_80") -> Target:
    """An NVIDIA GPU of compute capability `arch` (sm_80 or newer), through
    LLVM's NVPTX backend at its default PTX ISA for that architecture (the
    lowest, which the most drivers load; `scanc.codegen.ptx`). No BLAS and none
    of the CPU kernels: so far PTX is made from LLVM IR, not from scanc's
    stages (docs/guide.md, "Not yet supported")."""
    return Target("cuda", "nvptx64-nvidia-cuda", arch, "", blas=False)


_DEFAULT: ContextVar[Target | None] = ContextVar("scanc_default_target", default=None)


def default() -> Target:
    """The target compiles use when none is given: the innermost
    `default_target` block's, else `host()`."""
    return _DEFAULT.get() or host()


@contextmanager
def default_target(target: Target) -> Iterator[Target]:
    """Compile for `target` inside the `with` block (this thread only)."""
    token = _DEFAULT.set(target)
    try:
        yield target
    finally:
        _DEFAULT.reset(token)
