"""`scanc.scan`: call the step function on placeholders, build one `scan.loop`.

The step function receives, in PyTensor's order, one placeholder per sequence
tap, per output tap and per non-sequence. The ops it builds (recorded by
`recording_scope`) are cloned into the loop body; values it uses from outside
become invariants of the loop (implicit captures, like PyTensor's).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
from scanc import config
from scanc.dialects import scan as scan_dialect
from scanc.dialects import st
from scanc.dialects.ad import GradOp
from scanc import dtypes
from scanc.graph import TensorVariable, emit, ir_name, recording_scope
from scanc.frontend.shared import SHARED, checked_updates
from scanc.frontend.slicing import clone_into, ops_computing
from scanc.tensor import basic as T
from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerAttr, TensorType, UnitAttr
from xdsl.ir import Operation, SSAValue


class MissingInputError(Exception):
    """A step function under `strict=True` uses a variable it did not receive."""


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


def _state_type(init: TensorVariable, taps: list[int]) -> TensorType:
    """Type of one step of an output: with `taps == [-1]` the initial value is the
    state itself (PyTensor's rule, also for a dict), else its rows are the states."""
    if taps == [-1]:
        return init.type
    return scan_dialect.drop_leading_dim(init.type)


def _placeholder(type_: TensorType, name: str) -> TensorVariable:
    return TensorVariable(emit(st.PlaceholderOp(name, type_)).results[0], name)


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


def _check_output(
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
    for axis, (want, got) in enumerate(zip(state.get_shape(), out.type.get_shape())):
        if DYNAMIC_INDEX not in (want, got) and want != got:
            raise ValueError(
                f"scan output {n}: the initial state has size {want} on axis {axis} "
                f"but fn returns size {got}"
            )


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

    with recording_scope() as scope:
        args = []
        for n, (seq, taps) in enumerate(seqs):
            row = scan_dialect.drop_leading_dim(seq.type)
            args += [_placeholder(row, f"seq{n}[t{t:+d}]") for t in taps]
        for n, (init, taps) in enumerate(outs):
            if init is not None:
                state = _state_type(init, taps)
                args += [_placeholder(state, f"out{n}[t{t:+d}]") for t in taps]
        ns_args = [
            _placeholder(v.type, v.name or f"nonseq{n}") for n, v in enumerate(non_seqs)
        ]
        # fn receives the non-sequences themselves, as in PyTensor (so a `grad`
        # in fn may relate them); the loop body reads them through `ns_args`
        outputs, updates, condition = _split_return(fn(*args, *non_seqs))
    if not outs:  # outputs_info None or []: every output is map-like
        outs = [(None, [])] * len(outputs)
    if len(outputs) != len(outs):
        raise ValueError(
            f"scan: fn returns {len(outputs)} outputs but outputs_info describes "
            f"{len(outs)}"
        )
    for n, ((init, taps), out) in enumerate(zip(outs, outputs)):
        if init is not None:
            _check_output(n, init, _state_type(init, taps), out)
    # random draws advance their state once per step: those fn made, and those made
    # outside that fn uses without receiving them (drawn again at every step, as in
    # the guides; pass a draw in non_sequences to keep one draw for all steps)
    redrawn = _outer_draws(outputs, condition, args + non_seqs, scope)
    scope.ops.extend(redrawn)
    recomputed = _gradient_paths(scope)
    scope.ops.extend(recomputed)
    on_gradient_paths = {r for op in recomputed for r in op.results}
    stand_ins = {
        var.value: arg.value
        for var, arg in zip(non_seqs, ns_args)
        if var.value not in on_gradient_paths
    }
    draw_updates = {SHARED[op.state]: TensorVariable(op.results[1]) for op in redrawn}
    shared_updates = checked_updates(
        {**draw_updates, **scope.default_updates, **updates}, "scan"
    )
    # each updated shared variable is one more recurrent output, read at tap -1
    state_args = [
        _placeholder(var.type, var.name or "shared") for var, _ in shared_updates
    ]
    outs += [(var, [-1]) for var, _ in shared_updates]
    outputs += [expr for _, expr in shared_updates]
    loop = _build_loop(
        seqs,
        outs,
        non_seqs,
        steps,
        args + state_args + ns_args,
        outputs,
        condition,
        scope,
        strict,
        stand_ins
        | {var.value: arg.value for (var, _), arg in zip(shared_updates, state_args)},
    )
    _name_arguments(loop, fn)
    if truncate_gradient != -1:
        loop.attributes["truncate_gradient"] = IntegerAttr(int(truncate_gradient), 64)
    if allow_gc is False or (allow_gc is None and not config.scan__allow_gc):
        loop.attributes["keep_buffers"] = UnitAttr()
    n_visible = len(outputs) - len(shared_updates)
    results = [TensorVariable(r) for r in loop.results[:n_visible]]
    if name:
        for r in results:
            r.name = name
    hidden = len(shared_updates)
    new_values = {
        var: TensorVariable(emit(scan_dialect.FinalOp(trace, initial)).results[0])
        for (var, _), trace, initial in zip(
            shared_updates,
            loop.results[n_visible:],
            loop.initials[len(loop.initials) - hidden :],
        )
    }
    outputs_returned = results[0] if len(results) == 1 and not return_list else results
    return with_updates(outputs_returned, new_values, return_updates, "scan")


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
        lambda op: op in inside or (isinstance(op, st.RandomOp) and op.state in SHARED),
    )
    return [op for op in ops if isinstance(op, st.RandomOp) and op not in inside]


def _build_loop(
    seqs,
    outs,
    non_seqs,
    steps,
    args,
    outputs,
    condition,
    scope,
    strict,
    stand_ins,
):
    inside = set(scope.ops)
    arg_values = [a.value for a in args]
    body_outputs = [o.value for o in outputs] + (
        [condition.value] if condition is not None else []
    )
    region, block = scan_dialect.make_body([a.type for a in arg_values])
    mapping: dict[SSAValue, SSAValue] = dict(zip(arg_values, block.args))
    for outer, stand_in in stand_ins.items():  # non-sequences, shared states
        mapping[outer] = mapping[stand_in]
    ops, free = ops_computing(body_outputs, mapping, lambda op: op in inside)
    captured = [v for v in free if v not in mapping]
    if strict:
        _check_strict(captured)
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
        if _state_type(init, taps) == init.type:
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
        [v.value for v in non_seqs] + captured,
        trace_types,
        region,
    )
    emit(loop)
    return loop


