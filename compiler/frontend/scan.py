"""`scanc.scan`: PyTensor's arguments parsed (`_parse`), the step function
traced and built into one `scan.loop` (`scanc.frontend.loop_builder`), with
what the loop captures beyond its arguments (`_capture_and_build`: random draws
made outside the step function, the paths of gradients taken inside it, and the
shared variables it updates, as recurrent outputs).

The step function receives, in PyTensor's order, one placeholder per sequence
tap, per output tap and per non-sequence. The ops it builds (recorded by
`recording_scope`) are cloned into the loop body; values it uses from outside
become invariants of the loop (implicit captures, like PyTensor's).
"""

from __future__ import annotations

import inspect

import numpy as np
from scanc import config
from scanc.dialects import scan as scan_dialect
from scanc.dialects import st
from scanc.dialects.ad import GradOp
from scanc.graph import TensorVariable, emit, ir_name, placeholder
from scanc.frontend.loop_builder import (
    LoopSpec,
    Traced,
    build_loop,
    check_outputs,
    trace,
)
from scanc.frontend.generators import RandomGeneratorVariable
from scanc.frontend.shared import SHARED, checked_updates
from scanc.frontend.slicing import ops_computing
from scanc.tensor import basic as T
from xdsl.dialects.builtin import IntegerAttr, UnitAttr
from xdsl.ir import Operation, SSAValue


class until:  # noqa: N801 - PyTensor's spelling
    """Returned last by a step function: stop after the step where `condition` holds."""

    def __init__(self, condition):
        self.condition = T.as_tensor_variable(condition)
        if self.condition.ndim != 0:
            raise TypeError(f"until takes a scalar condition, got {self.condition}")


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _taps(value, what: str) -> list[int]:
    """Taps as PyTensor takes them: an int, or a list, tuple, range or array of
    ints (NumPy's included), all different."""
    items = np.asarray(value).ravel()
    if items.dtype.kind not in "iu":
        raise ValueError(f"{what}: taps must be integers, got {value!r}")
    taps = [int(t) for t in items]
    if len(set(taps)) != len(taps):
        raise ValueError(f"{what}: taps must be distinct, got {taps}")
    return taps


def _sequence_specs(sequences) -> list[tuple[TensorVariable, list[int]]]:
    specs = []
    for n, seq in enumerate(_as_list(sequences)):
        taps = [0]
        if isinstance(seq, dict):
            if "input" not in seq:
                raise ValueError(f"sequence {n}: a dict needs the key 'input'")
            taps = _taps(seq.get("taps", [0]), f"sequence {n}")
            seq = seq["input"]
        var = T.as_tensor_variable(seq)
        if var.ndim == 0:
            raise TypeError(
                f"sequence {n} ({var}) is a scalar; scan iterates over axis 0"
            )
        specs.append((var, taps))
    return specs


def _output_specs(outputs_info) -> list[tuple[TensorVariable | None, list[int]]]:
    specs: list[tuple[TensorVariable | None, list[int]]] = []
    for n, info in enumerate(_as_list(outputs_info)):
        if info is None:
            specs.append((None, []))
            continue
        taps = [-1]
        if isinstance(info, dict):
            if info.get("initial") is None:
                specs.append((None, []))
                continue
            taps = _taps(info.get("taps", [-1]), f"output {n}")
            if any(t >= 0 for t in taps):
                raise ValueError(f"output {n}: taps must be negative, got {taps}")
            info = info["initial"]
        specs.append((T.as_tensor_variable(info), taps))
    return specs


def _split_return(result):
    """PyTensor's step function returns outputs, updates and until, in any of the
    spellings (outputs), (outputs, updates), (outputs, until), (outputs, updates,
    until), an updates dict alone, or an until alone."""
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    condition = None
    if items and isinstance(items[-1], until):
        condition = items.pop().condition
    if any(isinstance(i, until) for i in items):
        raise ValueError("scan: the until condition must be the last thing fn returns")
    updates: dict = {}
    if items and isinstance(items[-1], dict):
        updates = items.pop()
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = list(items[0])
    outputs = [T.as_tensor_variable(o) for o in items]
    return outputs, updates, condition


