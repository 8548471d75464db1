"""Lowering of `scan.loop` to a loop over buffers.

Expects: a `scan.loop` whose operands are already lowered. Produces:

    // checks: steps >= 0, sequences long enough, initial values have enough rows
    %trace = memref.alloc(%rows, ...)          // rows = n, or a ring when `keep N`
    scf.for %t = 0 to %n iter_args(%s = %init) {   // scf.while when `until`
      ... sequence rows, output taps (initial rows for t + tap < 0) ...
      ... body, with the yielded value stored straight into its trace row ...
    }

A rank-0 output read only at tap -1 is carried in registers (`iter_args`). An
output with `keep N` uses a ring of a power-of-two number of rows, at least
`max(N, abs(min tap) + 1)`, and its last `min(N, steps)` rows are copied out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import st
from scanc.dialects.scan import (
    FinalOp,
    LoopOp,
    YieldOp,
    sequence_offset,
    sequence_span,
)
from scanc import dtypes
from scanc.lowering import input_products, panels
from scanc.lowering.builder import Builder, element_type, index, strided_type, subview
from scanc.lowering.values import (
    Buffer,
    Lazy,
    Lowered,
    Scalar,
    Scope,
    no_data,
    store_into,
)
from xdsl.dialects import arith, scf
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Block, Region, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def row(b: Builder, value: Lowered, i: SSAValue) -> Lowered:
    """Row `i` (axis 0) of `value`, without copying."""
    if value.rank == 1:
        return Scalar(value.dtype, [], value.load(b, [i]))
    rest = value.sizes[1:]
    if isinstance(value, Buffer):
        zero, one = b.const(0), b.const(1)
        ref = subview(
            b,
            value.ref,
            [i] + [zero] * len(rest),
            [one, *rest],
            [one] * value.rank,
            len(rest),
        )
        return Buffer(value.dtype, list(rest), ref)
    return Lazy(value.dtype, list(rest), lambda b_, idx: value.load(b_, [i, *idx]))


def _next_pow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def _tap_argument(op: LoopOp, n: int) -> SSAValue:
    """The body argument of output `n`'s first tap."""
    return op.output_arguments()[n][0]


def updates_in_place(op: LoopOp, n: int) -> bool:
    """Whether output `n` may overwrite its previous row while storing the new one:
    every read of the previous row is elementwise at the index being stored (or
    inside a reduction, which is computed before the store), and it feeds no other
    output."""
    pending = [_tap_argument(op, n)]
    while pending:
        value = pending.pop()
        for use in value.uses:
            user = use.operation
            if isinstance(user, YieldOp):
                if use.index != n:
                    return False
            elif isinstance(user, (st.ElementwiseOp, st.CastOp)):
                if value.type.get_shape() != user.results[0].type.get_shape():
                    return False  # broadcast: one element is read at many indices
                pending.append(user.results[0])
            elif not isinstance(user, st.ReduceOp):
                return False
    return True


class Output:
    """Book-keeping for one output of the loop."""

    def __init__(self, lw: "Lowering", n: int, op: LoopOp, init: Lowered | None):
        self.n, self.taps = n, op.output_taps()[n]
        self.keep = op.keep_rows()[n]
        self.history = -min(self.taps) if self.taps else 0
        if init is not None and init.rank > 1 and not isinstance(init, Buffer):
            init = lw.materialize(init)
        self.init = init
        self.dtype = dtypes.dtype_of(op.traces[n].type)
        self.carried = bool(init) and init.rank == 1 and list(self.taps) == [-1]
        in_place = (
            not self.carried and list(self.taps) == [-1] and updates_in_place(op, n)
        )
        rows_needed = self.history + (0 if in_place else 1)
        self.ring = _next_pow2(max(self.keep, rows_needed)) if self.keep else 0
        self.trace: Buffer | None = None
        self.row_sizes: list[SSAValue] = []

    def slot(self, b: Builder, step: SSAValue) -> SSAValue:
        """Trace row of `step` (which may be negative, down to -history, in a ring:
        the ring starts with the initial rows, so taps never branch)."""
        if not self.ring:
            return step
        shifted = b.addi(step, b.const(self.history))
        return b.add(arith.AndIOp(shifted, b.const(self.ring - 1)))


