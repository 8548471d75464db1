"""The `llvm` stage of a `gpu`-stage kernel (`scanc.lowering.to_gpu`), for a
GPU (NVPTX) or for `gpu-sim` (the host).

A kernel is `void @name(ptr %frame, ptr %arena, i64 %arena_bytes, ptr
%status)`: the frame is the CPU function's (`scanc.runtime.abi`; inputs
unpacked from it, results written to it by thread 0); buffers are pieces of
`%arena` (every thread takes the same piece: allocation happens in uniform
code only); a failing check writes its number to `%status` (`ARENA_FULL` when
the arena is too small) and leaves the kernel, or, inside a region, the region
(`threads.stop_if_failed` after the next barrier makes every thread leave).

How the block's threads are made differs by target:

- on a GPU, `gpu.thread_id` / `gpu.block_dim` read `%tid.x` / `%ntid.x`,
  `threads.each` is a loop from the thread's id by steps of the block's
  threads, `threads.single` a branch on thread 0, `gpu.barrier` a `bar.sync`;
- on `gpu-sim`, the threads are loops: `threads.each` runs thread 0's share
  of the indices, then thread 1's, ... (each thread's flat indices `t, t + n,
  ...` delinearized as on the GPU), `threads.single` runs once, and a barrier
  is where one region's thread loop ends and the next begins (the uniform
  code between regions is the same for every thread, so it runs once: the
  MCUDA technique after uniformity is known).
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir
from scanc.codegen.llvm import EmittedFunction, FunctionEmitter, _rank
from scanc.codegen.llvm_rules import buffer_bytes
from scanc.codegen.llvm_types import Descriptor, byte_width, i32, i64, llvm_type, ptr
from scanc.codegen.target import Target
from scanc.dialects import buffer, threads
from scanc.runtime.abi import FrameLayout
from xdsl.dialects import gpu, memref
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

#: `%status` when a buffer did not fit in the arena (the caller retries with
#: a larger one)
ARENA_FULL = -1


def kernel_results(kernel: gpu.FuncOp) -> threads.ResultsOp:
    found = [op for op in kernel.walk() if isinstance(op, threads.ResultsOp)]
    if len(found) != 1:
        raise ValueError(f"kernel @{kernel.sym_name.data}: one threads.results")
    return found[0]


class KernelEmitter(FunctionEmitter):
    """Emits one kernel; `FunctionEmitter`'s rules for everything the `loops`
    stage has, its own for the `gpu` stage's ops and for memory."""

    def __init__(self, module: ir.Module, kernel: gpu.FuncOp, target: Target):
        self.module, self.fn, self.target = module, kernel, target
        self.values = {}
        self.checks = []
        self.uses_kernels = False
        self.stack_slots = {}
        self.check_bounds = False
        self.region_exits: list[ir.Block] = []
        outputs = [v.type for v in kernel_results(kernel).values]
        self.layout = FrameLayout.of(
            [_rank(a.type) for a in kernel.body.block.args], [_rank(t) for t in outputs]
        )
        name = kernel.sym_name.data
        fnty = ir.FunctionType(ir.VoidType(), [ptr, ptr, i64, ptr])
        self.ir_fn = ir.Function(
            module, fnty, name=name if target.is_gpu else name + ".kernel"
        )
        self.frame, self.arena, self.arena_bytes, self.status = self.ir_fn.args
        for arg, label in zip(
            self.ir_fn.args, ("frame", "arena", "arena_bytes", "status")
        ):
            arg.name = label
        if target.is_gpu:
            self.ir_fn.calling_convention = "ptx_kernel"
            # one block per multiprocessor: without `minctasm`, ptxas aims at
            # several blocks of `maxntid` threads and spills to fit them
            set.add(self.ir_fn.attributes, f'"nvvm.maxntid"="{target.block_threads}"')
            set.add(self.ir_fn.attributes, '"nvvm.minctasm"="1"')
        self.b = ir.IRBuilder(self.ir_fn.append_basic_block("entry"))
        self.top = self.b.alloca(i64, name="arena.top")
        self.b.store(ir.Constant(i64, 0), self.top)

    # -- leaving: a failed check ---------------------------------------------------------
    def leave(self, code: int) -> None:
        self.b.store(ir.Constant(i32, code), self.status)
        if self.region_exits:
            self.b.branch(self.region_exits[-1])
        else:
            self.b.ret_void()

    def emit_op(self, op: Operation) -> None:
        rule = _KERNEL_RULES.get(type(op))
        if rule is None:
            super().emit_op(op)
            return
        result = rule(self, op)
        if result is not None:
            self.values[op.results[0]] = result

    # -- math: libdevice on a GPU ----------------------------------------------------------
    def math_function(self, name: str, type_: ir.Type, arity: int) -> ir.Function:
        if not self.target.is_gpu:
            return super().math_function(name, type_, arity)
        symbol = f"__nv_{name}" + ("" if type_ == ir.DoubleType() else "f")
        return self.libcall(symbol, type_, [type_] * arity)

    # -- the block's threads -----------------------------------------------------------------
    def sreg(self, name: str) -> ir.Value:
        fn = self.libcall(f"llvm.nvvm.read.ptx.sreg.{name}", i32, [])
        return self.b.zext(self.b.call(fn, []), i64)

    def counted(self, start, stop, step, body: Callable[[ir.Value], None]) -> None:
        """for (i = start; i < stop; i += step) body(i)"""
        b = self.b
        pre = b.block
        header = self.ir_fn.append_basic_block("threads.header")
        inner = self.ir_fn.append_basic_block("threads.body")
        done = self.ir_fn.append_basic_block("threads.done")
        b.branch(header)
        b.position_at_end(header)
        i = b.phi(i64)
        i.add_incoming(start, pre)
        b.cbranch(b.icmp_signed("<", i, stop), inner, done)
        b.position_at_end(inner)
        body(i)
        i.add_incoming(b.add(i, step), b.block)
        b.branch(header)
        b.position_at_end(done)

    def in_region(self, body: Callable[[], None]) -> None:
        """`body` with failed checks leaving to the region's end."""
        exit_ = self.ir_fn.append_basic_block("region.end")
        self.region_exits.append(exit_)
        body()
        self.region_exits.pop()
        self.b.branch(exit_)
        self.b.position_at_end(exit_)


