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

import llvmlite.binding as llvm
from llvmlite import ir
from xdsl.dialects import arith, cf, func, math, memref, scf
from xdsl.dialects.builtin import (
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    MemRefType,
    ModuleOp,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue

from scanc.codegen.target import Target
from scanc.runtime.abi import FrameLayout

i1, i8, i32, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
f32, f64 = ir.FloatType(), ir.DoubleType()
ptr = ir.PointerType()


def llvm_type(type_: Attribute) -> ir.Type:
    if isinstance(type_, (IndexType,)):
        return i64
    if isinstance(type_, IntegerType):
        return ir.IntType(type_.width.data)
    if isinstance(type_, Float64Type):
        return f64
    if isinstance(type_, Float32Type):
        return f32
    raise NotImplementedError(f"llvm emitter: no LLVM type for {type_}")


@dataclass
class Descriptor:
    """A memref in registers: element pointer, sizes and strides (elements)."""

    data: ir.Value
    sizes: list[ir.Value]
    strides: list[ir.Value]
    element: ir.Type


@dataclass
class EmittedFunction:
    name: str
    layout: FrameLayout
    checks: list[str]


_CMPI = ["==", "!=", "<", "<=", ">", ">=", "<", "<=", ">", ">="]
_CMPF = [
    "false",
    "==",
    ">",
    ">=",
    "<",
    "<=",
    "!=",
    "ord",
    "==",
    ">",
    ">=",
    "<",
    "<=",
    "!=",
    "uno",
    "true",
]


class FunctionEmitter:
    def __init__(self, module: ir.Module, fn: func.FuncOp):
        self.module, self.fn = module, fn
        self.values: dict[SSAValue, object] = {}
        self.checks: list[str] = []
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
        if name == "malloc":
            fn.return_value.add_attribute("noalias")
        return fn

    def __getitem__(self, value: SSAValue):
        return self.values[value]

    # -- entry: unpack the frame ----------------------------------------------------------
    def emit(self) -> EmittedFunction:
        for arg, slot in zip(self.fn.args, self.layout.inputs):
            self.values[arg] = self.unpack_input(arg.type, slot.offset, slot.rank)
        self.emit_block(self.fn.body.block)
        return EmittedFunction(self.fn.sym_name.data, self.layout, self.checks)

    def unpack_input(self, type_: Attribute, k: int, rank: int):
        b = self.b
        if rank == 0:
            return from_slot(b, b.load(self.slot(k), typ=i64), llvm_type(type_))
        element = llvm_type(type_.element_type)  # type: ignore[attr-defined]
        data = b.inttoptr(b.load(self.slot(k), typ=i64), ptr)
        sizes = [b.load(self.slot(k + 1 + d), typ=i64) for d in range(rank)]
        return Descriptor(data, sizes, contiguous_strides(b, sizes), element)

    def emit_return(self, op: func.ReturnOp) -> None:
        b = self.b
        for value, slot in zip(op.arguments, self.layout.outputs):
            v = self[value]
            if isinstance(v, Descriptor):
                b.store(b.ptrtoint(v.data, i64), self.slot(slot.offset))
                for d, size in enumerate(v.sizes):
                    b.store(size, self.slot(slot.offset + 1 + d))
            else:
                b.store(to_slot(b, v, value.type), self.slot(slot.offset))
        b.ret(ir.Constant(i32, 0))

    # -- blocks and ops --------------------------------------------------------------------
    def emit_block(self, block: Block) -> None:
        for op in block.ops:
            self.emit_op(op)

    def emit_op(self, op: Operation) -> None:
        handler = _HANDLERS.get(type(op))
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


def contiguous_strides(b: ir.IRBuilder, sizes: list[ir.Value]) -> list[ir.Value]:
    """Row-major strides, in elements, of an array of `sizes`."""
    strides: list[ir.Value] = []
    count: ir.Value = ir.Constant(i64, 1)
    for size in reversed(sizes):
        strides.insert(0, count)
        count = b.mul(count, size)
    return strides


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


def to_slot(b: ir.IRBuilder, v: ir.Value, type_: Attribute) -> ir.Value:
    t = v.type
    if t == f64:
        return b.bitcast(v, i64)
    if t == f32:
        return b.bitcast(b.fpext(v, f64), i64)
    if t.width == 64:
        return v
    unsigned = t.width == 1 or (
        isinstance(type_, IntegerType) and type_.signedness.data.name == "UNSIGNED"
    )
    return b.zext(v, i64) if unsigned else b.sext(v, i64)


# -- op rules ----------------------------------------------------------------------------


def _constant(e: FunctionEmitter, op: arith.ConstantOp):
    t = llvm_type(op.result.type)
    value = op.value.value.data  # type: ignore[attr-defined]
    if isinstance(t, ir.IntType) and t.width == 1:
        value = 1 if value else 0
    return ir.Constant(t, value)


def _binary(method: str):
    def rule(e: FunctionEmitter, op):
        return getattr(e.b, method)(e[op.lhs], e[op.rhs])

    return rule


def _cmpi(e: FunctionEmitter, op: arith.CmpiOp):
    p = op.predicate.value.data
    cmp = e.b.icmp_signed if p < 6 else e.b.icmp_unsigned
    if p in (0, 1):
        cmp = e.b.icmp_signed
    return cmp(_CMPI[p], e[op.lhs], e[op.rhs])


def _cmpf(e: FunctionEmitter, op: arith.CmpfOp):
    p = op.predicate.value.data
    if p in (0, 15):
        return ir.Constant(i1, int(p == 15))
    if p in (7, 14):
        return (e.b.fcmp_ordered if p == 7 else e.b.fcmp_unordered)(
            "ord" if p == 7 else "uno", e[op.lhs], e[op.rhs]
        )
    cmp = e.b.fcmp_ordered if p < 8 else e.b.fcmp_unordered
    return cmp(_CMPF[p], e[op.lhs], e[op.rhs])


def _minmax(pred: str, signed: bool):
    def rule(e: FunctionEmitter, op):
        a, b_ = e[op.lhs], e[op.rhs]
        cmp = e.b.icmp_signed if signed else e.b.icmp_unsigned
        return e.b.select(cmp(pred, a, b_), a, b_)

    return rule


def _float_intrinsic(name: str, nargs: int = 1):
    def rule(e: FunctionEmitter, op):
        args = [e[v] for v in op.operands]
        return e.b.call(e.intrinsic(name, args[0].type, nargs), args)

    return rule


def _libm(name: str):
    def rule(e: FunctionEmitter, op):
        x = e[op.operands[0]]
        symbol = name if x.type == f64 else name + "f"
        return e.b.call(e.libcall(symbol, x.type, [x.type]), [x])

    return rule


def _cast(method: str):
    def rule(e: FunctionEmitter, op):
        return getattr(e.b, method)(e[op.operands[0]], llvm_type(op.results[0].type))

    return rule


def _index_cast(e: FunctionEmitter, op: arith.IndexCastOp):
    v, t = e[op.input], llvm_type(op.result.type)
    if v.type.width == t.width:
        return v
    return e.b.sext(v, t) if v.type.width < t.width else e.b.trunc(v, t)


def _abs_int(e: FunctionEmitter, op):
    x = e[op.operands[0]]
    neg = e.b.icmp_signed("<", x, ir.Constant(x.type, 0))
    return e.b.select(neg, e.b.neg(x), x)


def _assert(e: FunctionEmitter, op: cf.AssertOp):
    e.checks.append(op.msg.data)
    code = len(e.checks)
    fail = e.ir_fn.append_basic_block(f"check{code}.fail")
    ok = e.ir_fn.append_basic_block(f"check{code}.ok")
    e.b.cbranch(e[op.arg], ok, fail)
    e.b.position_at_end(fail)
    e.b.ret(ir.Constant(i32, code))
    e.b.position_at_end(ok)


def _alloc(e: FunctionEmitter, op: memref.AllocOp):
    b = e.b
    element = llvm_type(op.memref.type.element_type)  # type: ignore[attr-defined]
    sizes = [e[v] for v in op.dynamic_sizes]
    strides = contiguous_strides(b, sizes)
    count = b.mul(strides[0], sizes[0]) if sizes else ir.Constant(i64, 1)
    width = max(
        element.width // 8
        if isinstance(element, ir.IntType)
        else (8 if element == f64 else 4),
        1,
    )
    nbytes = b.mul(count, ir.Constant(i64, width))
    nbytes = b.select(
        b.icmp_unsigned("==", nbytes, ir.Constant(i64, 0)), ir.Constant(i64, 1), nbytes
    )
    data = b.call(e.libcall("malloc", ptr, [i64]), [nbytes])
    e.checks.append("MemoryError: out of memory")
    code = len(e.checks)
    fail = e.ir_fn.append_basic_block(f"alloc{code}.fail")
    ok = e.ir_fn.append_basic_block(f"alloc{code}.ok")
    b.cbranch(b.icmp_unsigned("!=", data, ir.Constant(ptr, None)), ok, fail)
    b.position_at_end(fail)
    b.ret(ir.Constant(i32, code))
    b.position_at_end(ok)
    return Descriptor(data, sizes, strides, element)


def _dealloc(e: FunctionEmitter, op: memref.DeallocOp):
    e.b.call(e.libcall("free", ir.VoidType(), [ptr]), [e[op.memref].data])


def _load(e: FunctionEmitter, op: memref.LoadOp):
    d = e[op.memref]
    return e.b.load(e.address(d, [e[i] for i in op.indices]), typ=d.element)


def _store(e: FunctionEmitter, op: memref.StoreOp):
    d = e[op.memref]
    e.b.store(e[op.value], e.address(d, [e[i] for i in op.indices]))


def _dim(e: FunctionEmitter, op: memref.DimOp):
    index_op = op.index.owner
    return e[op.source].sizes[index_op.value.value.data]  # type: ignore[attr-defined]


def _is_const_one(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, arith.ConstantOp) and owner.value.value.data == 1  # type: ignore


def _subview(e: FunctionEmitter, op: memref.SubviewOp):
    d: Descriptor = e[op.source]
    offsets = [e[v] for v in op.offsets]
    data = e.address(d, offsets)
    dims = list(zip(op.sizes, d.strides, op.strides))
    drop = len(dims) - op.result.type.get_num_dims()  # type: ignore[attr-defined]
    sizes, strides = [], []
    for size, stride, step in dims:
        if drop and _is_const_one(size):
            drop -= 1
            continue
        sizes.append(e[size])
        strides.append(e.b.mul(stride, e[step]))
    return Descriptor(data, sizes, strides, d.element)


def _phi_like(e: FunctionEmitter, incoming: list[tuple[object, ir.Block]], name=""):
    """A phi for a scalar, or one phi per field for a descriptor."""
    first = incoming[0][0]
    if isinstance(first, Descriptor):

        def field(get):
            return _phi_like(e, [(get(v), blk) for v, blk in incoming])

        return Descriptor(
            field(lambda v: v.data),
            [field(lambda v, k=k: v.sizes[k]) for k in range(len(first.sizes))],
            [field(lambda v, k=k: v.strides[k]) for k in range(len(first.strides))],
            first.element,
        )
    phi = e.b.phi(first.type, name)
    for value, block in incoming:
        phi.add_incoming(value, block)
    return phi


def _placeholder_phis(e: FunctionEmitter, template: list[object]) -> list[object]:
    out = []
    for v in template:
        if isinstance(v, Descriptor):
            out.append(
                Descriptor(
                    e.b.phi(ptr),
                    [e.b.phi(i64) for _ in v.sizes],
                    [e.b.phi(i64) for _ in v.strides],
                    v.element,
                )
            )
        else:
            out.append(e.b.phi(v.type))
    return out


def _add_incoming(phis: list[object], values: list[object], block: ir.Block) -> None:
    for phi, v in zip(phis, values):
        if isinstance(phi, Descriptor):
            phi.data.add_incoming(v.data, block)
            for p, x in zip(phi.sizes, v.sizes):
                p.add_incoming(x, block)
            for p, x in zip(phi.strides, v.strides):
                p.add_incoming(x, block)
        else:
            phi.add_incoming(v, block)


def _for(e: FunctionEmitter, op: scf.ForOp):
    b = e.b
    lb, ub, step = e[op.lb], e[op.ub], e[op.step]
    inits = [e[v] for v in op.iter_args]
    pre = b.block
    header = e.ir_fn.append_basic_block("for.header")
    body = e.ir_fn.append_basic_block("for.body")
    exit_ = e.ir_fn.append_basic_block("for.exit")
    b.branch(header)
    b.position_at_end(header)
    iv = b.phi(i64, "iv")
    carried = _placeholder_phis(e, inits)
    iv.add_incoming(lb, pre)
    _add_incoming(carried, inits, pre)
    b.cbranch(b.icmp_signed("<", iv, ub), body, exit_)
    b.position_at_end(body)
    block = op.body.block
    e.values[block.args[0]] = iv
    for arg, v in zip(block.args[1:], carried):
        e.values[arg] = v
    yielded = _emit_region_body(e, block)
    latch = b.block
    iv.add_incoming(b.add(iv, step, flags=["nsw"]), latch)
    _add_incoming(carried, yielded, latch)
    b.branch(header)
    b.position_at_end(exit_)
    return carried


def _emit_region_body(e: FunctionEmitter, block: Block) -> list[object]:
    """Emit a region's ops up to its terminator; return the terminator's values."""
    ops = list(block.ops)
    for op in ops[:-1]:
        e.emit_op(op)
    return [e[v] for v in ops[-1].operands]


def _if(e: FunctionEmitter, op: scf.IfOp):
    b = e.b
    then_bb = e.ir_fn.append_basic_block("if.then")
    else_bb = e.ir_fn.append_basic_block("if.else")
    merge = e.ir_fn.append_basic_block("if.end")
    b.cbranch(e[op.cond], then_bb, else_bb)
    incoming = []
    for region, bb in ((op.true_region, then_bb), (op.false_region, else_bb)):
        b.position_at_end(bb)
        values = _emit_region_body(e, region.block) if region.blocks else []
        incoming.append((values, b.block))
        b.branch(merge)
    b.position_at_end(merge)
    results = []
    for k in range(len(op.results)):
        results.append(_phi_like(e, [(vals[k], blk) for vals, blk in incoming]))
    return results


def _while(e: FunctionEmitter, op: scf.WhileOp):
    b = e.b
    inits = [e[v] for v in op.arguments]
    pre = b.block
    before = e.ir_fn.append_basic_block("while.before")
    after = e.ir_fn.append_basic_block("while.after")
    exit_ = e.ir_fn.append_basic_block("while.exit")
    b.branch(before)
    b.position_at_end(before)
    carried = _placeholder_phis(e, inits)
    _add_incoming(carried, inits, pre)
    before_block = op.before_region.block
    for arg, v in zip(before_block.args, carried):
        e.values[arg] = v
    ops = list(before_block.ops)
    for inner in ops[:-1]:
        e.emit_op(inner)
    cond_op = ops[-1]
    assert isinstance(cond_op, scf.ConditionOp)
    forwarded = [e[v] for v in cond_op.args]
    b.cbranch(e[cond_op.condition], after, exit_)
    b.position_at_end(after)
    for arg, v in zip(op.after_region.block.args, forwarded):
        e.values[arg] = v
    yielded = _emit_region_body(e, op.after_region.block)
    _add_incoming(carried, yielded, b.block)
    b.branch(before)
    b.position_at_end(exit_)
    return forwarded


_HANDLERS: dict[type, Callable] = {
    arith.ConstantOp: _constant,
    arith.AddiOp: _binary("add"),
    arith.SubiOp: _binary("sub"),
    arith.MuliOp: _binary("mul"),
    arith.DivSIOp: _binary("sdiv"),
    arith.RemSIOp: _binary("srem"),
    arith.AndIOp: _binary("and_"),
    arith.OrIOp: _binary("or_"),
    arith.XOrIOp: _binary("xor"),
    arith.ShRSIOp: _binary("ashr"),
    arith.AddfOp: _binary("fadd"),
    arith.SubfOp: _binary("fsub"),
    arith.MulfOp: _binary("fmul"),
    arith.DivfOp: _binary("fdiv"),
    arith.NegfOp: lambda e, op: e.b.fneg(e[op.operand]),
    arith.CmpiOp: _cmpi,
    arith.CmpfOp: _cmpf,
    arith.SelectOp: lambda e, op: e.b.select(e[op.cond], e[op.lhs], e[op.rhs]),
    arith.MaxSIOp: _minmax(">", True),
    arith.MinSIOp: _minmax("<", True),
    arith.MaximumfOp: _float_intrinsic("maximum", 2),
    arith.MinimumfOp: _float_intrinsic("minimum", 2),
    arith.IndexCastOp: _index_cast,
    arith.SIToFPOp: _cast("sitofp"),
    arith.UIToFPOp: _cast("uitofp"),
    arith.FPToSIOp: _cast("fptosi"),
    arith.ExtFOp: _cast("fpext"),
    arith.TruncFOp: _cast("fptrunc"),
    arith.ExtSIOp: _cast("sext"),
    arith.ExtUIOp: _cast("zext"),
    arith.TruncIOp: _cast("trunc"),
    math.ExpOp: _float_intrinsic("exp"),
    math.LogOp: _float_intrinsic("log"),
    math.SqrtOp: _float_intrinsic("sqrt"),
    math.SinOp: _float_intrinsic("sin"),
    math.CosOp: _float_intrinsic("cos"),
    math.FloorOp: _float_intrinsic("floor"),
    math.CeilOp: _float_intrinsic("ceil"),
    math.AbsFOp: _float_intrinsic("fabs"),
    math.PowFOp: _float_intrinsic("pow", 2),
    math.TanhOp: _libm("tanh"),
    math.AbsIOp: _abs_int,
    cf.AssertOp: _assert,
    memref.AllocOp: _alloc,
    memref.DeallocOp: _dealloc,
    memref.LoadOp: _load,
    memref.StoreOp: _store,
    memref.DimOp: _dim,
    memref.SubviewOp: _subview,
    scf.ForOp: _for,
    scf.IfOp: _if,
    scf.WhileOp: _while,
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
        if isinstance(op, func.FuncOp):
            emitted.append(FunctionEmitter(ir_module, op).emit())
    return ir_module, emitted


def optimize(ir_module: ir.Module, target: Target) -> llvm.ModuleRef:
    """Parse and run LLVM's O2 pipeline with the loop and SLP vectorizers."""
    ref = llvm.parse_assembly(str(ir_module))
    ref.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=2)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = True
    pb = llvm.create_pass_builder(target.machine(), pto)
    pb.getModulePassManager().run(ref, pb)
    return ref
