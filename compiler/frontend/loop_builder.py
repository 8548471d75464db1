"""Building one `scan.loop` from a step function: what `scanc.scan` and the
gradient of a loop (`scanc.autodiff.scan_rule`, its reverse loop) share.

`trace` calls the step function on placeholders (one per sequence tap, per
output tap and per non-sequence) and records the ops it builds; `build_loop`
clones those ops into the loop body, values used from outside becoming
invariants (implicit captures, as PyTensor's). `loop` is the two for a step
function that needs nothing else: no random draws from outside it, no updates
of shared variables, no gradients inside it (the parts `scanc.scan` adds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scanc import dtypes
from scanc.dialects import scan as scan_dialect
from scanc.dialects import st
from scanc.frontend.shared import SHARED
from scanc.frontend.slicing import clone_into, ops_computing
from scanc.graph import TensorVariable, emit, placeholder, recording_scope
from scanc.tensor import basic as T
from xdsl.dialects.builtin import DYNAMIC_INDEX, TensorType
from xdsl.ir import Operation, SSAValue


class MissingInputError(Exception):
    """A step function under `strict=True` uses a variable it did not receive."""


@dataclass
class LoopSpec:
    """What a loop reads: its sequences and output states, each with its taps
    (an output without an initial value is map-like: `(None, [])`), its
    non-sequences and its number of steps (None: the sequences' length)."""

    sequences: list[tuple[TensorVariable, list[int]]]
    outputs: list[tuple[TensorVariable | None, list[int]]]
    non_sequences: list[TensorVariable]
    steps: TensorVariable | None


@dataclass
class Traced:
    """A step function called on placeholders: what it recorded and returned."""

    scope: object
    #: placeholders of the sequence taps and output taps, in PyTensor's order
    args: list[TensorVariable]
    #: placeholders standing for the non-sequences inside the body
    ns_args: list[TensorVariable]
    outputs: list[TensorVariable]
    updates: dict
    condition: TensorVariable | None


def trace(fn, spec: LoopSpec, split: Callable) -> Traced:
    """Call `fn` on placeholders of `spec`'s taps and its non-sequences
    themselves (as PyTensor does, so a `grad` in `fn` may relate them);
    `split` turns what it returns into outputs, updates and condition."""
    with recording_scope() as scope:
        args = []
        for n, (seq, taps) in enumerate(spec.sequences):
            row = scan_dialect.drop_leading_dim(seq.ir_type)
            args += [placeholder(row, f"seq{n}[t{t:+d}]") for t in taps]
        for n, (init, taps) in enumerate(spec.outputs):
            if init is not None:
                state = state_type(init, taps)
                kind = init.symbolic_class
                args += [placeholder(state, f"out{n}[t{t:+d}]", kind) for t in taps]
        ns_args = [
            placeholder(v.ir_type, v.name or f"nonseq{n}")
            for n, v in enumerate(spec.non_sequences)
        ]
        outputs, updates, condition = split(fn(*args, *spec.non_sequences))
    return Traced(scope, args, ns_args, outputs, updates, condition)


def check_outputs(spec: LoopSpec, outputs: list[TensorVariable]) -> None:
    if len(outputs) != len(spec.outputs):
        raise ValueError(
            f"scan: fn returns {len(outputs)} outputs but outputs_info describes "
            f"{len(spec.outputs)}"
        )
    for n, ((init, taps), out) in enumerate(zip(spec.outputs, outputs)):
        if init is not None:
            check_output(n, init, state_type(init, taps), out)


def loop(fn, spec: LoopSpec) -> scan_dialect.LoopOp:
    """The loop of a step function `fn` that returns its outputs only."""
    traced = trace(
        fn, spec, lambda result: ([T.as_tensor_variable(o) for o in result], {}, None)
    )
    check_outputs(spec, traced.outputs)
    stand_ins = {v.value: a.value for v, a in zip(spec.non_sequences, traced.ns_args)}
    args = traced.args + traced.ns_args
    return build_loop(spec, args, traced.outputs, None, traced.scope, False, stand_ins)


def state_type(init: TensorVariable, taps: list[int]) -> TensorType:
    """Type of one step of an output: with `taps == [-1]` the initial value is the
    state itself (PyTensor's rule, also for a dict), else its rows are the states."""
    if taps == [-1]:
        return init.ir_type
    return scan_dialect.drop_leading_dim(init.ir_type)


def check_output(
    n: int, init: TensorVariable | None, state: TensorType, out: TensorVariable
) -> None:
    if init is None:
        return
    want_dtype, want_ndim = dtypes.dtype_of(state), state.get_num_dims()
    if out.dtype != want_dtype:
        raise TypeError(
            f"scan output {n}: the initial state (outputs_info) has dtype {want_dtype} "
            f"but fn returns dtype {out.dtype}; scan does not cast implicitly. Give an "
            f"initial value of dtype {out.dtype} (e.g. "
            f"as_tensor_variable(np.asarray(0, '{out.dtype}')))"
        )
    if out.ndim != want_ndim:
        raise TypeError(
            f"scan output {n}: the initial state has {want_ndim} dimensions per step "
            f"but fn returns {out.ndim}-dimensional {out}"
        )
    for axis, (want, got) in enumerate(zip(state.get_shape(), out.ir_type.get_shape())):
        if DYNAMIC_INDEX not in (want, got) and want != got:
            raise ValueError(
                f"scan output {n}: the initial state has size {want} on axis {axis} "
                f"but fn returns size {got}"
            )


def build_loop(
    spec: LoopSpec,
    args: list[TensorVariable],
    outputs: list[TensorVariable],
    condition: TensorVariable | None,
    scope,
    strict: bool = False,
    stand_ins: dict[SSAValue, SSAValue] | None = None,
) -> scan_dialect.LoopOp:
    """The loop whose body is the ops `scope` recorded between the body
    arguments `args` (placeholders) and `outputs` (and `condition`); outer
    values in `stand_ins` are read through the argument standing for them, and
    any other outer value the body uses becomes one more invariant (under
    `strict`, not one computed from a shared variable that is not a
    non-sequence)."""
    seqs, outs, steps = spec.sequences, spec.outputs, spec.steps
    inside = set(scope.ops)
    arg_values = [a.value for a in args]
    body_outputs = [o.value for o in outputs] + (
        [condition.value] if condition is not None else []
    )
    region, block = scan_dialect.make_body([a.type for a in arg_values])
    mapping: dict[SSAValue, SSAValue] = dict(zip(arg_values, block.args))
    for outer, stand_in in (stand_ins or {}).items():  # non-sequences, states
        mapping[outer] = mapping[stand_in]
    ops, free = ops_computing(body_outputs, mapping, lambda op: op in inside)
    captured = [v for v in free if v not in mapping]
    if strict:
        _check_strict(captured, set(stand_ins or {}))
    for value in captured:
        mapping[value] = block.insert_arg(value.type, len(block.args))
    clone_into(block, ops, mapping)
    yielded = [mapping[v] for v in body_outputs]
    block.add_op(
        scan_dialect.YieldOp(
            yielded[: len(outputs)],
            yielded[len(outputs)] if condition is not None else None,
        )
    )
    initials = []
    for init, taps in outs:
        if init is None:
            continue
        if state_type(init, taps) == init.ir_type:
            init = T.expand_dims(init, [0])
        initials.append(init.value)
    trace_types = [
        scan_dialect.with_leading_dim(_trace_row_type(init, taps, out))
        for (init, taps), out in zip(outs, outputs)
    ]
    loop = scan_dialect.LoopOp(
        steps.value if steps is not None else None,
        [s.value for s, _ in seqs],
        [taps for _, taps in seqs],
        initials,
        [taps for _, taps in outs],
        [v.value for v in spec.non_sequences] + captured,
        trace_types,
        region,
    )
    emit(loop)
    return loop


def _trace_row_type(init, taps, out: TensorVariable) -> TensorType:
    if init is None:
        return out.ir_type
    state = state_type(init, taps)
    # static dims known on either side
    shape = [
        a if a != DYNAMIC_INDEX else b
        for a, b in zip(state.get_shape(), out.ir_type.get_shape())
    ]
    return TensorType(state.element_type, shape)


def _check_strict(captured: Sequence[SSAValue], passed: set[SSAValue]) -> None:
    """PyTensor's `strict`: the step may use shared variables only through
    `non_sequences` (or `sequences`). A value computed outside from shared
    variables that are passed (`W.shape[1]` with `W` a non-sequence) is the
    same at every step and allowed, as are other inputs (PyTensor passes them
    as implicit non-sequences)."""
    names = sorted(
        {_describe(v) for value in captured for v in _shared_inputs(value, passed)}
    )
    if names:
        raise MissingInputError(
            "scan(strict=True): fn uses shared variables it does not receive as "
            "arguments: " + ", ".join(names) + ". Pass them in non_sequences."
        )


def _shared_inputs(value: SSAValue, passed: set[SSAValue]) -> list[SSAValue]:
    """The shared variables outside `passed` that `value` is computed from."""
    found, seen, pending = [], set(), [value]
    while pending:
        value = pending.pop()
        if value in seen or value in passed:
            continue
        seen.add(value)
        owner = value.owner
        if isinstance(owner, st.PlaceholderOp):
            if value in SHARED:
                found.append(value)
        elif isinstance(owner, Operation):
            for op in owner.walk():
                pending.extend(op.operands)
    return found


def _describe(value: SSAValue) -> str:
    owner = value.owner
    if isinstance(owner, st.PlaceholderOp) and owner.var_name.data:
        return repr(owner.var_name.data)
    return str(TensorVariable(value))
