"""PTX for NVIDIA GPUs from LLVM IR, checked without a GPU.

`emit(module, target)` runs `KERNEL_PASSES` for the NVPTX target of a
`scanc.codegen.target.cuda` target and prints PTX; with `libdevice=True` (or
when the module calls it) it first links CUDA's libdevice (`__nv_tanh`,
`__nv_exp`, ...), whose `__nvvm_reflect` queries NVPTX's code generator folds,
and makes every function but the module's own internal, so the used ones are
inlined and the rest dropped. `check_kernels` does both for a `gpu`-stage
module and checks the result with ptxas for `CHECKED_ARCHS`.
`check(ptx, arch)` assembles PTX with CUDA's `ptxas -v --warn-on-spills
-Werror` and returns what it reports per kernel (registers, spills, shared
memory); a rejected PTX raises `PtxasError` with ptxas's message.

Where the tools are found, in order:
- ptxas: `SCANC_PTXAS`, `ptxas` on the PATH, `$CUDA_HOME/bin`, `$CUDA_PATH/bin`,
  `/usr/local/cuda/bin`, the `nvidia-cuda-nvcc` wheel (`nvidia/cu*/bin`);
- libdevice: `SCANC_LIBDEVICE`, `nvvm/libdevice/libdevice.10.bc` under
  `$CUDA_HOME`, `$CUDA_PATH`, `/usr/local/cuda` and `/usr/local/cuda-*` (newest
  first), then the `nvidia-nvvm` wheel (`nvidia/cu*/nvvm/libdevice`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import llvmlite.binding as llvm
from llvmlite import ir
from scanc.codegen.target import Target
from xdsl.dialects.builtin import ModuleOp

LIBDEVICE = "libdevice.10.bc"


class PtxasError(RuntimeError):
    """ptxas rejected the PTX (its message says why)."""


@dataclass(frozen=True)
class KernelReport:
    """What `ptxas -v` reports for one kernel."""

    name: str
    registers: int
    spill_stores: int
    spill_loads: int
    stack_bytes: int
    shared_bytes: int


def emit(module: ir.Module | str, target: Target, libdevice: bool = False) -> str:
    """PTX of `module` (LLVM IR) for `target`, after `KERNEL_PASSES`."""
    return target.machine().emit_assembly(optimize(module, target, libdevice))


def optimize(
    module: ir.Module | str, target: Target, libdevice: bool | None = None
) -> llvm.ModuleRef:
    """`module` after `KERNEL_PASSES` for `target`, with libdevice linked when
    `libdevice` (None: when the module calls one of its `__nv_` functions)."""
    text = str(module)
    parsed = llvm.parse_assembly(text)
    parsed.triple = target.triple
    parsed.data_layout = target.data_layout
    parsed.verify()
    if libdevice or (libdevice is None and re.search(r'@"?__nv_', text)):
        _link_libdevice(parsed)
    manager = llvm.create_new_module_pass_manager()
    for name in KERNEL_PASSES:
        getattr(manager, f"add_{name}_pass")()
    options = llvm.create_pipeline_tuning_options(speed_level=3)
    manager.run(parsed, llvm.create_pass_builder(target.machine(), options))
    return parsed


#: the passes a kernel gets: its own pipeline, not O3, and then ptxas
#: optimizes (the target machine's code generator runs at -O0, see
#: `Target.machine`). A kernel is a whole function, time loops included; O3
#: hoists every value invariant in a time loop out of it (LICM, GVN), which in
#: gradient kernels left more live values than a thread's 255 registers (a
#: Hessian of a two-step scan spilled 672 bytes), and its code generation took
#: up to 109 s there (loop-strength-reduce alone 32 s); this pipeline takes
#: well under a second and ptxas needs 84 registers for that kernel.
#: libdevice's functions are `alwaysinline`; `__nvvm_reflect` is folded by
#: NVPTX's code generator.
KERNEL_PASSES = (
    "always_inliner",
    "sroa",
    "sccp",
    "instruction_combine",
    "simplify_cfg",
    "sinking",
    "dead_code_elimination",
    "global_dead_code_eliminate",
)


#: the architectures `check_kernels` assembles for
CHECKED_ARCHS = ("sm_80", "sm_90")

#: what one streaming multiprocessor holds for one block (sm_80 and sm_90):
#: 32-bit registers, and static shared memory without an opt-in
SM_REGISTERS, SM_STATIC_SHARED_BYTES = 65536, 48 * 1024


def check_placement(reports: list[KernelReport], threads: int) -> None:
    """Each kernel's block of `threads` threads fits one multiprocessor (the
    one-block placement's assumption), else `PtxasError`."""
    for report in reports:
        if report.registers * threads > SM_REGISTERS:
            raise PtxasError(
                f"kernel {report.name}: {report.registers} registers x {threads} "
                f"threads exceed the {SM_REGISTERS} of a multiprocessor"
            )
        if report.shared_bytes > SM_STATIC_SHARED_BYTES:
            raise PtxasError(
                f"kernel {report.name}: {report.shared_bytes} bytes of shared "
                f"memory exceed {SM_STATIC_SHARED_BYTES}"
            )


