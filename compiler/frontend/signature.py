"""What a compiled function takes and computes: its inputs checked, its
graph-stage module built from the output expressions (shared variables as
extra arguments, default updates), its parameters and its target."""

from __future__ import annotations

import itertools
import re

import numpy as np
from scanc.codegen.target import Target, default, named
from scanc.dialects import st
from scanc.frontend.generators import RandomGeneratorVariable
from scanc.frontend.loop_builder import MissingInputError
from scanc.frontend.shared import SHARED, SharedVariable
from scanc.frontend.slicing import clone_into, ops_computing
from scanc.graph import DEFAULT_UPDATES, TensorVariable, ir_name
from scanc.runtime.abi import Param
from scanc.tensor.basic import as_tensor_variable
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue

_names = itertools.count()


class UnusedInputError(Exception):
    """An input of `function` does not affect any output."""


def fresh_symbol(name: str | None) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name or "fn")  # an ASCII symbol
    return f"{base}_{next(_names)}"


def build_module(
    inputs: list[TensorVariable], outputs: list[TensorVariable], name: str
) -> tuple[ModuleOp, list[SharedVariable]]:
    """The graph stage: a module with one `func.func` computing `outputs`. Shared
    variables the outputs use become extra arguments after `inputs`; they are
    returned in that order."""
    block = Block(arg_types=[v.ir_type for v in inputs])
    mapping: dict[SSAValue, SSAValue] = {}
    for var, arg in zip(inputs, block.args):
        mapping[var.value] = arg
        _name(arg, var.name)
    ops, free = ops_computing(
        [o.value for o in outputs],
        mapping,
        lambda op: not isinstance(op, st.PlaceholderOp),
    )
    missing = [v for v in free if v not in SHARED]
    if missing:
        names = ", ".join(repr(TensorVariable(v)) for v in missing)
        raise MissingInputError(
            f"function: outputs depend on inputs that were not given: {names}"
        )
    implicit = [SHARED[v] for v in free]
    for var in implicit:
        mapping[var.value] = block.insert_arg(var.ir_type, len(block.args))
        _name(mapping[var.value], var.name)
    clone_into(block, ops, mapping)
    block.add_op(func.ReturnOp(*[mapping[o.value] for o in outputs]))
    fn = func.FuncOp(
        name,
        ([a.type for a in block.args], [o.ir_type for o in outputs]),
        Region(block),
    )
    return ModuleOp([fn]), implicit


def _name(arg: SSAValue, name: str | None) -> None:
    if name:
        arg.name_hint = ir_name(name)


def default_updates(outputs, updates) -> list[tuple[SharedVariable, TensorVariable]]:
    """The default updates (random states advancing) of the shared variables the
    outputs and updates read, except those `updates` already sets."""
    values = [o.value for o in outputs] + [e.value for _, e in updates]
    _, free = ops_computing(values, {}, lambda op: not isinstance(op, st.PlaceholderOp))
    explicit = {id(var) for var, _ in updates}
    return [
        (SHARED[v], DEFAULT_UPDATES[SHARED[v]])
        for v in free
        if v in SHARED
        and SHARED[v] in DEFAULT_UPDATES
        and id(SHARED[v]) not in explicit
    ]


def param(var: TensorVariable, name: str) -> Param:
    return Param(
        name,
        np.dtype(var.dtype),
        var.static_shape,
        isinstance(var, RandomGeneratorVariable),
    )


def check_inputs(inputs) -> list[TensorVariable]:
    if isinstance(inputs, TensorVariable) or not isinstance(inputs, (list, tuple)):
        raise TypeError("function: inputs must be a list of symbolic variables")
    checked = []
    for n, var in enumerate(inputs):
        if not isinstance(var, TensorVariable) or not isinstance(
            var.value.owner, st.PlaceholderOp
        ):
            raise TypeError(
                f"function: input {n} ({var!r}) must be a symbolic input such as "
                "scanc.tensor.vector('x'), not a computed or constant value"
            )
        if isinstance(var, SharedVariable):
            raise TypeError(
                f"function: shared variable {var!r} cannot be an explicit input; "
                "functions read shared variables by themselves"
            )
        if any(var is other for other in checked):
            raise ValueError(f"function: input {var!r} is given twice")
        checked.append(var)
    return checked


def as_output(value) -> TensorVariable:
    return as_tensor_variable(value)


def check_unused(module: ModuleOp, inputs, policy: str) -> None:
    fn = next(iter(module.ops))
    assert isinstance(fn, func.FuncOp)
    unused = [v for v, arg in zip(inputs, fn.args) if not arg.uses]  # explicit inputs
    if unused and policy == "raise":
        raise UnusedInputError(
            f"function: inputs {unused} are not used to compute the outputs; pass "
            "on_unused_input='ignore' to allow it"
        )


def target_of(target) -> Target:
    """The `Target` a `target=` argument names (a `Target`, or a name of
    `scanc.codegen.target.named`)."""
    if target is None:
        return default()
    if isinstance(target, str):
        try:
            return named(target)
        except ValueError as error:
            raise ValueError(f"function: {error}") from None
    if isinstance(target, Target):
        return target
    raise TypeError(
        f"function: target must be a scanc.Target or a name, not {type(target).__name__}"
    )
