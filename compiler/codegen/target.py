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

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cache

import llvmlite.binding as llvm
from scanc import config
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
    #: whether the CPU kernel library (`scanc.codegen.kernels`: vector-matrix
    #: kernels, packed panels, input-product tiles) can be called
    kernels: bool = True
    #: threads of the one block a GPU-shaped target runs a function in (the
    #: `gpu` stage, `scanc.lowering.to_gpu`); 0 for a CPU target
    block_threads: int = 0

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
        """Whether the code runs on an NVIDIA GPU (PTX)."""
        return self.triple.startswith("nvptx")

    @property
    def runs_kernels(self) -> bool:
        """Whether functions go through the `gpu` stage: a GPU, or `gpu_sim()`
        (the same kernels run on the host)."""
        return self.block_threads > 0

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
            # for a GPU, ptxas optimizes the PTX (registers, scheduling);
            # NVPTX's own optimizing code generator took 11 to 109 s on a
            # gradient kernel and left ptxas 251 registers (84 after -O0)
            opt=0 if self.is_gpu else 3,
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


#: threads per block on a GPU (eight warps)
GPU_BLOCK_THREADS = 256


def cuda(arch: str = "sm_80") -> Target:
    """An NVIDIA GPU of compute capability `arch` (sm_80 or newer), through
    LLVM's NVPTX backend at its default PTX ISA for that architecture (the
    lowest, which the most drivers load; `scanc.codegen.ptx`). No BLAS and none
    of the CPU kernels: products are the generic loops, shared among threads."""
    return Target(
        "cuda",
        "nvptx64-nvidia-cuda",
        arch,
        "",
        blas=False,
        kernels=False,
        block_threads=GPU_BLOCK_THREADS,
    )


@cache
def gpu_sim(threads: int = 8) -> Target:
    """The `gpu` stage's kernels run on the host: the threads of a block become
    loops (`scanc.codegen.gpu_sim`), so the partition of work among `threads`
    threads and the barriers between them run and are checked on any machine.
    Few threads by default, so that each runs several elements of a loop."""
    cpu = host()
    return Target(
        "gpu-sim",
        cpu.triple,
        cpu.cpu,
        cpu.features,
        blas=False,
        kernels=False,
        block_threads=threads,
    )


#: the names `named` knows
NAMES = ("cpu", "cuda", "cuda:ARCH", "gpu-sim")


def named(name: str) -> Target:
    """The target a name stands for: `cpu` (the host), `cuda` (sm_80) or
    `cuda:sm_90`, `gpu-sim`."""
    if name == "cpu":
        return host()
    if name == "gpu-sim":
        return gpu_sim()
    if name == "cuda" or name.startswith("cuda:"):
        arch = name.partition(":")[2] or "sm_80"
        if not re.fullmatch(r"sm_\d+a?", arch) or int(arch[3:].rstrip("a")) < 75:
            raise ValueError(
                f"unknown CUDA architecture {arch!r}: sm_75 or newer, e.g. sm_80"
            )
        return cuda(arch)
    raise ValueError(f"unknown target {name!r}: one of {', '.join(NAMES)}")


_DEFAULT: ContextVar[Target | None] = ContextVar("scanc_default_target", default=None)


def default() -> Target:
    """The target compiles use when none is given: the innermost
    `default_target` block's, else `config.target`'s (the host by default)."""
    chosen = _DEFAULT.get()
    if chosen is not None:
        return chosen
    return host() if config.target == "cpu" else named(config.target)


@contextmanager
def default_target(target: Target) -> Iterator[Target]:
    """Compile for `target` inside the `with` block (this thread only)."""
    token = _DEFAULT.set(target)
    try:
        yield target
    finally:
        _DEFAULT.reset(token)
