"""Emitter rules for structured control flow (`scf.for`, `scf.if`, `scf.while`).

Each becomes basic blocks with phis; a memref result or loop-carried memref gets
one phi per descriptor field. `scf.for` is a canonical counted loop (header test,
body, latch), the shape LLVM's loop passes and vectorizers expect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from llvmlite import ir
from scanc.codegen.llvm_types import Descriptor, i64, ptr
from xdsl.dialects import scf
from xdsl.ir import Block

if TYPE_CHECKING:
    from scanc.codegen.llvm import FunctionEmitter


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


CONTROL_RULES: dict[type, Callable] = {
    scf.ForOp: _for,
    scf.IfOp: _if,
    scf.WhileOp: _while,
}