def check_kernels(gpu_stage: ModuleOp) -> dict[str, list[KernelReport]]:
    """The PTX of a `gpu`-stage module, for each of `CHECKED_ARCHS`, through
    ptxas and `check_placement`; the reports by architecture."""
    from scanc.codegen.gpu_kernel import emit_kernels
    from scanc.codegen.target import cuda

    # the IR is the same for every architecture: optimized once, printed for each
    first = cuda(CHECKED_ARCHS[0])
    ir_module, _ = emit_kernels(gpu_stage, first)
    optimized = optimize(ir_module, first)
    found = {}
    for arch in CHECKED_ARCHS:
        target = cuda(arch)
        found[arch] = check(target.machine().emit_assembly(optimized), arch)
        check_placement(found[arch], target.block_threads)
    return found


def _link_libdevice(module: llvm.ModuleRef) -> None:
    path = libdevice_path()
    if path is None:
        raise FileNotFoundError(
            f"{LIBDEVICE} not found: set SCANC_LIBDEVICE or CUDA_HOME, or install "
            "the nvidia-nvvm wheel"
        )
    # the module's own functions stay as they are (its kernels); libdevice's
    # become internal, so the unused ones go
    own = {fn.name for fn in module.functions if not fn.is_declaration}
    module.link_in(llvm.parse_bitcode(_libdevice_bitcode(path)))
    for fn in module.functions:
        if not fn.is_declaration and fn.name not in own:
            fn.linkage = llvm.Linkage.internal


@cache
def _libdevice_bitcode(path: Path) -> bytes:
    return path.read_bytes()


def check(ptx: str, arch: str) -> list[KernelReport]:
    """Assemble `ptx` for `arch` with `ptxas -v --warn-on-spills -Werror`."""
    ptxas = ptxas_path()
    if ptxas is None:
        raise FileNotFoundError(
            "ptxas not found: set SCANC_PTXAS or CUDA_HOME, or install the "
            "nvidia-cuda-nvcc wheel"
        )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kernel.ptx"
        source.write_text(ptx)
        command = [ptxas, f"-arch={arch}", "-v", "--warn-on-spills", "-Werror"]
        command += [str(source), "-o", str(Path(folder) / "kernel.cubin")]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise PtxasError(f"ptxas -arch={arch}: {(done.stderr or done.stdout).strip()}")
    return _reports(done.stdout + done.stderr)


_ENTRY = re.compile(r"Compiling entry function '([^']+)'")
_FRAME = re.compile(
    r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads"
)
_USED = re.compile(r"Used (\d+) registers(?:.*?(\d+) bytes smem)?")


def _reports(text: str) -> list[KernelReport]:
    """The kernels of a `ptxas -v` listing, in order."""
    reports, name, frame = [], None, (0, 0, 0)
    for line in text.splitlines():
        if entry := _ENTRY.search(line):
            name, frame = entry.group(1), (0, 0, 0)
        elif stack := _FRAME.search(line):
            frame = tuple(int(n) for n in stack.groups())
        elif (used := _USED.search(line)) and name is not None:
            registers, shared = int(used.group(1)), int(used.group(2) or 0)
            reports.append(
                KernelReport(name, registers, frame[1], frame[2], frame[0], shared)
            )
            name = None
    return reports


@cache
def ptxas_path() -> str | None:
    """CUDA's ptxas, by the search order above."""
    if os.environ.get("SCANC_PTXAS"):
        return os.environ["SCANC_PTXAS"]
    found = shutil.which("ptxas")
    candidates = [Path(root) / "bin" / "ptxas" for root in _cuda_roots()]
    candidates += sorted(_wheel_root().glob("nvidia/cu*/bin/ptxas"), reverse=True)
    return found or next((str(c) for c in candidates if c.is_file()), None)


@cache
def libdevice_path() -> Path | None:
    """CUDA's libdevice bitcode, by the search order above."""
    if os.environ.get("SCANC_LIBDEVICE"):
        return Path(os.environ["SCANC_LIBDEVICE"])
    candidates = [
        Path(root) / "nvvm" / "libdevice" / LIBDEVICE for root in _cuda_roots()
    ]
    candidates += sorted(
        _wheel_root().glob(f"nvidia/cu*/nvvm/libdevice/{LIBDEVICE}"), reverse=True
    )
    return next((c for c in candidates if c.is_file()), None)


def _cuda_roots() -> list[str]:
    named = [os.environ.get(v) for v in ("CUDA_HOME", "CUDA_PATH")]
    versions = sorted(Path("/usr/local").glob("cuda-*"), key=_version, reverse=True)
    return [r for r in named if r] + ["/usr/local/cuda"] + [str(v) for v in versions]


def _version(path: Path) -> tuple[int, ...]:
    """(13, 0) for `cuda-13.0`."""
    return tuple(int(n) for n in re.findall(r"\d+", path.name))


def _wheel_root() -> Path:
    return Path(sysconfig.get_paths()["purelib"])
