"""The `llvm` stage: emit LLVM IR with `llvmlite.ir` from the `loops` stage.

Expects: `func.func`s over scalars and memrefs written with `scf`, `arith`,
`math`, `memref` and `cf.assert` (what `lower-to-loops` produces). Each function
becomes `i32 @name(i64* noalias %frame)` following `scanc.runtime.abi`.

A memref is a descriptor held in Python, not an LLVM struct: an element pointer
(offset already applied) and i64 sizes and strides, so LLVM sees plain scalars
and GEP addressing it can vectorize. `scf.for` becomes a canonical counted loop;
`cf.assert` branches to a block returning the check's number.

    %x = memref.load %A[%i]   ->   %p = getelementptr double, ptr %A.data, i64 (%i * %A.stride0)
                                   %x = load double, ptr %p
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llvmlite import ir
from scanc import config
from scanc.codegen import vector_math
from scanc.codegen.llvm_control import CONTROL_RULES
from scanc.codegen.llvm_kernels import KERNEL_RULES
from scanc.codegen.llvm_rules import SCALAR_RULES
from scanc.codegen.llvm_types import (
    Descriptor,
    contiguous_strides,
    f32,
    f64,
    i32,
    i64,
    llvm_type,
    ptr,
)
from scanc.codegen.target import Target
from scanc.runtime.abi import FrameLayout
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import Attribute, Block, Operation, SSAValue


@dataclass
class EmittedFunction:
    """What the runtime needs to call one emitted function."""

    name: str
    layout: FrameLayout
    checks: list[str]
    #: whether it calls the kernel library (`scanc.codegen.kernels.library`)
    uses_kernels: bool = False


class FunctionEmitter:
    def __init__(self, module: ir.Module, fn: func.FuncOp, target: Target):
        self.module, self.fn, self.target = module, fn, target
        self.values: dict[SSAValue, object] = {}
        self.checks: list[str] = []
        self.uses_kernels = False
        self.stack_slots: dict[str, ir.Value] = {}
        #: every load, store and view checked against its sizes (a debug mode)
        self.check_bounds = config.check_bounds
        in_ranks = [_rank(a.type) for a in fn.args]
        out_ranks = [_rank(t) for t in fn.function_type.outputs.data]
        self.layout = FrameLayout.of(in_ranks, out_ranks)
        fnty = ir.FunctionType(i32, [ptr])
        self.ir_fn = ir.Function(module, fnty, name=fn.sym_name.data)
        self.frame = self.ir_fn.args[0]
        self.frame.name = "frame"
        self.frame.add_attribute("noalias")
        self.b = ir.IRBuilder(self.ir_fn.append_basic_block("entry"))

    # -- helpers ----------------------------------------------------------------------
    def slot(self, k: int) -> ir.Value:
        return self.b.gep(
            self.frame, [ir.Constant(i64, k)], inbounds=True, source_etype=i64
        )

    def intrinsic(self, name: str, type_: ir.Type, nargs: int = 1) -> ir.Function:
        full = f"llvm.{name}.{'f64' if type_ == f64 else 'f32'}"
        if full in self.module.globals:
            return self.module.globals[full]
        return ir.Function(
            self.module, ir.FunctionType(type_, [type_] * nargs), name=full
        )

    def libcall(self, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
        if name in self.module.globals:
            return self.module.globals[name]
        fn = ir.Function(self.module, ir.FunctionType(ret, args), name=name)
        if name == "aligned_alloc":
            fn.return_value.add_attribute("noalias")
        return fn

    def math_function(self, name: str, type_: ir.Type, arity: int) -> ir.Function:
        """libm's `name` (`tanh`) for `type_` (`tanhf` for float32)."""
        return vector_math.declare(self.module, name, type_, self.target.features)

    def leave(self, code: int) -> None:
        """The end of a failed check's path: return its number."""
        self.b.ret(ir.Constant(i32, code))

    def alloca_entry(self, type_: ir.Type) -> ir.Value:
        """A stack slot of `type_` made at the top of the function (one per type,
        so calls in loops reuse it)."""
        slot = self.stack_slots.get(str(type_))
        if slot is None:
            builder = ir.IRBuilder(self.ir_fn.entry_basic_block)
            builder.position_at_start(self.ir_fn.entry_basic_block)
            slot = self.stack_slots[str(type_)] = builder.alloca(type_)
        return slot

    def __getitem__(self, value: SSAValue):
        return self.values[value]

    # -- entry: unpack the frame ----------------------------------------------------------
    def emit(self) -> EmittedFunction:
        for arg, slot in zip(self.fn.body.block.args, self.layout.inputs):
            self.values[arg] = self.unpack_input(arg.type, slot.offset, slot.rank)
        self.emit_block(self.fn.body.block)
        name = self.fn.sym_name.data
        return EmittedFunction(name, self.layout, self.checks, self.uses_kernels)

    def unpack_input(self, type_: Attribute, k: int, rank: int):
        b = self.b
        if rank == 0:
            return from_slot(b, b.load(self.slot(k), typ=i64), llvm_type(type_))
        element = llvm_type(type_.element_type)  # type: ignore[attr-defined]
        data = b.inttoptr(b.load(self.slot(k), typ=i64), ptr)
        sizes = [b.load(self.slot(k + 1 + d), typ=i64) for d in range(rank)]
        return Descriptor(data, sizes, contiguous_strides(b, sizes), element)

    def emit_return(self, op: func.ReturnOp) -> None:
        for value, slot in zip(op.arguments, self.layout.outputs):
            self.store_output(self[value], slot.offset)
        self.b.ret(ir.Constant(i32, 0))

    def store_output(self, v, k: int) -> None:
        """Write a result into the frame at slot `k`."""
        b = self.b
        if isinstance(v, Descriptor):
            b.store(b.ptrtoint(v.data, i64), self.slot(k))
            for d, size in enumerate(v.sizes):
                b.store(size, self.slot(k + 1 + d))
        else:
            b.store(to_slot(b, v), self.slot(k))

    # -- blocks and ops --------------------------------------------------------------------
    def emit_block(self, block: Block) -> None:
        for op in block.ops:
            self.emit_op(op)

    def emit_op(self, op: Operation) -> None:
        handler = _RULES.get(type(op))
        if handler is None:
            raise NotImplementedError(f"llvm emitter: no rule for {op.name}")
        result = handler(self, op)
        if result is not None:
            if isinstance(result, list):
                for r, v in zip(op.results, result):
                    self.values[r] = v
            else:
                self.values[op.results[0]] = result

    def address(self, d: Descriptor, idx: list[ir.Value]) -> ir.Value:
        b = self.b
        offset = None
        for i, stride in zip(idx, d.strides):
            term = b.mul(i, stride)
            offset = term if offset is None else b.add(offset, term)
        if offset is None:
            return d.data
        return b.gep(d.data, [offset], source_etype=d.element)


