"""The one ordered list of compiler stages.

`graph` is what the frontend builds; each later stage is the previous one after
the passes listed for it. The CLI's `--emit` choices, the docs and the lit folders
all come from `STAGES`.

    graph --opt passes--> opt --plan passes--> plan --lower-to-loops--> loops
          --convert-to-gpu--> gpu --emitter--> llvm --> asm

`plan` is the target's choice of kernels for products in loops, as ops; its
passes run with or without the `opt` passes (`FAST_COMPILE`). `gpu` is each
function as one kernel for a target that runs kernels (`cuda`, `gpu-sim`);
for a CPU it is the `loops` stage. A GPU's `asm` is PTX.
"""

from __future__ import annotations

from dataclasses import dataclass

import llvmlite.binding as llvm
from scanc import config
from scanc.autodiff.construct import ConstructGradientsPass
from scanc.codegen import ptx
from scanc.codegen.gpu_kernel import emit_kernels
from scanc.codegen.llvm import EmittedFunction, emit_module
from scanc.codegen.optimizer import optimize
from scanc.codegen.target import Target, default
from scanc.dialects import SCAN, ST
from scanc.dialects.ad import AD
from scanc.dialects.buffer import BUFFER
from scanc.dialects.kernel import KERNEL
from scanc.dialects.libm import LIBM
from scanc.dialects.threads import THREADS
from scanc.lowering.to_gpu import ConvertToGpuPass
from scanc.lowering.to_loops import LowerToLoopsPass
from scanc.passes import PASSES
from scanc.passes.input_products_in_loop import InputProductsInLoopPass
from scanc.passes.pack_invariant_matrices import PackInvariantMatricesPass
from xdsl.context import Context
from xdsl.dialects import arith, builtin, cf, func, gpu, math, memref, scf
from xdsl.dialects.builtin import ModuleOp
from xdsl.transforms.common_subexpression_elimination import (
    CommonSubexpressionElimination,
)

STAGES = ("graph", "grad", "opt", "plan", "loops", "gpu", "llvm", "asm")

#: the passes that make the `opt` stage, in order
OPT_PASSES = (
    "canonicalize",
    "cse",
    "one-hot-products",
    "split-concat-products",
    "hoist-invariants",
    "cse",
    "merge-matmuls",
    "hoist-invariants",
    "cse",
    "sink-outer-sums",
    "dce",
    "trim-memory",
    "dce",
)


#: the dialects of every stage up to `gpu`
DIALECTS = (
    builtin.Builtin,
    func.Func,
    arith.Arith,
    math.Math,
    memref.MemRef,
    scf.Scf,
    cf.Cf,
    ST,
    SCAN,
    AD,
    LIBM,
    KERNEL,
    BUFFER,
    gpu.GPU,
    THREADS,
)


def context() -> Context:
    ctx = Context()
    for dialect in DIALECTS:
        ctx.load_dialect(dialect)
    return ctx


def run_grad(module: ModuleOp) -> None:
    ConstructGradientsPass().apply(context(), module)
    module.verify()


def run_opt(module: ModuleOp, passes: tuple[str, ...] = OPT_PASSES) -> None:
    ctx = context()
    for name in passes:
        PASSES[name]().apply(ctx, module)
    module.verify()


def run_plan(module: ModuleOp, target: Target | None = None) -> None:
    """The target's kernel choices for products in loops, as ops (none for a
    target without the kernel library)."""
    if not (target or default()).kernels:
        return
    ctx = context()
    PackInvariantMatricesPass(target).apply(ctx, module)
    InputProductsInLoopPass().apply(ctx, module)
    module.verify()


def run_loops(module: ModuleOp, target: Target | None = None) -> None:
    """`lower-to-loops`, then `cse`: the lowering emits each index constant
    where it is needed and the same view or size where each use needs it; one
    of each is left (LLVM would merge them too, but a dump then reads as the
    code does)."""
    ctx = context()
    LowerToLoopsPass(target).apply(ctx, module)
    CommonSubexpressionElimination().apply(ctx, module)
    module.verify()


def run_gpu(module: ModuleOp, target: Target | None = None) -> None:
    """`convert-to-gpu` for a target that runs kernels; nothing for a CPU."""
    target = target or default()
    if target.runs_kernels:
        ConvertToGpuPass(target).apply(context(), module)
        module.verify()


@dataclass
class Compiled:
    """Everything the later stages produced for one module."""

    llvm_ir: str
    optimized: llvm.ModuleRef
    functions: list[EmittedFunction]
    target: Target

    def assembly(self) -> str:
        """The target's assembly (PTX for a GPU)."""
        return self.target.machine().emit_assembly(self.optimized)

    def object_code(self) -> bytes:
        """Native object code of the optimized module (what the JIT loads)."""
        return self.target.machine().emit_object(self.optimized)


def run_codegen(module: ModuleOp, target: Target | None = None) -> Compiled:
    target = target or default()
    emit = emit_kernels if target.runs_kernels else emit_module
    ir_module, functions = emit(module, target)
    text = str(ir_module)
    if target.is_gpu:
        return Compiled(text, ptx.optimize(text, target), functions, target)
    return Compiled(text, optimize(ir_module, target), functions, target)


def lower(
    module: ModuleOp,
    until: str,
    optimize_graph: bool = True,
    target: Target | None = None,
) -> Compiled | None:
    """Run the stages after `graph` in place, up to and including `until`, for
    `target` (`scanc.codegen.target.default()` when None)."""
    if STAGES.index(until) >= STAGES.index("grad"):
        run_grad(module)
    if STAGES.index(until) >= STAGES.index("opt") and optimize_graph:
        run_opt(module)
    if STAGES.index(until) >= STAGES.index("plan"):
        run_plan(module, target)
    if STAGES.index(until) >= STAGES.index("loops"):
        run_loops(module, target)
    if STAGES.index(until) >= STAGES.index("gpu"):
        run_gpu(module, target)
    if STAGES.index(until) >= STAGES.index("llvm"):
        return run_codegen(module, target)
    return None


def compile_module(
    module: ModuleOp,
    *,
    optimize_graph: bool = True,
    hooks=(),
    name: str = "",
    target: Target | None = None,
) -> Compiled:
    """All stages after `graph` for `target` (`scanc.codegen.target.default()`
    when None); `hooks` see each stage's text as `(name, stage, text)`."""

    def show(stage: str, text_of) -> None:
        for hook in hooks:
            hook(name, stage, text_of())

    run_grad(module)
    show("grad", lambda: str(module))
    if optimize_graph:
        run_opt(module)
    show("opt", lambda: str(module))
    run_plan(module, target)
    show("plan", lambda: str(module))
    run_loops(module, target)
    show("loops", lambda: str(module))
    run_gpu(module, target)
    show("gpu", lambda: str(module))
    if config.check_ptx and (target or default()).runs_kernels:
        ptx.check_kernels(module)
    compiled = run_codegen(module, target)
    show("llvm", lambda: str(compiled.optimized))
    show("asm", compiled.assembly)
    return compiled