def _thread_id(e: KernelEmitter, op: gpu.ThreadIdOp):
    return e.sreg("tid.x") if e.target.is_gpu else ir.Constant(i64, 0)


def _block_dim(e: KernelEmitter, op: gpu.BlockDimOp):
    if e.target.is_gpu:
        return e.sreg("ntid.x")
    return ir.Constant(i64, e.target.block_threads)


def _barrier(e: KernelEmitter, op: gpu.BarrierOp):
    if e.target.is_gpu:
        sync = e.libcall("llvm.nvvm.barrier.cta.sync.aligned.all", ir.VoidType(), [i32])
        e.b.call(sync, [ir.Constant(i32, 0)])


def _each(e: KernelEmitter, op: threads.EachOp):
    b = e.b
    sizes = [e[s] for s in op.sizes]
    total = sizes[0]
    for size in sizes[1:]:
        total = b.mul(total, size)
    count = e[op.threads]
    block = op.body.block

    def iteration(flat: ir.Value) -> None:
        rest = flat
        for arg, size in reversed(list(zip(block.args, sizes))):
            e.values[arg] = b.srem(rest, size) if arg is not block.args[0] else rest
            rest = b.sdiv(rest, size)
        e.emit_block(block)

    def share(thread: ir.Value) -> None:
        e.counted(thread, total, count, iteration)

    if e.target.is_gpu:
        e.in_region(lambda: share(e[op.thread]))
    else:
        e.in_region(
            lambda: e.counted(ir.Constant(i64, 0), count, ir.Constant(i64, 1), share)
        )


