"""The `sink-outer-sums` pass: a running sum of outer products becomes one
matrix product after the loop.

Expects: `scan.loop` ops at the graph/opt stage. A recurrent output read at tap
[-1] from a one-row initial value, whose step is `S + outer(a, b)` (`outer` as
`expand_dims(a, 1) * expand_dims(b, 0)`, what the gradient of a vector-matrix
product gives) and whose trace only `scan.final` reads, is the sum over steps of
`outer(a_t, b_t)`: `init[0] + A^T . B` with `A`, `B` the traces of `a` and `b`.
The loop yields `a` and `b` as map outputs instead (two vectors per step rather
than a matrix read and written; a factor that is the row of a sequence read at
tap 0 is read from that sequence), and one product after the loop adds them up:

    %dW = scan.loop ... outs(%zero taps [-1] : tensor<1x?x?xf64>) ... {
    ^bb0(..., %s: tensor<?x?xf64>, ...):
      %o = st.elementwise "mul"(expand_dims %a [1], expand_dims %b [0])
      %n = st.elementwise "add"(%s, %o)
      scan.yield ..., %n
    }
    %g = scan.final %dW, %zero
  becomes
    %A, %B = scan.loop ... outs(map, map) ... { ... scan.yield ..., %a, %b }
    %g = %zero[0] + st.dot(transpose(%A), %B)

This is how the gradient of a recurrence with respect to its weight matrix
avoids touching the whole matrix at every step. Untouched: sums whose trace is
read otherwise, whose step reads the sum in any other way, or whose initial
value has more than one row.
"""

from __future__ import annotations

from scanc.dialects import st
from scanc.dialects.scan import ALL_ROWS, FinalOp, LoopOp, YieldOp, with_leading_dim
from scanc.graph import TensorVariable
from scanc.rewriting import replace_by_built
from scanc.tensor import basic as T
from scanc.tensor import products, shape
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass


def _sole_user(value: SSAValue) -> Operation | None:
    users = {use.operation for use in value.uses}
    return users.pop() if len(users) == 1 else None


def _expanded_vector(value: SSAValue, axis: int) -> SSAValue | None:
    """`v` when `value` is `st.expand_dims v [axis]` of a vector."""
    op = value.owner
    if (
        isinstance(op, st.ExpandDimsOp)
        and list(op.axes.get_values()) == [axis]
        and op.input.type.get_num_dims() == 1  # type: ignore[attr-defined]
    ):
        return op.input
    return None


def _outer_factors(value: SSAValue) -> tuple[SSAValue, SSAValue] | None:
    """(a, b) when `value` is `expand_dims(a, 1) * expand_dims(b, 0)`."""
    op = value.owner
    if not (isinstance(op, st.ElementwiseOp) and op.fn.data == "mul"):
        return None
    if _sole_user(value) is None:
        return None
    a, b = _expanded_vector(op.inputs[0], 1), _expanded_vector(op.inputs[1], 0)
    return (a, b) if a is not None and b is not None else None


def _state_argument(loop: LoopOp, n: int) -> SSAValue:
    """The body argument that reads output `n` at its only tap."""
    return loop.output_arguments()[n][0]


def _sinkable(loop: LoopOp, n: int) -> tuple[SSAValue, SSAValue] | None:
    """The factors (a, b) of output `n`'s outer-product sum, if it is one."""
    if list(loop.output_taps()[n]) != [-1] or loop.keep_rows()[n] != ALL_ROWS:
        return None
    initial = loop.initials[loop.recurrent_outputs().index(n)]
    if initial.type.get_shape()[0] != 1:  # type: ignore[attr-defined]
        return None
    if any(
        not (isinstance(use.operation, FinalOp) and use.index == 0)
        for use in loop.traces[n].uses
    ):
        return None
    yielded = loop.yield_op()
    state, step = _state_argument(loop, n), yielded.values[n]
    add = step.owner
    if not (isinstance(add, st.ElementwiseOp) and add.fn.data == "add"):
        return None
    if _sole_user(state) is not add or _sole_user(step) is not yielded:
        return None
    x, y = add.inputs
    other = y if x is state else x if y is state else None
    return _outer_factors(other) if other is not None else None


