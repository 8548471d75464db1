"""`convert-to-gpu`: the `gpu` stage. Each function of the `loops` stage becomes
one kernel (`gpu.func ... kernel` in a `gpu.module`) run by one block of
threads, the whole function, its scan loops included, in one launch: the
loop's state never leaves the device between steps.

Expects the `loops` stage for a target without the CPU kernel library (no
`kernel` ops). Produces the ops of `scanc.dialects.threads` beside upstream
`gpu` ops:

- an `scf.for` marked `scanc.parallel` (independent iterations, starting at 0
  by steps of 1) that allocates nothing becomes `threads.each`, the threads
  sharing its iterations; a perfect nest of such loops becomes one
  `threads.each` over all its indices;
- other ops that write memory (stores, loops of stores) run in
  `threads.single`, by thread 0 (consecutive ones in one region);
- loops and branches that hold either kind stay *uniform*: every thread runs
  them, and their bodies are converted in turn; a uniform loop whose buffers do
  not outlive a step gives the arena back at the end of each step
  (`threads.arena_mark` / `threads.arena_release`);
- a `gpu.barrier` comes before and after each region (one between two),
  followed by `threads.stop_if_failed` where the region holds checks;
- `func.return` becomes `threads.results` and `gpu.return`.

Everything else (arithmetic, loads, views, allocations, checks) stays
uniform: all threads compute the same values, so they take the same branches
and reach the same barriers.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanc.codegen.target import Target, default
from scanc.dialects import buffer, threads
from scanc.lowering.builder import PARALLEL, constant_index
from xdsl.context import Context
from xdsl.dialects import cf, func, gpu, memref, scf
from xdsl.dialects.builtin import MemRefType, ModuleOp, StringAttr, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

_ALLOCATIONS = (memref.AllocOp, buffer.PooledAllocOp)


def _writes(op: Operation) -> bool:
    return any(isinstance(o, memref.StoreOp) for o in op.walk())


def _allocates(op: Operation) -> bool:
    return any(isinstance(o, _ALLOCATIONS) for o in op.walk())


def _checks(op: Operation) -> bool:
    return any(isinstance(o, cf.AssertOp) for o in op.walk())


def _is_shared_loop(op: Operation) -> bool:
    """A loop the threads can share: independent iterations from 0 by 1."""
    return (
        isinstance(op, scf.ForOp)
        and PARALLEL in op.attributes
        and not op.iter_args
        and constant_index(op.lb) == 0
        and constant_index(op.step) == 1
        and not _allocates(op)
    )


def _holds_shared_loop(op: Operation) -> bool:
    return any(_is_shared_loop(o) for o in op.walk() if o is not op)


def _nest(loop: scf.ForOp) -> list[scf.ForOp]:
    """`loop` and the shared loops perfectly nested in it whose sizes are
    defined outside the nest."""
    nest = [loop]
    while True:
        body = list(nest[-1].body.block.ops)
        inner = body[0] if len(body) == 2 else None
        if not (inner is not None and _is_shared_loop(inner)):
            return nest
        if any(_defined_in(inner.ub, outer) for outer in nest):
            return nest
        nest.append(inner)  # type: ignore[arg-type]


def _defined_in(value: SSAValue, op: Operation) -> bool:
    return op.is_ancestor(value.owner)


@dataclass
class _Threads:
    """The thread id and the block's thread count, made at the kernel's top."""

    tid: SSAValue
    count: SSAValue


def _each(loop: scf.ForOp, ids: _Threads) -> threads.EachOp:
    nest = _nest(loop)
    each = threads.EachOp([level.ub for level in nest], ids.tid, ids.count)
    for level, arg in zip(nest, each.body.block.args):
        level.body.block.args[0].replace_all_uses_with(arg)
    innermost = nest[-1].body.block
    for op in list(innermost.ops)[:-1]:  # all but its scf.yield
        op.detach()
        each.body.block.add_op(op)
    return each


def _kind(op: Operation) -> str:
    """How the block's threads run `op` (see the module docstring)."""
    if _is_shared_loop(op):
        return "each"
    if not _writes(op):
        return "uniform" if op.regions and _allocates(op) else "pure"
    if op.regions and (_holds_shared_loop(op) or _allocates(op) or op.results):
        return "uniform"
    return "single"


def _convert_block(block: Block, ids: _Threads) -> None:
    """Regions for the ops of `block` that write memory, then barriers."""
    run: list[Operation] = []
    for op in list(block.ops):
        kind = _kind(op)
        if kind == "single":
            run.append(op)
            continue
        if kind == "pure" and run and _may_join_single(op):
            run.append(op)
            continue
        _close_single(run, ids)
        run = []
        if kind == "each":
            each = _each(op, ids)  # type: ignore[arg-type]
            block.insert_op_before(each, op)
            op.detach()
            op.erase()
        elif kind == "uniform":
            for region in op.regions:
                for inner in region.blocks:
                    _convert_block(inner, ids)
            if isinstance(op, (scf.ForOp, scf.WhileOp)):
                _release_each_step(op)
    _close_single(run, ids)
    _place_barriers(block)