def scan(
    fn,
    sequences=None,
    outputs_info=None,
    non_sequences=None,
    n_steps=None,
    truncate_gradient=-1,
    go_backwards=False,
    mode=None,
    name=None,
    profile=False,
    allow_gc=None,
    strict=False,
    return_list=False,
    return_updates=True,
):
    """Loop `fn` over `sequences` (see the scan guide); returns (outputs, updates),
    or the outputs alone with `return_updates=False` (then `fn` must update no
    shared variable: its updates would be lost).

    `go_backwards` reads the sequences from the last step to the first (the outputs
    stay in the order they are computed). `allow_gc=False` (or
    `scanc.config.scan__allow_gc = False`) keeps the compiled function's scratch
    buffers from one call to the next. `truncate_gradient=k` limits a gradient through
    the loop to its last `k` steps. `mode` and `profile` are
    accepted for compatibility; they change no result.
    """
    spec = _parse(sequences, outputs_info, non_sequences, n_steps, go_backwards)
    traced = trace(fn, spec, _split_return)
    if not spec.outputs:  # outputs_info None or []: every output is map-like
        spec.outputs = [(None, [])] * len(traced.outputs)
    check_outputs(spec, traced.outputs)
    generators = _generator_outputs(spec)
    loop, shared_updates = _capture_and_build(spec, traced, strict)
    _name_arguments(loop, fn)
    if truncate_gradient != -1:
        loop.attributes["truncate_gradient"] = IntegerAttr(int(truncate_gradient), 64)
    if allow_gc is False or (allow_gc is None and not config.scan__allow_gc):
        loop.attributes["keep_buffers"] = UnitAttr()
    results, new_values = _results(loop, shared_updates, generators, name)
    returned = results[0] if len(results) == 1 and not return_list else results
    return with_updates(returned, new_values, return_updates, "scan")


def _parse(sequences, outputs_info, non_sequences, n_steps, go_backwards) -> LoopSpec:
    """`scan`'s arguments as PyTensor takes them, checked."""
    seqs = _sequence_specs(sequences)
    if go_backwards:
        seqs = [(seq[::-1], taps) for seq, taps in seqs]
    outs = _output_specs(outputs_info)
    non_seqs = [T.as_tensor_variable(v) for v in _as_list(non_sequences)]
    steps = None
    if n_steps is not None:
        steps = T._int_scalar(n_steps, "n_steps")
        static = T._static_int(steps)
        if static is not None and static < 0:
            raise ValueError(f"scan: n_steps must be non-negative, got {static}")
    elif not seqs:
        raise ValueError("scan: give n_steps when there are no sequences")
    return LoopSpec(seqs, outs, non_seqs, steps)


def _capture_and_build(spec: LoopSpec, traced: Traced, strict: bool):
    """The loop of `traced`, with what it captures beyond its arguments: random
    draws and the paths of gradients taken inside it, and one more recurrent
    output per updated shared variable; the loop and those updates."""
    scope, condition = traced.scope, traced.condition
    # random draws advance their state once per step: those fn made, and those made
    # outside that fn uses without receiving them (drawn again at every step, as in
    # the guides; pass a draw in non_sequences to keep one draw for all steps)
    args = traced.args + spec.non_sequences
    redrawn = _outer_draws(traced.outputs, condition, args, scope)
    scope.ops.extend(redrawn)
    recomputed = _gradient_paths(scope)
    scope.ops.extend(recomputed)
    on_gradient_paths = {r for op in recomputed for r in op.results}
    stand_ins = {
        var.value: arg.value
        for var, arg in zip(spec.non_sequences, traced.ns_args)
        if var.value not in on_gradient_paths
    }
    draw_updates = {SHARED[op.state]: TensorVariable(op.results[1]) for op in redrawn}
    shared_updates = checked_updates(
        {**draw_updates, **scope.default_updates, **traced.updates}, "scan"
    )
    # each updated shared variable is one more recurrent output, read at tap -1
    state_args = [
        placeholder(var.ir_type, var.name or "shared") for var, _ in shared_updates
    ]
    spec.outputs = spec.outputs + [(var, [-1]) for var, _ in shared_updates]
    outputs = traced.outputs + [expr for _, expr in shared_updates]
    for (var, _), arg in zip(shared_updates, state_args):
        stand_ins[var.value] = arg.value
    body_args = traced.args + state_args + traced.ns_args
    loop = build_loop(spec, body_args, outputs, condition, scope, strict, stand_ins)
    return loop, shared_updates