def _sink(loop: LoopOp, n: int, a: SSAValue, b: SSAValue) -> LoopOp:
    """Rebuild `loop` with output `n` replaced by map outputs of its factors
    (a factor that is a sequence's row is read from the sequence instead); the
    finals of `n` become `init[0] + A^T . B`."""
    initial = loop.initials[loop.recurrent_outputs().index(n)]
    sources = [_sequence_of(loop, f) for f in (a, b)]
    if all(s is not None for s in sources):
        sources[1] = None  # one map output gives the number of steps
    mapped = [f for f, s in zip((a, b), sources) if s is None]
    _yield_factors(loop, n, mapped)
    new = _rebuilt_without(loop, n, [f.type for f in mapped])
    traces = iter(
        TensorVariable(t) for t in new.traces[len(new.traces) - len(mapped) :]
    )
    factors = [next(traces) if s is None else s for s in sources]
    steps_of = next(f for f, s in zip(factors, sources) if s is None)

    def rows(f: TensorVariable, source) -> TensorVariable:
        return f if source is None else f[: T.dim(steps_of, 0)]

    for use in list(loop.traces[n].uses):
        replace_by_built(
            use.operation,
            lambda: (
                TensorVariable(initial)[0]
                + products.dot(
                    shape.transpose(rows(factors[0], sources[0])),
                    rows(factors[1], sources[1]),
                )
            ),
        )
    loop.detach()
    loop.erase()
    return new


def _sequence_of(loop: LoopOp, value: SSAValue) -> TensorVariable | None:
    """The sequence whose row `value` is, when it is read at tap 0 only (its
    rows are then the factor's rows, step by step)."""
    groups = zip(loop.sequences, loop.sequence_taps(), loop.sequence_arguments())
    for seq, taps, args in groups:
        if list(taps) == [0] and value is args[0]:
            return TensorVariable(seq)
    return None


def _yield_factors(loop: LoopOp, n: int, factors: list[SSAValue]) -> None:
    """In the body: yield `factors` last instead of output `n`'s sum, and drop
    the sum's argument and the ops that computed it."""
    block, yielded = loop.body.block, loop.yield_op()
    state, step = _state_argument(loop, n), yielded.values[n]
    values = [v for k, v in enumerate(yielded.values) if k != n] + factors
    block.insert_op_before(YieldOp(values, yielded.until), yielded)
    yielded.detach()
    yielded.erase()
    add = step.owner
    assert isinstance(add, Operation)
    outer = next(v for v in add.operands if v is not state).owner
    assert isinstance(outer, Operation)
    for dead in [add, outer, *(v.owner for v in outer.operands)]:
        if isinstance(dead, Operation) and not any(r.uses for r in dead.results):
            dead.detach()
            dead.erase()
    block.erase_arg(state)


def _rebuilt_without(loop: LoopOp, n: int, map_rows: list) -> LoopOp:
    """An equal loop without output `n` and with map outputs of `map_rows`
    (the body already yields them last); the other traces' uses move to it."""
    drop = lambda xs, i: [x for k, x in enumerate(xs) if k != i]  # noqa: E731
    new = LoopOp(
        loop.n_steps,
        list(loop.sequences),
        loop.sequence_taps(),
        drop(loop.initials, loop.recurrent_outputs().index(n)),
        drop(loop.output_taps(), n) + [()] * len(map_rows),
        list(loop.invariants),
        [t.type for t in drop(loop.traces, n)]
        + [with_leading_dim(r) for r in map_rows],
        loop.detach_region(loop.body),
        keep=drop(loop.keep_rows(), n) + [ALL_ROWS] * len(map_rows),
    )
    new.attributes |= loop.attributes
    loop.parent_block().insert_op_before(new, loop)  # type: ignore[union-attr]
    for old, fresh in zip(drop(loop.traces, n), new.traces):
        old.replace_all_uses_with(fresh)
    return new


class SinkOuterSumsPass(ModulePass):
    name = "sink-outer-sums"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for loop in [o for o in op.walk() if isinstance(o, LoopOp)]:
            n = 0
            while n < len(loop.traces):
                factors = _sinkable(loop, n)
                if factors is None:
                    n += 1
                    continue
                loop = _sink(loop, n, *factors)