class ScanLowering:
    def __init__(self, lw: "Lowering", op: LoopOp):
        self.lw, self.b, self.op = lw, lw.b, op
        self.seqs = [lw.get(v) for v in op.sequences]
        self.products = input_products.gather(lw, op, self.seqs)
        inits = iter(lw.get(v) for v in op.initials)
        self.outs = [
            Output(lw, n, op, next(inits) if taps else None)
            for n, taps in enumerate(op.output_taps())
        ]
        self.invariants = [
            lw.materialize(v) if isinstance(v, Lazy) else v
            for v in (lw.get(x) for x in op.invariants)
        ]
        self.tiles: input_products.Tiles | None = None

    # -- before the loop -------------------------------------------------------------------
    def steps(self) -> SSAValue:
        b, op = self.b, self.op
        avail = None
        for j, (seq, taps) in enumerate(zip(self.seqs, op.sequence_taps())):
            span = b.const(sequence_span(taps))
            room = b.subi(seq.sizes[0], span)
            b.check(
                b.cmpi("sge", room, b.const(0)),
                f"ValueError: scan sequence {j} is shorter than its taps "
                f"{list(taps)} need",
            )
            avail = room if avail is None else b.mini(avail, room)
        if op.n_steps is None:
            return avail  # type: ignore[return-value]
        n = b.to_index(self.lw.get(op.n_steps).load(b, []))
        b.check(
            b.cmpi("sge", n, b.const(0)),
            "ValueError: scan n_steps must be non-negative",
        )
        if avail is not None:
            b.check(
                b.cmpi("sle", n, avail),
                "ValueError: scan n_steps is larger than the sequences allow",
            )
        return n

    def shape_stubs(self) -> list[Lowered]:
        """Stand-ins for the body arguments that know their sizes but no data."""
        stubs: list[Lowered] = []
        for seq, taps in zip(self.seqs, self.op.sequence_taps()):
            stubs += [Lazy(seq.dtype, seq.sizes[1:], no_data)] * len(taps)
        for out in self.outs:
            if out.init is not None:
                stubs += [Lazy(out.dtype, out.init.sizes[1:], no_data)] * len(out.taps)
        return stubs + self.invariants

    def allocate(self, n: SSAValue) -> None:
        b = self.b
        for arg, stub in zip(self.op.body.block.args, self.shape_stubs()):
            self.lw.values[arg] = stub
        for out in self.outs:
            if out.init is not None:
                b.check(
                    b.cmpi("sge", out.init.sizes[0], b.const(out.history)),
                    f"ValueError: initial value of scan output {out.n} needs at "
                    f"least {out.history} rows for taps {list(out.taps)}",
                )
                out.row_sizes = list(out.init.sizes[1:])
            else:
                out.row_sizes = self.lw.infer_sizes(self.op.yield_op().values[out.n])
            rows = b.const(out.ring) if out.ring else n
            out.trace = self.lw.new_buffer(out.dtype, [rows, *out.row_sizes])
            if out.ring and out.history:
                self.copy_initial_rows(out)
        for arg in self.op.body.block.args:
            del self.lw.values[arg]

    def place_kernel_inputs(self, steps: SSAValue) -> None:
        """Before the loop: the panels of its invariants that `st.pack_panels`
        made and its sequences that `st.input_products` made (with the tiles
        its `tiles` product computes)."""
        for j, value in enumerate(self.invariants):
            if isinstance(value, panels.Pending):
                self.invariants[j] = panels.make(self.lw, value, steps)
                self.lw.values[self.op.invariants[j]] = self.invariants[j]
        if self.products is not None:
            carrier = _tiles_panels(self.op)
            panels_of = None if carrier is None else self.invariants[carrier]
            self.tiles = input_products.place(self.lw, self.products, panels_of, steps)

    # -- one step ---------------------------------------------------------------------------
    def tap_value(self, out: Output, t: SSAValue, tap: int) -> Lowered:
        b = self.b
        s = b.addi(t, b.const(tap))
        if out.ring:
            return row(b, out.trace, out.slot(b, s))
        before_start = b.cmpi("slt", s, b.const(0))
        from_init = lambda: row(b, out.init, b.addi(s, b.const(out.history)))  # noqa: E731
        from_trace = lambda: row(b, out.trace, out.slot(b, s))  # noqa: E731
        if out.init.rank == 1:
            value = b.if_(
                before_start,
                lambda: [from_init().load(b, [])],
                lambda: [from_trace().load(b, [])],
                [element_type(out.dtype)],
            )[0]
            return Scalar(out.dtype, [], value)
        init_row = lambda: [from_init().ref]  # noqa: E731
        trace_row = lambda: [from_trace().ref]  # noqa: E731
        view_type = strided_type(element_type(out.dtype), len(out.row_sizes))
        ref = b.if_(before_start, init_row, trace_row, [view_type])[0]
        return Buffer(out.dtype, list(out.row_sizes), ref)

    def block_values(self, t: SSAValue, carried: list[SSAValue]) -> list[Lowered]:
        b, values = self.b, []
        for seq, taps in zip(self.seqs, self.op.sequence_taps()):
            base = sequence_offset(taps)
            values += [row(b, seq, b.addi(t, b.const(tap + base))) for tap in taps]
        carried_iter = iter(carried)
        for out in self.outs:
            for tap in out.taps:
                if out.carried:
                    values.append(Scalar(out.dtype, [], next(carried_iter)))
                else:
                    values.append(self.tap_value(out, t, tap))
        return values + self.invariants

    def body(
        self, t: SSAValue, carried: list[SSAValue]
    ) -> tuple[list[SSAValue], SSAValue | None]:
        lw, b = self.lw, self.b
        block = self.op.body.block
        self.loop_scope.step = t
        with lw.scope(self.loop_scope):
            for arg, value in zip(block.args, self.block_values(t, carried)):
                lw.values[arg] = value
            lw.lower_ops(list(block.ops)[:-1])
            yielded = self.op.yield_op()
            next_carried = []
            for out, value in zip(self.outs, yielded.values):
                result = lw.get(value)
                self.store_step(out, result, t)
                if out.carried:
                    next_carried.append(result.load(b, []))
            stop = None
            if yielded.until is not None:
                stop = lw.get(yielded.until).load(b, [])
                if stop.type != IntegerType(1):
                    stop = b.cmpi("ne", stop, b.const(0, stop.type))
        return next_carried, stop

    def store_step(self, out: Output, value: Lowered, t: SSAValue) -> None:
        b = self.b
        for axis, (got, want) in enumerate(zip(value.sizes, out.row_sizes)):
            if got is not want:
                b.check(
                    b.cmpi("eq", got, want),
                    f"ValueError: scan output {out.n} changes shape along axis "
                    f"{axis} between steps (or differs from its initial value)",
                )
        dest = row(b, out.trace, out.slot(b, t))
        if isinstance(dest, Scalar):
            b.store(value.load(b, []), out.trace.ref, [out.slot(b, t)])
        else:
            store_into(b, value, dest.ref, dest.sizes)  # type: ignore[attr-defined]

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> list[Lowered]:
        b = self.b
        n = self.steps()
        self.allocate(n)
        carried_init = [
            row(b, o.init, b.const(o.history - 1)).load(b, [])
            for o in self.outs
            if o.carried
        ]
        self.place_kernel_inputs(n)
        self.loop_scope = Scope.before_loop(b, n)
        self.loop_scope.tiles = self.tiles
        if self.op.yield_op().until is None:
            b.for_(b.const(0), n, lambda t, c: self.body(t, c)[0], carried_init)
            executed = n
        else:
            executed = self.while_loop(n, carried_init)
        return [self.result(out, executed) for out in self.outs]

    def while_loop(self, n: SSAValue, carried_init: list[SSAValue]) -> SSAValue:
        b = self.b
        i1 = IntegerType(1)
        types = [index, i1, *[v.type for v in carried_init]]
        before = Block(arg_types=types)
        with b.at(before):
            t, done = before.args[0], before.args[1]
            go = b.add(
                arith.AndIOp(
                    b.cmpi("slt", t, n), b.add(arith.XOrIOp(done, b.const(1, i1)))
                )
            )
            b.add(scf.ConditionOp(go, *before.args))
        after = Block(arg_types=types)
        with b.at(after):
            t = after.args[0]
            carried, stop = self.body(t, list(after.args[2:]))
            b.add(scf.YieldOp(b.addi(t, b.const(1)), stop, *carried))
        loop = scf.WhileOp(
            [b.const(0), b.const(0, i1), *carried_init],
            types,
            Region(before),
            Region(after),
        )
        b.block.add_op(loop)
        return loop.results[0]

    def result(self, out: Output, executed: SSAValue) -> Lowered:
        b, trace = self.b, out.trace
        assert trace is not None
        if not out.ring:
            if executed is trace.sizes[0]:
                return trace
            zero, one = b.const(0), b.const(1)
            rank = trace.rank
            ref = subview(
                b,
                trace.ref,
                [zero] * rank,
                [executed, *trace.sizes[1:]],
                [one] * rank,
                rank,
            )
            return Buffer(out.dtype, [executed, *trace.sizes[1:]], ref)
        kept = b.mini(executed, b.const(out.keep))
        result = self.lw.new_buffer(out.dtype, [kept, *out.row_sizes])
        first = b.subi(executed, kept)
        self.copy_rows(
            trace, result, kept, lambda r: out.slot(b, b.addi(first, r)), lambda r: r
        )
        return result

    def copy_initial_rows(self, out: Output) -> None:
        """Put the initial rows into the ring, where the taps of the first steps
        read them."""
        b = self.b

        def ring_slot(r: SSAValue) -> SSAValue:
            return out.slot(b, b.subi(r, b.const(out.history)))

        self.copy_rows(out.init, out.trace, out.history, lambda r: r, ring_slot)

    def copy_rows(self, src: Lowered, dst: Buffer, count, src_row, dst_row) -> None:
        """dst[dst_row(r)] = src[src_row(r)] for r in range(count)."""
        b = self.b
        count = count if isinstance(count, SSAValue) else b.const(count)

        def copy_row(r: SSAValue, _):
            source, target = row(b, src, src_row(r)), row(b, dst, dst_row(r))
            if isinstance(target, Scalar):
                b.store(source.load(b, []), dst.ref, [dst_row(r)])
            else:
                store_into(b, source, target.ref, target.sizes)  # type: ignore[attr-defined]

        b.for_(b.const(0), count, copy_row)


