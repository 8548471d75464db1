"""The gradient of `scan.loop`: a reverse loop.

For the forward loop `h[t] = f(x[t], h[t-1], W)` (traces `H`, adjoints `G` of the
traces), the reverse loop runs `t = n-1 ... 0` carrying `a` (the adjoint of the
state) and `dW` (the sum of the invariants' adjoints):

    total  = G[t] + a
    dx[t], a, dW_t = vjp(f at (x[t], h[t-1], W), total)
    dW    += dW_t

It reads `h[t-1]` from the forward trace (the initial state at `t = 0`) and
clones the step's ops on it; the step's vector-Jacobian product is the reverse
mode of `sum(outputs * total)` over those ops, built at once. Where that adjoint
reads the step's outputs (tanh's derivative reads tanh's result) it reads the
trace's row `h[t]` instead, so the clones that only the outputs needed are never
built into the loop: a step that is one product and a tanh is not recomputed.
Only the sequences and invariants that lead to what was asked are differentiated.
Results: the adjoints of the sequences, of the initial states and of the
invariants (None for those not asked).

Taps. An output read at taps `U` (history `m = -min(U)`) is the row sequence
`E = [init[:m], trace]`, step `t` reading `E[t + m + u]` and writing `E[t + m]`.
The reverse loop carries the adjoints of the `m` rows `E[t+1 .. t+m]`, a window
that shifts by one row per step: the row `E[t + m]` leaves it complete (its
step's `total`), a zero row enters, and each tap's adjoint is added at its row.
A sequence read at tap `v` contributes its adjoint rows shifted by `v`.

`until`: the traces hold the executed steps only, so only those contribute.
`truncate_gradient = k`: the reverse loop runs the last `min(k, n)` steps only;
earlier sequence rows get zero adjoint, and the initial states get theirs only
when the truncated loop reaches step 0.
"""

from __future__ import annotations

from scanc.autodiff.construct import adjoints
from scanc.autodiff.rules import MULTI_RULES
from scanc.dialects import scan as scan_dialect
from scanc.dialects.scan import LoopOp, sequence_offset
from scanc.frontend.loop_builder import LoopSpec, loop
from scanc.graph import TensorVariable, emit, recording_scope
from scanc.tensor import basic as T
from scanc.tensor import indexing, reductions, shape
from xdsl.ir import SSAValue

V = TensorVariable


def _zeros_rows(like: V, rows: V) -> V:
    """Zeros shaped like `like` with `rows` in place of its first axis."""
    dims = [rows] + [T.dim(like, a) for a in range(1, like.ndim)]
    return T.alloc(T.constant(0.0, dtype=like.dtype), *dims)


def _rows_between(x: V, rows: V, where: V) -> V:
    """`x` placed at rows `where .. where + len(x)` of a `rows`-row zero tensor
    (whose size is known before a loop even when `len(x)` is loop data)."""
    zeros = _zeros_rows(x, rows)
    return indexing.set_subtensor(zeros[where : where + T.dim(x, 0)], x)


class _Window:
    """The adjoints a recurrent output carries backwards: one row for taps [-1],
    else the `history` rows its taps read ahead of the current step."""

    def __init__(self, taps: tuple[int, ...], row: V):
        self.taps, self.history = taps, -min(taps)
        self.single = list(taps) == [-1]
        rows = [] if self.single else [self.history]
        dims = [T.dim(row, a) for a in range(row.ndim)]
        self.zeros = T.alloc(T.constant(0.0, dtype=row.dtype), *rows, *dims)

    def ready(self, carried: V) -> V:
        """The adjoint the later steps gave to this step's output."""
        return carried if self.single else carried[-1]

    def shifted(self, carried: V, tap_adjoints: list[V]) -> V:
        """The window of the step before, with this step's tap adjoints added."""
        if self.single:
            return tap_adjoints[0]
        window = shape.concatenate([T.zeros_like(carried[:1]), carried[:-1]])
        for tap, d in zip(self.taps, tap_adjoints):
            window = indexing.inc_subtensor(window[self.history + tap], d)
        return window

    def initial_adjoint(self, final: V, initial: V) -> V:
        """The adjoint of the initial rows from the window left after step 0."""
        rows = T.expand_dims(final, [0]) if self.single else final
        extra = T.dim(initial, 0) - self.history
        return shape.concatenate([rows, _zeros_rows(initial, extra)])