def _name_arguments(loop, fn) -> None:
    """Name the body's block arguments after the step function's parameters."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return
    for arg, name in zip(loop.body.block.args, names):
        arg.name_hint = ir_name(name)


def _trace_row_type(init, taps, out: TensorVariable) -> TensorType:
    if init is None:
        return out.type
    state = _state_type(init, taps)
    # static dims known on either side
    shape = [
        a if a != DYNAMIC_INDEX else b
        for a, b in zip(state.get_shape(), out.type.get_shape())
    ]
    return TensorType(state.element_type, shape)


def _check_strict(captured: Sequence[SSAValue]) -> None:
    names = []
    for value in captured:
        owner = value.owner
        if isinstance(owner, st.PlaceholderOp) or not _is_constant(value):
            names.append(_describe(value))
    if names:
        raise MissingInputError(
            "scan(strict=True): fn uses variables it does not receive as arguments: "
            + ", ".join(names)
            + ". Pass them in non_sequences."
        )


def _is_constant(value: SSAValue) -> bool:
    from xdsl.dialects.arith import ConstantOp

    return isinstance(value.owner, ConstantOp)


def _describe(value: SSAValue) -> str:
    owner = value.owner
    if isinstance(owner, st.PlaceholderOp) and owner.var_name.data:
        return repr(owner.var_name.data)
    return str(TensorVariable(value))