def _tiles_panels(op: LoopOp) -> int | None:
    """The invariant that holds the panels of the loop's `tiles` product."""
    for body_op in op.body.block.ops:
        if isinstance(body_op, st.PanelDotOp) and body_op.tiles is not None:
            outer = op.invariant_operand(body_op.panels)
            return None if outer is None else list(op.invariants).index(outer)
    return None


def lower_loop(lw: "Lowering", op: LoopOp) -> list[Lowered]:
    return ScanLowering(lw, op).run()


def lower_final(lw: "Lowering", op: FinalOp) -> Lowered:
    """Row -1 of the trace, or the last initial row when the loop ran no step."""
    b = lw.b
    trace, initial = (
        lw.materialize(lw.get(op.trace)),
        lw.materialize(lw.get(op.initial)),
    )
    ran = b.cmpi("sgt", trace.sizes[0], b.const(0))

    def last_row(value: Buffer):
        return lambda: row(b, value, b.subi(value.sizes[0], b.const(1)))

    if trace.rank == 1:
        element = element_type(trace.dtype)
        value = b.if_(
            ran,
            lambda: [last_row(trace)().load(b, [])],
            lambda: [last_row(initial)().load(b, [])],
            [element],
        )[0]
        return Scalar(trace.dtype, [], value)
    view_type = strided_type(element_type(trace.dtype), trace.rank - 1)
    ref = b.if_(
        ran,
        lambda: [last_row(trace)().ref],
        lambda: [last_row(initial)().ref],
        [view_type],
    )[0]
    sizes = [b.select(ran, t, i) for t, i in zip(trace.sizes[1:], initial.sizes[1:])]
    return Buffer(trace.dtype, sizes, ref)