def scan_rule(
    op: LoopOp, output_grads: list[V | None], inputs: list[V], wanted: list[bool]
) -> list:
    """Adjoints of the loop's operands (None where not `wanted`: the reverse loop
    differentiates only with respect to the sequences and invariants asked for)."""
    traces = [V(t) for t in op.traces]
    steps = T.dim(traces[0], 0)
    run = steps
    if "truncate_gradient" in op.attributes:
        limit = op.attributes["truncate_gradient"].value.data  # type: ignore[attr-defined]
        run = T.minimum(steps, T.constant(limit, dtype="int64"))
    first = steps - run  # the first forward step the reverse loop visits
    sequences = [V(s) for s in op.sequences]
    initials = [V(i) for i in op.initials]
    invariants = [V(v) for v in op.invariants]
    first_seq = 0 if op.n_steps is None else 1
    seq_wanted = wanted[first_seq : first_seq + len(sequences)]
    inv_wanted = wanted[len(wanted) - len(invariants) :]
    recurrent = op.recurrent_outputs()
    seq_taps, out_taps = op.sequence_taps(), op.output_taps()

    def backwards(x: V, offset: int | V) -> V:
        """Rows `first + offset .. steps + offset` of `x`, last first."""
        return x[first + offset : steps + offset][::-1]

    grads = [
        g if g is not None else T.zeros_like(trace)
        for g, trace in zip(output_grads, traces)
    ]
    windows = [_Window(out_taps[i], initials[k][0]) for k, i in enumerate(recurrent)]
    seq_reads, read_wanted = [], []
    for s, taps, want in zip(sequences, seq_taps, seq_wanted):
        seq_reads += [backwards(s, tap + sequence_offset(taps)) for tap in taps]
        read_wanted += [want] * len(taps)
    out_reads = []
    for k, i in enumerate(recurrent):
        m = windows[k].history
        rows = shape.concatenate([initials[k][:m], traces[i]])
        out_reads += [backwards(rows, m + tap) for tap in out_taps[i]]
    summed = [v for v, want in zip(invariants, inv_wanted) if want]
    n_outputs, n_rec, n_sums = len(traces), len(recurrent), len(summed)
    n_seq_reads, n_out_reads = len(seq_reads), len(out_reads)
    n_d_seq = sum(read_wanted)
    body = op.body.block

    def reverse_step(*args):
        g_rows, rest = args[:n_outputs], args[n_outputs:]
        trace_rows, rest = rest[:n_outputs], rest[n_outputs:]
        seq_rows, rest = rest[:n_seq_reads], rest[n_seq_reads:]
        out_rows, rest = rest[:n_out_reads], rest[n_out_reads:]
        carried, rest = rest[:n_rec], rest[n_rec:]
        sums, params = rest[:n_sums], rest[n_sums:]
        with recording_scope() as step:
            outputs = _recompute(body, [*seq_rows, *out_rows, *params])
            totals = list(g_rows)
            for k, i in enumerate(recurrent):
                totals[i] = totals[i] + windows[k].ready(carried[k])
            adjoints = _adjoints_of(
                _weighted_sum(outputs, totals),
                [r for r, want in zip(seq_rows, read_wanted) if want]
                + list(out_rows)
                + [p for p, want in zip(params, inv_wanted) if want],
                step,
            )
        _read_stored_outputs(step, outputs, trace_rows)
        d_seq = adjoints[:n_d_seq]
        d_out = iter(adjoints[n_d_seq : n_d_seq + n_out_reads])
        new_windows = [
            w.shifted(c, [next(d_out) for _ in w.taps])
            for w, c in zip(windows, carried)
        ]
        new_sums = [s + d for s, d in zip(sums, adjoints[n_d_seq + n_out_reads :])]
        return [*new_windows, *new_sums, *d_seq]

    read = [backwards(x, 0) for x in grads + traces] + seq_reads + out_reads
    carried = [*(w.zeros for w in windows), *(T.zeros_like(v) for v in summed)]
    spec = LoopSpec(
        [(x, [0]) for x in read],
        [(c, [-1]) for c in carried] + [(None, [])] * n_d_seq,
        invariants,
        T._int_scalar(run, "n_steps"),
    )
    reverse = loop(reverse_step, spec)
    results = [V(r) for r in reverse.results]
    finals = [
        V(emit(scan_dialect.FinalOp(trace.value, initial)).results[0])
        for trace, initial in zip(results[: n_rec + n_sums], reverse.initials)
    ]
    d_initials = [
        w.initial_adjoint(final, initial)
        for w, final, initial in zip(windows, finals, initials)
    ]
    if run is not steps:  # truncated: the initial rows count only if reached
        d_initials = [T.switch(T.eq(first, 0), d, 0.0) for d in d_initials]
    d_sequences = _sequence_adjoints(
        iter(results[n_rec + n_sums :]), sequences, seq_taps, seq_wanted, first
    )
    sums_iter = iter(finals[n_rec:])
    d_invariants = [next(sums_iter) if want else None for want in inv_wanted]
    step_grad = [None] if op.n_steps is not None else []
    # operand order: steps, sequences, initials (rows), invariants
    return [*step_grad, *d_sequences, *d_initials, *d_invariants]


