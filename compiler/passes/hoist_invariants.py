"""The `hoist-invariants` pass: move loop-independent work out of `scan.loop`.

Expects: `scan.loop` ops at the graph/opt stage. Two kinds of body ops move:

- *invariant* ops, whose operands are all invariants or constants, are computed
  once before the loop and become new invariants;
- *row-wise* ops, whose operands are one sequence tap and invariants, become one
  batched computation over all rows before the loop, read back as a new sequence:
  `dot(y_t, U)` for every `t` is one matrix product `dot(Y, U)`.

    %r = scan.loop seqs(%Y taps [0] : ...) invariants(%U : ...) ... {
    ^bb0(%y: tensor<?xf64>, %u: tensor<?x?xf64>, ...):
      %d = st.dot %y, %u ...
  becomes
    %D = st.dot %Y, %U : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
    %r = scan.loop seqs(%Y taps [0] : ..., %D taps [0] : ...) ... {
    ^bb0(%y: ..., %d: tensor<?xf64>, %u: ..., ...):

Row-wise ops are elementwise ops, casts, reductions and vector-matrix products.
What never moves: anything that reads recurrent state, ops with regions (nested
loops), ops that only one branch of an `ifelse` needs (they must run only when
that branch is taken: `ifelse(t > 0, x[k], ...)` must not index `x[k]` before
the loop when no step takes it), and, in loops with `until`, row-wise work (the early exit would skip the
rows after it, and the batch would compute them all). Hoisted work runs even when
the loop runs no step; an error it raises (a shape mismatch) is the one the first
step would have raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanc.dialects import st
from scanc.passes.sink_into_branches import branch_only_ops
from scanc.dialects.scan import (
    LoopOp,
    drop_leading_dim,
    sequence_offset,
    with_leading_dim,
)
from xdsl.context import Context
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp, TensorType, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import Pure


@dataclass
class Row:
    """A body value that is row `t` of `outer` (a value before the loop)."""

    outer: SSAValue


@dataclass
class Invariant:
    """A body value equal to `outer` (a value before the loop) at every step."""

    outer: SSAValue


@dataclass
class Hoisting:
    loop: LoopOp
    #: what each body value is outside the loop, when it is known there
    outer: dict[SSAValue, Row | Invariant] = field(default_factory=dict)
    moved: list[Operation] = field(default_factory=list)
    #: output tap argument -> the initial rows of that output
    states: dict[SSAValue, SSAValue] = field(default_factory=dict)
    constant_copies: list[Operation] = field(default_factory=list)

    def insert_before_loop(self, op: Operation) -> SSAValue:
        self.loop.parent_block().insert_op_before(op, self.loop)  # type: ignore
        return op.results[0]


def _seq_rows(h: Hoisting, loop: LoopOp) -> None:
    """Each sequence tap argument is row `t` of its sequence, shifted to start at
    the row the tap reads at step 0."""
    groups = zip(loop.sequences, loop.sequence_taps(), loop.sequence_arguments())
    for seq, taps, args in groups:
        base = sequence_offset(taps)
        for tap, arg in zip(taps, args):
            start = tap + base
            h.outer[arg] = Row(seq if start == 0 else _rows_from(h, seq, start))


def _rows_from(h: Hoisting, seq: SSAValue, start: int) -> SSAValue:
    """`seq[start:]`, built before the loop."""
    index_type = TensorType(i64, [])
    start_value = h.insert_before_loop(
        ConstantOp(DenseIntOrFPElementsAttr.from_list(index_type, [start]), index_type)
    )
    result = with_leading_dim(drop_leading_dim(seq.type))
    return h.insert_before_loop(st.SubtensorOp(seq, ["sx__"], [start_value], result))


def _invariants(h: Hoisting, loop: LoopOp) -> None:
    for arg, outer in zip(loop.invariant_arguments(), loop.invariants):
        h.outer[arg] = Invariant(outer)


def _try_size(h: Hoisting, op: Operation) -> bool:
    """The size of a sequence row (or of a state) does not change between steps:
    it is a size of the sequence (of the initial rows), one axis further."""
    if not isinstance(op, st.DimOp):
        return False
    kind = h.outer.get(op.input)
    source = kind.outer if isinstance(kind, Row) else h.states.get(op.input)
    if source is None:
        return False
    size = st.DimOp(source, op.axis.value.data + 1)
    h.outer[op.results[0]] = Invariant(h.insert_before_loop(size))
    return True


def _states(h: Hoisting, loop: LoopOp) -> None:
    """Each output tap argument, with the initial rows its sizes come from."""
    recurrent = [args for args in loop.output_arguments() if args]
    for args, initial in zip(recurrent, loop.initials):
        for arg in args:
            h.states[arg] = initial


def _try_invariant(h: Hoisting, op: Operation) -> bool:
    """Compute `op` once before the loop when all its operands are invariant."""
    kinds = [h.outer.get(v) for v in op.operands]
    if not all(isinstance(k, Invariant) for k in kinds):
        return False
    clone = op.clone()
    clone.operands = [k.outer for k in kinds]  # type: ignore[union-attr]
    h.outer[op.results[0]] = Invariant(h.insert_before_loop(clone))
    return True


def _try_row(h: Hoisting, op: Operation) -> bool:
    """Batch `op` over all rows when it reads one sequence row and invariants."""
    kinds = [h.outer.get(v) for v in op.operands]
    rows = {id(k.outer) for k in kinds if isinstance(k, Row)}
    if len(rows) != 1 or not all(isinstance(k, (Row, Invariant)) for k in kinds):
        return False
    result_type = with_leading_dim(op.results[0].type)
    outer = [k.outer for k in kinds]  # type: ignore[union-attr]
    if isinstance(op, st.ElementwiseOp):
        operands = [
            o if isinstance(k, Row) else _expand(h, o) for o, k in zip(outer, kinds)
        ]
        new: Operation = st.ElementwiseOp(op.fn.data, operands, result_type)
    elif isinstance(op, st.CastOp):
        new = st.CastOp(outer[0], result_type)
    elif isinstance(op, st.ReduceOp):
        axes = [a + 1 for a in op.axes.get_values()]
        new = st.ReduceOp(op.fn.data, outer[0], axes, result_type)
    elif _is_vector_matrix(op, kinds):
        new = st.DotOp(outer[0], outer[1], result_type)
    else:
        return False
    h.outer[op.results[0]] = Row(h.insert_before_loop(new))
    return True


def _is_vector_matrix(op: Operation, kinds: list) -> bool:
    """`dot(row, invariant)` with a vector row: all rows at once are one matrix
    product."""
    return (
        isinstance(op, st.DotOp)
        and isinstance(kinds[0], Row)
        and isinstance(kinds[1], Invariant)
        and op.lhs.type.get_num_dims() == 1  # type: ignore[attr-defined]
    )


def _expand(h: Hoisting, value: SSAValue) -> SSAValue:
    """`value` with a leading axis of size 1, to broadcast against all rows."""
    type_ = value.type
    shape = [1, *type_.get_shape()]  # type: ignore[attr-defined]
    result = TensorType(type_.element_type, shape)  # type: ignore[attr-defined]
    return h.insert_before_loop(st.ExpandDimsOp(value, [0], result))


def _movable(op: Operation, branch_only: set[Operation]) -> bool:
    return not op.regions and op.has_trait(Pure) and op not in branch_only


def hoist(loop: LoopOp) -> LoopOp:
    """Hoist what can move out of `loop`; returns the loop (rebuilt if it changed)."""
    h = Hoisting(loop)
    _seq_rows(h, loop)
    _states(h, loop)
    _invariants(h, loop)
    allow_rows = loop.yield_op().until is None
    branch_only = branch_only_ops(loop.body.block)
    for op in list(loop.body.block.ops)[:-1]:
        if isinstance(op, ConstantOp):
            # constants stay where they are; hoisted users get a copy outside
            copy = op.clone()
            h.outer[op.result] = Invariant(h.insert_before_loop(copy))
            h.constant_copies.append(copy)
        elif _movable(op, branch_only) and (
            _try_size(h, op)
            or _try_invariant(h, op)
            or (allow_rows and _try_row(h, op))
        ):
            h.moved.append(op)
    for copy in h.constant_copies:
        if not copy.results[0].uses:
            copy.detach()
            copy.erase()
    if not h.moved:
        return loop
    return _rebuild(h)


def _rebuild(h: Hoisting) -> LoopOp:
    """Give the loop one new sequence or invariant per hoisted value still used in
    the body, drop the moved ops, and rebuild the loop op with the new operands."""
    loop, block = h.loop, h.loop.body.block
    moved = set(h.moved)
    new_seqs: list[SSAValue] = []
    new_invariants: list[SSAValue] = []
    seq_arg_end = sum(len(t) for t in loop.sequence_taps())
    for op in h.moved:
        result = op.results[0]
        if all(use.operation in moved for use in result.uses):
            continue
        kind = h.outer[result]
        if isinstance(kind, Row):
            arg = block.insert_arg(result.type, seq_arg_end + len(new_seqs))
            new_seqs.append(kind.outer)
        else:
            arg = block.insert_arg(result.type, len(block.args))
            new_invariants.append(kind.outer)
        result.replace_all_uses_with(arg)
    for op in reversed(h.moved):
        op.detach()
        op.erase()
    return loop.rebuilt(new_seqs, new_invariants)


class HoistInvariantsPass(ModulePass):
    name = "hoist-invariants"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        # innermost loops first, so what leaves an inner loop can leave the outer
        loops = [o for o in op.walk() if isinstance(o, LoopOp)]
        for loop in reversed(loops):
            hoist(loop)
