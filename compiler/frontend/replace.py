"""`clone_replace` (and `function(givens=...)`): the graph of some outputs with
variables replaced by others, as PyTensor's `clone_replace` builds it.

Only the ops that depend on a replaced variable are cloned; the rest of the
graph is shared with the original, which stays as it was.
"""

from __future__ import annotations

from scanc.graph import TensorVariable, emit
from scanc.frontend.slicing import ops_computing
from xdsl.ir import SSAValue


def clone_replace(output, replace=None, **_rebuild_options):
    """`output` (a variable, or a list or tuple of them) computed with each key
    of `replace` (a dict or pairs) replaced by its value, which must have the
    same dtype and number of dimensions."""
    from scanc.tensor import as_tensor_variable

    pairs = replace.items() if isinstance(replace, dict) else (replace or [])
    mapping: dict[SSAValue, SSAValue] = {}
    for old, new in pairs:
        old, new = as_tensor_variable(old), as_tensor_variable(new)
        if (old.dtype, old.ndim) != (new.dtype, new.ndim):
            raise TypeError(
                f"clone_replace: {old} cannot be replaced by {new}: the dtype and the "
                "number of dimensions must agree (cast or reshape the replacement)"
            )
        mapping[old.value] = new.value
    single = not isinstance(output, (list, tuple))
    outputs = [as_tensor_variable(o) for o in ([output] if single else output)]
    _clone_dependents([o.value for o in outputs], mapping)
    cloned = [TensorVariable(mapping.get(o.value, o.value), o.name) for o in outputs]
    return cloned[0] if single else type(output)(cloned)


def _clone_dependents(values: list[SSAValue], mapping: dict[SSAValue, SSAValue]):
    """Clone, in dependency order, every op between the replaced values and
    `values` that reads a replaced (or cloned) value; extends `mapping`."""
    ops, _ = ops_computing(values, mapping, lambda op: True)
    for op in ops:
        if not any(operand in mapping for operand in op.operands):
            continue
        clone = emit(op.clone(value_mapper=dict(mapping)))
        for old, new in zip(op.results, clone.results):
            mapping[old] = new
