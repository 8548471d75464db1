"""The `construct-gradients` pass: expand every `ad.grad` into reverse mode.

Expects: graph-stage IR where an `ad.grad %cost wrt(%x, ...)` sits in the same
block as the ops between its `wrt` values and its cost (the frontend clones them
into a loop body when a gradient is taken inside one). Produces the adjoint
computation, built with one rule per op (`rules.py`), and no `ad.grad`:

    %y = st.elementwise "tanh"(%x)
    %c = st.reduce "sum"(%y)
    %g = ad.grad %c wrt(%x)
  becomes
    %one = arith.constant dense<1.0>          (d cost / d cost)
    %gy = st.alloc %one [...]                 (d cost / d y, spread by sum)
    %g  = %gy * (1 - %y * %y)                 (through tanh)

Gradients are expanded innermost first (a gradient of a gradient sees the inner
one already expanded). Values listed as `constants` stop the flow.
"""

from __future__ import annotations

from scanc.autodiff.rules import MULTI_RULES, RULES
from scanc.dialects import st
from scanc.dialects.ad import GradOp
from scanc.graph import TensorVariable, recording_scope, wrap
from scanc.tensor import basic as T
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass


def _depends_on(ops: list[Operation], seeds: set[SSAValue], stops: set[SSAValue]):
    """The values computed from `seeds` (not through `stops`)."""
    depends = set(seeds)
    for op in ops:
        if any(v in depends and v not in stops for v in op.operands):
            depends.update(op.results)
    return depends


def adjoints(
    cost: SSAValue, wrt, stops: set[SSAValue], ops: list[Operation], known=()
) -> dict[SSAValue, TensorVariable]:
    """Reverse mode over `ops` (in order): the adjoint of each value between
    `wrt` and `cost`, built with the frontend API (recorded by the caller).
    `known` pairs (value, adjoint) seed adjoints besides the cost's."""
    depends = _depends_on(ops, set(wrt), stops)
    adjoint: dict[SSAValue, TensorVariable] = {cost: T.ones_like(TensorVariable(cost))}
    for value, g in known:
        g = TensorVariable(g)
        adjoint[value] = adjoint[value] + g if value in adjoint else g
    for op in reversed(ops):
        outputs = [adjoint.get(r) for r in op.results]
        if all(g is None for g in outputs) or not any(r in depends for r in op.results):
            continue
        inputs = [TensorVariable(v) for v in op.operands]
        if type(op) in MULTI_RULES:
            wanted = [v in depends and v not in stops for v in op.operands]
            grads = MULTI_RULES[type(op)](op, outputs, inputs, wanted)
        elif type(op) in RULES:
            if outputs[0] is None:
                continue
            grads = RULES[type(op)](op, outputs[0], inputs)
        else:
            raise NotImplementedError(f"no gradient for {op.name}")
        for value, g in zip(op.operands, grads):
            if g is None or value not in depends or value in stops:
                continue
            adjoint[value] = g if value not in adjoint else adjoint[value] + g
    return adjoint


def expand(grad: GradOp) -> None:
    block = grad.parent_block()
    assert block is not None
    ops = []
    for op in block.ops:
        if op is grad:
            break
        ops.append(op)
    with recording_scope() as scope:
        known = list(zip(grad.known, grad.known_grads))
        adjoint = adjoints(grad.cost, grad.wrt, set(grad.constants), ops, known)
        results = [
            adjoint[w] if w in adjoint else T.zeros_like(TensorVariable(w))
            for w in grad.wrt
        ]
        results = [
            T.cast(r, TensorVariable(w).dtype) for r, w in zip(results, grad.wrt)
        ]
        # the request's result types, which may know fewer sizes than the rules
        results = [
            r if r.ir_type == g.type else wrap(st.CastOp(r.value, g.type))
            for r, g in zip(results, grad.gradients)
        ]
    for op in scope.ops:
        block.insert_op_before(op, grad)
    for old, new in zip(grad.gradients, results):
        old.replace_all_uses_with(new.value)
    grad.detach()
    grad.erase()
    # rules give every operand an adjoint; drop those nothing asked for
    for op in reversed(scope.ops):
        if all(not r.uses for r in op.results):
            op.detach()
            op.erase()


class ConstructGradientsPass(ModulePass):
    name = "construct-gradients"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        while True:
            grads = [o for o in op.walk() if isinstance(o, GradOp)]
            if not grads:
                return
            # the first in walk order is the innermost/earliest: expand it first
            expand(grads[0])
