"""Clone the slice of a detached graph that computes some values into a block.

Shared by `function` (slice between inputs and outputs -> `func.func` body) and
`scan` (slice built by the step function -> `scan.loop` body).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.ir import Block, Operation, SSAValue


def ops_computing(
    outputs: Sequence[SSAValue],
    known: dict[SSAValue, SSAValue],
    is_inside: Callable[[Operation], bool],
) -> tuple[list[Operation], list[SSAValue]]:
    """The ops `outputs` need, in dependency order, stopping at `known` values and
    at values of ops that are not `is_inside`; the latter are returned as free."""
    order: list[Operation] = []
    free: list[SSAValue] = []
    seen_ops: set[Operation] = set()
    seen_free: set[SSAValue] = set()
    stack: list[tuple[SSAValue, bool]] = [(v, False) for v in reversed(outputs)]
    while stack:
        value, expanded = stack.pop()
        op = value.owner
        if expanded:
            if op not in seen_ops:
                seen_ops.add(op)  # type: ignore[arg-type]
                order.append(op)  # type: ignore[arg-type]
            continue
        if value in known or op in seen_ops:
            continue
        if not isinstance(op, Operation) or not is_inside(op):
            if value not in seen_free:
                seen_free.add(value)
                free.append(value)
            continue
        stack.append((value, True))
        for operand in reversed(op.operands):
            stack.append((operand, False))
    return order, free


def clone_into(
    block: Block, ops: Sequence[Operation], mapping: dict[SSAValue, SSAValue]
):
    """Append clones of `ops` to `block`, extending `mapping` with their results."""
    for op in ops:
        new = op.clone(value_mapper=mapping)
        block.add_op(new)
        for old, fresh in zip(op.results, new.results):
            mapping[old] = fresh
            if old.name_hint:
                fresh.name_hint = old.name_hint
