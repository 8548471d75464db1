"""`sink-into-branches`: make `ifelse` lazy.

Expects `st.ifelse` ops anywhere (function bodies, `scan.loop` bodies). Each
becomes an `st.if` whose `then` region holds the ops that only its `then` value
needs, and whose `else` region holds those that only its `else` value needs;
ops that anything else also reads stay where they are. After it, only the
branch the condition picks runs:

    %x = st.elementwise "exp"(%a)                  %r = st.if %c -> ... {
    %r = st.ifelse %c, %x, %b            ==>         %x = st.elementwise "exp"(%a)
                                                     st.yield %x
                                                   } else {
                                                     st.yield %b
                                                   }

Nested `ifelse`s end up nested: the outer one is rewritten first, carrying the
inner one (and its exclusive ops) into its branch, where the inner one is then
rewritten. `lower-to-loops` runs this pass first: laziness is part of
`ifelse`'s meaning (`ifelse(n > 0, x[n - 1], 0)` must not index `x[-1]`), so it
does not depend on the graph optimisations being on. Later graph passes are not
expected to see `st.if`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanc.dialects import st
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter


def sink_into_branches(root: Operation) -> None:
    """Rewrite every `st.ifelse` under `root`, outermost first."""
    for choice in reversed([op for op in root.walk() if isinstance(op, st.IfElseOp)]):
        _make_lazy(choice)


def _make_lazy(choice: st.IfElseOp) -> None:
    block = choice.parent_block()
    assert block is not None
    branches = []
    for operand_index, value in ((1, choice.then), (2, choice.else_)):
        ops = exclusive_producers(block, value, choice, operand_index)
        branch = Block()
        for op in [op for op in block.ops if op in ops]:
            op.detach()
            branch.add_op(op)
        branch.add_op(st.YieldOp([value]))
        branches.append(branch)
    lazy = st.IfOp(choice.cond, [choice.result.type], *branches)
    Rewriter.replace_op(choice, lazy)


def exclusive_producers(
    block: Block, value: SSAValue, choice: Operation, operand_index: int
) -> set[Operation]:
    """The ops of `block` that compute `value` and whose results nothing
    reads but each other and `choice`'s operand `operand_index`."""
    found = _producers(block, value)
    changed = True
    while changed:
        changed = False
        for op in list(found):
            if not _read_only_by(op, found, choice, operand_index, block):
                found.discard(op)
                changed = True
    return found


def branch_only_ops(block: Block) -> set[Operation]:
    """The ops of `block` that only one branch of one of its `st.ifelse` needs:
    those that run only when that branch is taken."""
    found: set[Operation] = set()
    for choice in block.ops:
        if isinstance(choice, st.IfElseOp):
            found |= exclusive_producers(block, choice.then, choice, 1)
            found |= exclusive_producers(block, choice.else_, choice, 2)
    return found


def _producers(block: Block, value: SSAValue) -> set[Operation]:
    """Every op of `block` that `value` depends on (through nested regions too)."""
    found: set[Operation] = set()
    pending = [value]
    while pending:
        owner = pending.pop().owner
        if not isinstance(owner, Operation) or owner.parent_block() is not block:
            continue
        if owner in found:
            continue
        found.add(owner)
        for op in owner.walk():
            pending.extend(op.operands)
    return found


def _read_only_by(
    op: Operation,
    ops: set[Operation],
    choice: Operation,
    operand_index: int,
    block: Block,
) -> bool:
    for result in op.results:
        for use in result.uses:
            reader = block.find_ancestor_op_in_block(use.operation)
            if reader is choice and use.index == operand_index:
                continue
            if reader is choice or reader not in ops:
                return False
    return True


@dataclass(frozen=True)
class SinkIntoBranchesPass(ModulePass):
    """Rewrite every `st.ifelse` of the module to a lazy `st.if`."""

    name = "sink-into-branches"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sink_into_branches(op)