def _rank(type_: Attribute) -> int:
    return type_.get_num_dims() if isinstance(type_, MemRefType) else 0


def from_slot(b: ir.IRBuilder, raw: ir.Value, type_: ir.Type) -> ir.Value:
    if type_ == f64:
        return b.bitcast(raw, f64)
    if type_ == f32:
        return b.fptrunc(b.bitcast(raw, f64), f32)
    if type_.width == 64:
        return raw
    if type_.width == 1:
        return b.icmp_unsigned("!=", raw, ir.Constant(i64, 0))
    return b.trunc(raw, type_)


def to_slot(b: ir.IRBuilder, v: ir.Value) -> ir.Value:
    t = v.type
    if t == f64:
        return b.bitcast(v, i64)
    if t == f32:
        return b.bitcast(b.fpext(v, f64), i64)
    if t.width == 64:
        return v
    return b.zext(v, i64) if t.width == 1 else b.sext(v, i64)


_RULES: dict[type, Callable] = {
    **SCALAR_RULES,
    **CONTROL_RULES,
    **KERNEL_RULES,
    func.ReturnOp: lambda e, op: e.emit_return(op),
}


def emit_module(
    module: ModuleOp, target: Target
) -> tuple[ir.Module, list[EmittedFunction]]:
    """The `llvm` stage of every function in `module`, not yet optimized."""
    ir_module = ir.Module(name="scanc")
    ir_module.triple = target.triple
    ir_module.data_layout = target.data_layout
    emitted = []
    for op in module.ops:
        if isinstance(op, func.FuncOp) and not op.is_declaration:
            emitted.append(FunctionEmitter(ir_module, op, target).emit())
    vector_math.finish(ir_module)
    return ir_module, emitted