def _may_join_single(op: Operation) -> bool:
    """Whether the pure `op` may move into a single region with the writes
    around it: it reads no memory (a write before it must stay before it) and
    allocates nothing (every thread allocates)."""
    return not (op.regions or isinstance(op, (memref.LoadOp, *_ALLOCATIONS)))


def _close_single(run: list[Operation], ids: _Threads) -> None:
    """Move `run` into one `threads.single` (trailing pure ops stay out, as do
    pure ops whose values are used after the run)."""
    while run and not _writes(run[-1]):
        run.pop()
    if not run:
        return
    inside: set[Operation] = set()
    for op in reversed(run):
        if _writes(op) or _uses_inside(op, inside):
            inside.add(op)
    moved = [op for op in run if op in inside]
    single = threads.SingleOp(ids.tid)
    # after the ops that stay (their values may be used inside)
    moved[-1].parent_block().insert_op_after(single, moved[-1])  # type: ignore[union-attr]
    for op in moved:
        op.detach()
        single.body.block.add_op(op)


def _uses_inside(op: Operation, inside: set[Operation]) -> bool:
    """Whether every use of `op`'s values is by an op of `inside` (or in one)."""
    for result in op.results:
        for use in result.uses:
            user = use.operation
            while user is not None and user not in inside:
                user = user.parent_op()
            if user is None:
                return False
    return True


def _release_each_step(loop: scf.ForOp | scf.WhileOp) -> None:
    """Give the arena back at the end of each step when no buffer made in the
    step outlives it (no buffer is carried or returned)."""
    carried = [*loop.results, *loop.operands]
    if any(isinstance(v.type, MemRefType) for v in carried):
        return
    for region in loop.regions:
        body = region.block
        if not any(_allocates(op) for op in body.ops):
            continue
        mark = threads.ArenaMarkOp()
        body.insert_op_before(mark, body.first_op)  # type: ignore[arg-type]
        body.insert_op_before(threads.ArenaReleaseOp(mark.mark), body.last_op)  # type: ignore[arg-type]


def _place_barriers(block: Block) -> None:
    for op in list(block.ops):
        if not isinstance(op, (threads.EachOp, threads.SingleOp)):
            continue
        if not isinstance(op.prev_op, (gpu.BarrierOp, threads.StopIfFailedOp)):
            block.insert_op_before(gpu.BarrierOp(), op)
        after: list[Operation] = [gpu.BarrierOp()]
        if _checks(op):
            after.append(threads.StopIfFailedOp())
        block.insert_ops_after(after, op)


def convert_function(fn: func.FuncOp, target: Target) -> gpu.ModuleOp:
    """The kernel of `fn`, in its own `gpu.module`."""
    for op in fn.walk():
        if op.dialect_name() == "kernel":
            raise NotImplementedError(
                f"convert-to-gpu: {op.name} calls the CPU kernel library, which "
                f"the {target.name} target has not (lower for it: --target)"
            )
    types = fn.function_type
    kernel_fn = gpu.FuncOp(
        fn.sym_name.data,
        (list(types.inputs.data), []),
        Region(Block(arg_types=types.inputs.data)),
        kernel=True,
        known_block_size=[target.block_threads, 1, 1],
    )
    body = kernel_fn.body.block
    for old, new in zip(fn.args, body.args):
        old.replace_all_uses_with(new)
        if old.name_hint:
            new.name_hint = old.name_hint
    tid = gpu.ThreadIdOp(gpu.DimensionAttr(gpu.DimensionEnum.X))
    count = gpu.BlockDimOp(gpu.DimensionAttr(gpu.DimensionEnum.X))
    tid.result.name_hint, count.result.name_hint = "tid", "ntid"
    body.add_ops([tid, count])
    for op in list(fn.body.block.ops):
        op.detach()
        if isinstance(op, func.ReturnOp):
            body.add_ops([threads.ResultsOp(list(op.arguments)), gpu.ReturnOp([])])
            op.erase()
        else:
            body.add_op(op)
    _convert_block(body, _Threads(tid.result, count.result))
    return gpu.ModuleOp(
        StringAttr(f"{fn.sym_name.data}_kernels"), Region(Block([kernel_fn]))
    )


@dataclass(frozen=True)
class ConvertToGpuPass(ModulePass):
    name = "convert-to-gpu"

    #: the GPU-shaped target (its threads per block); None: the default
    target: Target | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = self.target or default()
        if not target.runs_kernels:
            raise ValueError(
                f"convert-to-gpu: target {target.name!r} does not run kernels "
                "(use --target=cuda or --target=gpu-sim)"
            )
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                module = convert_function(fn, target)
                op.body.block.insert_op_before(module, fn)
                fn.detach()
                fn.erase()
        op.attributes["gpu.container_module"] = UnitAttr()