def _weighted_sum(outputs: list[V], totals: list[V]) -> V | None:
    """`sum(out * total)` over the float outputs: its gradient is the step's
    vector-Jacobian product (integer outputs such as counters carry none)."""
    cost = None
    for out, total in zip(outputs, totals):
        if T.dtypes.is_float(out.dtype):
            term = reductions.sum(out * total)
            cost = term if cost is None else cost + term
    return cost


def _sequence_adjoints(reads, sequences: list[V], seq_taps, wanted, first: V):
    """Each wanted sequence's adjoint: the sum of its taps' adjoint rows, each at
    the sequence rows its tap read (zero elsewhere); None for the others."""
    adjoints = []
    for seq, taps, want in zip(sequences, seq_taps, wanted):
        total = None
        for tap in taps if want else ():
            rows = next(reads)[::-1]
            where = first + tap + sequence_offset(taps)
            placed = _rows_between(rows, T.dim(seq, 0), where)
            total = placed if total is None else total + placed
        adjoints.append(total)
    return adjoints


def _adjoints_of(cost: V | None, variables: list[V], step) -> list[V]:
    """d cost / d each variable over the ops recorded in `step` (built at once:
    the stored outputs must replace recomputed ones in what it builds); zeros
    for integers and for what the cost ignores."""
    floats = [v.value for v in variables if T.dtypes.is_float(v.dtype)]
    found = {} if cost is None else adjoints(cost.value, floats, set(), step.ops)
    return [
        T.cast(found[v.value], v.dtype) if v.value in found else T.zeros_like(v)
        for v in variables
    ]


def _read_stored_outputs(step, outputs: list[V], trace_rows: list[V]) -> None:
    """The step's outputs are the forward trace's rows: the adjoint reads those
    (tanh's derivative reads tanh's result), so the recomputed ones that only
    the adjoint needed are never built into the loop."""
    recorded = set(step.ops)
    for out, row in zip(outputs, trace_rows):
        if out.value.owner not in recorded:
            continue  # an argument or an outer value, not recomputed
        for use in list(out.value.uses):
            if use.operation in recorded:
                use.operation.operands[use.index] = row.value


def _recompute(body, args: list[V]) -> list[V]:
    """Clone the forward body's ops as frontend ops on `args`; its yielded values."""
    mapping: dict[SSAValue, SSAValue] = {a: v.value for a, v in zip(body.args, args)}
    for inner in list(body.ops)[:-1]:
        clone = inner.clone(value_mapper=mapping)
        emit(clone)
        for old, new in zip(inner.results, clone.results):
            mapping[old] = new
    yielded = body.last_op
    return [V(mapping[v]) for v in yielded.values]  # type: ignore[union-attr]


MULTI_RULES[LoopOp] = scan_rule