def _single(e: KernelEmitter, op: threads.SingleOp):
    if not e.target.is_gpu:
        e.in_region(lambda: e.emit_block(op.body.block))
        return

    def first_thread() -> None:
        with e.b.if_then(e.b.icmp_unsigned("==", e[op.thread], ir.Constant(i64, 0))):
            e.emit_block(op.body.block)

    e.in_region(first_thread)


def _stop_if_failed(e: KernelEmitter, op: threads.StopIfFailedOp):
    failed = e.b.icmp_unsigned("!=", e.b.load(e.status, typ=i32), ir.Constant(i32, 0))
    with e.b.if_then(failed, likely=False):
        e.b.ret_void()


def _alloc(e: KernelEmitter, op):
    """The next piece of the arena (a whole number of cache lines)."""
    b = e.b
    element, sizes, strides, nbytes = buffer_bytes(e, op)
    start = b.load(e.top, typ=i64)
    end = b.add(start, nbytes)
    fits = b.icmp_unsigned("<=", end, e.arena_bytes)
    full = e.ir_fn.append_basic_block("arena.full")
    ok = e.ir_fn.append_basic_block("arena.ok")
    b.cbranch(fits, ok, full)
    b.position_at_end(full)
    e.leave(ARENA_FULL)
    b.position_at_end(ok)
    b.store(end, e.top)
    data = b.gep(e.arena, [start], source_etype=ir.IntType(8))
    return Descriptor(data, sizes, strides, element)


def _arena_mark(e: KernelEmitter, op: threads.ArenaMarkOp):
    return e.b.load(e.top, typ=i64)


def _arena_release(e: KernelEmitter, op: threads.ArenaReleaseOp):
    e.b.store(e[op.mark], e.top)


def _results(e: KernelEmitter, op: threads.ResultsOp):
    def write() -> None:
        for value, slot in zip(op.values, e.layout.outputs):
            e.store_output(e[value], slot.offset)

    if not e.target.is_gpu:
        write()
        return
    tid = e.sreg("tid.x")
    with e.b.if_then(e.b.icmp_unsigned("==", tid, ir.Constant(i64, 0))):
        write()


def _nothing(e: KernelEmitter, op):
    """Arena buffers are freed by `threads.arena_release` or with the arena."""


_KERNEL_RULES: dict[type, Callable] = {
    gpu.ThreadIdOp: _thread_id,
    gpu.BlockDimOp: _block_dim,
    gpu.BarrierOp: _barrier,
    gpu.ReturnOp: lambda e, op: e.b.ret_void() and None,
    threads.EachOp: _each,
    threads.SingleOp: _single,
    threads.StopIfFailedOp: _stop_if_failed,
    threads.ArenaMarkOp: _arena_mark,
    threads.ArenaReleaseOp: _arena_release,
    threads.ResultsOp: _results,
    memref.AllocOp: _alloc,
    buffer.PooledAllocOp: _alloc,
    memref.DeallocOp: _nothing,
    buffer.FreeOnErrorOp: _nothing,
}


def emit_kernels(
    module: ModuleOp, target: Target
) -> tuple[ir.Module, list[EmittedFunction]]:
    """The `llvm` stage of every kernel of the `gpu` stage's `module`: for a
    GPU the kernels; for `gpu-sim` each kernel and its launcher
    (`scanc.codegen.gpu_sim`), which the runtime calls as a CPU function."""
    from scanc.codegen import gpu_sim

    ir_module = ir.Module(name="scanc")
    ir_module.triple = target.triple
    ir_module.data_layout = target.data_layout
    emitted = []
    for container in module.ops:
        if not isinstance(container, gpu.ModuleOp):
            continue
        for kernel in container.body.block.ops:
            if not isinstance(kernel, gpu.FuncOp):
                continue
            e = KernelEmitter(ir_module, kernel, target)
            function = e.emit()
            if not target.is_gpu:
                outputs = [v.type for v in kernel_results(kernel).values]
                function = gpu_sim.launcher(e, outputs)
            emitted.append(function)
    return ir_module, emitted


def element_bytes(type_) -> int:
    """Bytes of one element of a memref type."""
    return byte_width(llvm_type(type_.element_type))
