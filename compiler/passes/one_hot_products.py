"""The `one-hot-products` pass: a product with a one-hot vector reads one column.

Expects: graph/opt-stage IR. The gradient of `y[i]` spreads its adjoint into a
vector of zeros with one entry set (`st.set_subtensor` of a zero `st.alloc` at
`[i]`), possibly scaled elementwise (through `tanh`, `1 - y^2`), and then
multiplies a matrix by it: a Jacobian by a scan over `grad(y[i], v)` does that
once per row. A product with such a vector reads one column (or row) of the
matrix:

    %e = st.set_subtensor "inc" %zeros, %one ["i"](%i)
    %d = st.elementwise "mul"(%e, %s)
    %r = st.dot %A, %d                    (A . d)
  becomes
    %r = A[:, i] * (one * s[i])

and `st.dot %d, %A` becomes `A[i, :] * (one * s[i])`. The zeros may be a loop
invariant (the body argument of a `scan.loop` whose operand is the zero alloc).
Untouched: anything else multiplied with the matrix.
"""

from __future__ import annotations

from scanc.dialects import st
from scanc.dialects.scan import outside_value
from scanc.graph import TensorVariable
from scanc.rewriting import replace_by_built
from scanc.tensor import basic as T
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass

V = TensorVariable


def _is_zeros(value: SSAValue) -> bool:
    alloc = outside_value(value).owner
    if not isinstance(alloc, st.AllocOp):
        return False
    fill = T.constant_value(V(alloc.value))
    return fill is not None and fill.size == 1 and float(fill) == 0.0


def _one_hot(value: SSAValue) -> tuple[SSAValue, SSAValue] | None:
    """(index, entry) when `value` is zeros with one entry set at `[index]`."""
    op = value.owner
    if (
        isinstance(op, st.SetSubtensorOp)
        and op.entries() == ["i"]
        and op.value.type.get_num_dims() == 0  # type: ignore[attr-defined]
        and _is_zeros(op.input)
    ):
        return op.indices[0], op.value
    return None


def _scaled_one_hot(value: SSAValue):
    """(index, entry, scale or None) for `onehot` or `onehot * scale`."""
    found = _one_hot(value)
    if found is not None:
        return (*found, None)
    op = value.owner
    if not (isinstance(op, st.ElementwiseOp) and op.fn.data == "mul"):
        return None
    for a, b in (op.inputs, reversed(op.inputs)):
        found = _one_hot(a)
        if found is not None and b.type.get_num_dims() == 1:  # type: ignore[attr-defined]
            return (*found, b)
    return None


def _entry(scale: V, i: V) -> V:
    """`scale[i]`, or its only entry when it broadcasts (static size 1)."""
    return scale[0] if scale.ir_type.get_shape()[0] == 1 else scale[i]


def _rewrite(dot: st.DotOp) -> bool:
    lhs, rhs = dot.lhs, dot.rhs
    if lhs.type.get_num_dims() == 2 and rhs.type.get_num_dims() == 1:  # type: ignore[attr-defined]
        matrix, vector, pick = lhs, rhs, lambda M, i: M[:, i]
    elif lhs.type.get_num_dims() == 1 and rhs.type.get_num_dims() == 2:  # type: ignore[attr-defined]
        matrix, vector, pick = rhs, lhs, lambda M, i: M[i]
    else:
        return False
    found = _scaled_one_hot(vector)
    if found is None:
        return False
    index, entry, scale = found

    def column_times_weight() -> V:
        i = V(index)
        weight = V(entry) if scale is None else V(entry) * _entry(V(scale), i)
        return pick(V(matrix), i) * weight

    replace_by_built(dot, column_times_weight)
    return True


class OneHotProductsPass(ModulePass):
    name = "one-hot-products"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for dot in [o for o in op.walk() if isinstance(o, st.DotOp)]:
            _rewrite(dot)
