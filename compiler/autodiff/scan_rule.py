"""The gradient of `scan.loop`: a reverse loop.

For the forward loop `h[t] = f(x[t], h[t-1], W)` (traces `H`, adjoints `G` of the
traces), the reverse loop runs `t = n-1 ... 0` carrying `a` (the adjoint of the
state) and `dW` (the sum of the invariants' adjoints):

    total  = G[t] + a
    dx[t], a, dW_t = vjp(f at (x[t], h[t-1], W), total)
    dW    += dW_t

It reads `h[t-1]` from the forward trace (the initial state at `t = 0`) and
recomputes the step's intermediate values from it (one forward step per reverse
step). The step's vector-Jacobian product is itself an `ad.grad` of
`sum(outputs * total)`, which `construct-gradients` expands inside the reverse
loop. Results: the adjoints of the sequences (rows after `n` are zero), of the
initial states and of the invariants.

Supported: sequences read at tap 0, outputs read at tap -1 or not at all (map
outputs), no `until`; anything else raises NotImplementedError.
"""

from __future__ import annotations

from xdsl.ir import SSAValue

from scanc.dialects import scan as scan_dialect
from scanc.dialects.scan import LoopOp
from scanc.frontend.graph import TensorVariable, emit
from scanc.tensor import basic as T
from scanc.tensor import reductions, shape

V = TensorVariable


def _check_supported(op: LoopOp) -> None:
    if "truncate_gradient" in op.attributes:
        raise NotImplementedError(
            "gradients through scan with truncate_gradient are not supported yet"
        )
    if op.yield_op().until is not None:
        raise NotImplementedError(
            "gradients through scan with until are not supported yet"
        )
    if any(list(taps) != [0] for taps in op.sequence_taps()):
        raise NotImplementedError(
            "gradients through scan: sequence taps other than [0] are not supported yet"
        )
    if any(list(taps) not in ([], [-1]) for taps in op.output_taps()):
        raise NotImplementedError(
            "gradients through scan: output taps other than [-1] are not supported yet"
        )


def _zeros_rows(like: V, rows: V) -> V:
    """Zeros shaped like `like` with `rows` in place of its first axis."""
    dims = [rows] + [T.dim(like, a) for a in range(1, like.ndim)]
    return T.alloc(T.constant(0.0, dtype=like.dtype), *dims)


def scan_rule(op: LoopOp, output_grads: list[V | None], inputs: list[V]) -> list:
    _check_supported(op)
    from scanc.frontend.scan import scan

    traces = [V(t) for t in op.traces]
    steps = T.dim(traces[0], 0)
    sequences = [V(s) for s in op.sequences]
    initials = [V(i) for i in op.initials]
    invariants = [V(v) for v in op.invariants]
    recurrent = op.recurrent_outputs()
    grads = [
        g if g is not None else T.zeros_like(trace)
        for g, trace in zip(output_grads, traces)
    ]
    # previous states: the initial row, then every trace row but the last
    previous = [
        shape.concatenate([initial, traces[i][:-1]])
        for i, initial in zip(recurrent, initials)
    ]
    reversed_rows = (
        [g[:steps][::-1] for g in grads]
        + [p[:steps][::-1] for p in previous]
        + [s[:steps][::-1] for s in sequences]
    )
    state_zeros = [T.zeros_like(initial[0]) for initial in initials]
    sum_zeros = [T.zeros_like(v) for v in invariants]
    body = op.body.block
    n_outputs, n_seqs, n_rec = len(traces), len(sequences), len(recurrent)

    def reverse_step(*args):
        g_rows, rest = args[:n_outputs], args[n_outputs:]
        prev_rows, rest = rest[:n_rec], rest[n_rec:]
        seq_rows, rest = rest[:n_seqs], rest[n_seqs:]
        carried, rest = rest[:n_rec], rest[n_rec:]
        sums, params = rest[: len(invariants)], rest[len(invariants) :]
        forward_args = [*seq_rows, *prev_rows, *params]
        outputs = _recompute(body, forward_args)
        totals = list(g_rows)
        for k, i in enumerate(recurrent):
            totals[i] = totals[i] + carried[k]
        cost = None
        for out, total in zip(outputs, totals):
            if not T.dtypes.is_float(out.dtype):
                continue  # integer outputs (counters, random states) carry no gradient
            term = reductions.sum(out * total)
            cost = term if cost is None else cost + term
        adjoints = _adjoints_of(cost, [*seq_rows, *prev_rows, *params])
        d_seq = adjoints[:n_seqs]
        d_prev = adjoints[n_seqs : n_seqs + n_rec]
        d_params = adjoints[n_seqs + n_rec :]
        new_sums = [s + d for s, d in zip(sums, d_params)]
        return [*d_prev, *new_sums, *d_seq]

    results, _ = scan(
        reverse_step,
        sequences=reversed_rows,
        outputs_info=[*state_zeros, *sum_zeros, *([None] * n_seqs)],
        non_sequences=invariants,
        n_steps=steps,
        return_list=True,
    )
    reverse = results[0].owner
    assert isinstance(reverse, LoopOp)
    finals = [
        V(emit(scan_dialect.FinalOp(trace.value, initial)).results[0])
        for trace, initial in zip(results[: n_rec + len(invariants)], reverse.initials)
    ]
    d_initials = [T.expand_dims(a, [0]) for a in finals[:n_rec]]
    d_invariants = finals[n_rec:]
    d_sequences = []
    for rows, seq in zip(results[n_rec + len(invariants) :], sequences):
        backward = rows[::-1]
        missing = T.dim(seq, 0) - steps
        d_sequences.append(shape.concatenate([backward, _zeros_rows(seq, missing)]))
    step_grad = [None] if op.n_steps is not None else []
    # operand order: steps, sequences, initials (rows), invariants
    return [*step_grad, *d_sequences, *d_initials, *d_invariants]


def _adjoints_of(cost, variables: list[V]) -> list[V]:
    """d cost / d each variable; zeros for integers and for what cost ignores."""
    from scanc.gradient import grad

    floats = [v for v in variables if T.dtypes.is_float(v.dtype)]
    found = dict(
        zip(
            map(id, floats),
            grad(cost, floats, disconnected_inputs="ignore")
            if cost is not None and floats
            else [],
        )
    )
    return [found[id(v)] if id(v) in found else T.zeros_like(v) for v in variables]


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
