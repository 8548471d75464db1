"""The host side of a `gpu-sim` kernel: what the CUDA runtime does around a
launch, as the CPU function `i32 @name(ptr %frame)` of `scanc.runtime.abi`,
so a `gpu-sim` function is called as any compiled function.

It takes an arena (its size remembered between calls, doubled and the kernel
run again while the kernel reports `ARENA_FULL`), runs the kernel
(`scanc.codegen.gpu_kernel`, its threads as loops), copies each array result
out of the arena into its own buffer (the device-to-host copy) and frees the
arena. A failed check's number is returned as the CPU function returns it.
"""

from __future__ import annotations

from llvmlite import ir
from scanc.codegen.gpu_kernel import ARENA_FULL, KernelEmitter, element_bytes
from scanc.codegen.llvm import EmittedFunction
from scanc.codegen.llvm_types import i32, i64, ptr

#: the first arena of a function (bytes)
FIRST_ARENA_BYTES = 1 << 16

_LINE = 64


def launcher(e: KernelEmitter, output_types: list) -> EmittedFunction:
    """`i32 @name(ptr %frame)` running `e`'s kernel."""
    module, name = e.module, e.fn.sym_name.data
    fn = ir.Function(module, ir.FunctionType(i32, [ptr]), name=name)
    frame = fn.args[0]
    arena_bytes = ir.GlobalVariable(module, i64, name=f"{name}.arena_bytes")
    arena_bytes.linkage = "internal"
    arena_bytes.initializer = ir.Constant(i64, FIRST_ARENA_BYTES)
    checks = [*e.checks, "MemoryError: out of memory"]
    out_of_memory = ir.Constant(i32, len(checks))
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    status = b.alloca(i32, name="status")
    attempt = fn.append_basic_block("attempt")
    b.branch(attempt)
    b.position_at_end(attempt)
    size = b.load_atomic(arena_bytes, "monotonic", 8, typ=i64)
    arena = _allocate(e, b, size)
    with b.if_then(b.icmp_unsigned("==", arena, ir.Constant(ptr, None)), likely=False):
        b.ret(out_of_memory)
    b.store(ir.Constant(i32, 0), status)
    b.call(e.ir_fn, [frame, arena, size, status])
    code = b.load(status, typ=i32)
    free = e.libcall("free", ir.VoidType(), [ptr])
    with b.if_then(
        b.icmp_signed("==", code, ir.Constant(i32, ARENA_FULL)), likely=False
    ):
        b.call(free, [arena])
        b.store_atomic(b.shl(size, ir.Constant(i64, 1)), arena_bytes, "monotonic", 8)
        b.branch(attempt)
        b.position_at_end(fn.append_basic_block("unreachable"))
    with b.if_then(b.icmp_signed("!=", code, ir.Constant(i32, 0)), likely=False):
        b.call(free, [arena])
        b.ret(code)
    _copy_results(e, b, frame, output_types, out_of_memory, arena)
    b.call(free, [arena])
    b.ret(ir.Constant(i32, 0))
    return EmittedFunction(name, e.layout, checks)


def _copy_results(
    e, b: ir.IRBuilder, frame, output_types, out_of_memory, arena
) -> None:
    """Each array result moved from the arena to a buffer of its own (a failed
    allocation frees the copies made and the arena, and returns
    `out_of_memory`)."""
    free = e.libcall("free", ir.VoidType(), [ptr])
    memcpy = e.libcall("memcpy", ptr, [ptr, ptr, i64])
    copies = []
    for type_, slot in zip(output_types, e.layout.outputs):
        if slot.rank == 0:
            continue
        at = [
            b.gep(frame, [ir.Constant(i64, slot.offset + k)], source_etype=i64)
            for k in range(1 + slot.rank)
        ]
        nbytes = ir.Constant(i64, element_bytes(type_))
        for k in range(slot.rank):
            nbytes = b.mul(nbytes, b.load(at[1 + k], typ=i64))
        copy = _allocate(e, b, nbytes)
        with b.if_then(
            b.icmp_unsigned("==", copy, ir.Constant(ptr, None)), likely=False
        ):
            for earlier in copies:
                b.call(free, [earlier])
            b.call(free, [arena])
            b.ret(out_of_memory)
        source = b.inttoptr(b.load(at[0], typ=i64), ptr)
        b.call(memcpy, [copy, source, nbytes])
        b.store(b.ptrtoint(copy, i64), at[0])
        copies.append(copy)


def _allocate(e: KernelEmitter, b: ir.IRBuilder, nbytes: ir.Value) -> ir.Value:
    """aligned_alloc of `nbytes` rounded up to whole cache lines (one at least)."""
    whole = b.and_(b.add(nbytes, ir.Constant(i64, _LINE - 1)), ir.Constant(i64, -_LINE))
    whole = b.select(
        b.icmp_unsigned("==", whole, ir.Constant(i64, 0)),
        ir.Constant(i64, _LINE),
        whole,
    )
    aligned_alloc = e.libcall("aligned_alloc", ptr, [i64, i64])
    return b.call(aligned_alloc, [ir.Constant(i64, _LINE), whole])