def _generator_outputs(spec: LoopSpec) -> list[int]:
    """The outputs whose initial value is a random generator: scan returns
    their state after the last step, not one per step (as PyTensor's)."""
    found = []
    for n, (init, taps) in enumerate(spec.outputs):
        if isinstance(init, RandomGeneratorVariable):
            if taps != [-1]:
                raise ValueError(
                    f"scan: output {n} is a random generator; it takes tap -1 only"
                )
            found.append(n)
    return found


def _final(trace, initial) -> SSAValue:
    return emit(scan_dialect.FinalOp(trace, initial)).results[0]


def _results(loop, shared_updates, generators: list[int], name):
    """The loop's outputs (the last state of the generator outputs), and the
    final values of the shared variables it updates (its last outputs)."""
    hidden = len(shared_updates)
    n_visible = len(loop.results) - hidden
    recurrent = loop.recurrent_outputs()
    results = [
        RandomGeneratorVariable(_final(r, loop.initials[recurrent.index(n)]))
        if n in generators
        else TensorVariable(r)
        for n, r in enumerate(loop.results[:n_visible])
    ]
    if name:
        for r in results:
            r.name = name
    new_values = {
        var: var.symbolic_class(_final(trace, initial))
        for (var, _), trace, initial in zip(
            shared_updates,
            loop.results[n_visible:],
            loop.initials[len(loop.initials) - hidden :],
        )
    }
    return results, new_values


def with_updates(outputs, updates: dict, return_updates: bool, where: str):
    """`(outputs, updates)`, or the outputs alone with `return_updates=False`,
    which refuses to drop updates."""
    if return_updates:
        return outputs, updates
    if updates:
        names = ", ".join(repr(var) for var in updates)
        raise ValueError(
            f"{where}: return_updates=False, but the step function updates the "
            f"shared variables {names} (random draws included); use "
            "return_updates=True and pass the updates to function()"
        )
    return outputs


def _gradient_paths(scope) -> list[Operation]:
    """Ops outside fn between the variables of a gradient fn takes and its cost:
    they are computed again inside the loop, so the gradient pass sees the whole
    path (the guides' Jacobian by a scan over `grad(y[i], v)`)."""
    inside = set(scope.ops)
    added: list[Operation] = []
    for op in scope.ops:
        if not isinstance(op, GradOp):
            continue
        wrt = set(op.wrt)
        memo: dict[Operation, bool] = {}

        def depends(node: Operation) -> bool:
            if node not in memo:
                memo[node] = False
                memo[node] = any(
                    v in wrt or (isinstance(v.owner, Operation) and depends(v.owner))
                    for v in node.operands
                )
            return memo[node]

        stack = [op.cost.owner]
        while stack:
            node = stack.pop()
            if not isinstance(node, Operation) or node in inside:
                if isinstance(node, Operation):
                    stack.extend(v.owner for v in node.operands)
                continue
            if depends(node):
                inside.add(node)
                added.append(node)
                stack.extend(v.owner for v in node.operands)
    return added


def _outer_draws(outputs, condition, args, scope) -> list[st.RandomOp]:
    """Random draws made outside fn that fn's results use."""
    values = [o.value for o in outputs]
    if condition is not None:
        values.append(condition.value)
    inside = set(scope.ops)
    ops, _ = ops_computing(
        values,
        {a.value: a.value for a in args},
        lambda op: op in inside or _stream_draw(op),
    )
    return [op for op in ops if _stream_draw(op) and op not in inside]


def _stream_draw(op: Operation) -> bool:
    """Whether `op` draws from a random stream's state (which advances by
    itself), not from a generator the program threads."""
    return (
        isinstance(op, st.RandomOp)
        and op.state in SHARED
        and not isinstance(SHARED[op.state], RandomGeneratorVariable)
    )


def _name_arguments(loop, fn) -> None:
    """Name the body's block arguments after the step function's parameters."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return
    for arg, name in zip(loop.body.block.args, names):
        arg.name_hint = ir_name(name)
