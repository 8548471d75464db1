"""`ifelse`: PyTensor's lazy conditional (`from pytensor.ifelse import ifelse`).

    y = ifelse(n > 0, x[n - 1], zeros)     # x[n - 1] is not evaluated when n == 0

Only the branch the condition picks runs: the ops that only one branch needs
are moved into it before lowering (the `sink-into-branches` pass), inside scan
steps as well as outside. An op that the other branch or the rest of the graph
also reads is computed before the choice, as any shared value is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scanc import dtypes
from scanc.dialects import st
from scanc.graph import TensorVariable, wrap
from scanc.tensor.basic import as_tensor_variable


def ifelse(condition, then_branch, else_branch, name: str | None = None):
    """`then_branch` when the scalar `condition` is not zero, else `else_branch`.

    Each branch is one value or a list/tuple of values (the same number in
    both); the result is one variable, or a list/tuple of them like
    `then_branch`. Paired values must have one dtype and rank (PyTensor's
    rule: a TypeError otherwise); a Python number takes the other branch's
    dtype when it holds the number exactly. Their sizes may differ: the result
    has the sizes of the branch chosen."""
    kind = type(then_branch) if isinstance(then_branch, (list, tuple)) else None
    thens = _as_list(then_branch)
    elses = _as_list(else_branch)
    if len(thens) != len(elses):
        raise ValueError(
            "The number of values on the `then` branch must match the `else` "
            f"branch: got {len(thens)} for `then`, and {len(elses)} for `else`."
        )
    cond = as_tensor_variable(condition)
    if cond.ndim != 0:
        raise TypeError(
            f"ifelse: the condition must be a scalar, got {cond.ndim} dimensions"
        )
    chosen = [_choose(cond, t, e, name) for t, e in zip(thens, elses)]
    return chosen[0] if kind is None else kind(chosen)


def _as_list(branch) -> list:
    return list(branch) if isinstance(branch, (list, tuple)) else [branch]


def _choose(cond: TensorVariable, then, else_, name) -> TensorVariable:
    then, else_ = _as_pair(then, else_)
    if then.dtype != else_.dtype:
        raise TypeError(
            "ifelse requires compatible dtypes for both branches: got "
            f"true_branch={then.dtype}, false_branch={else_.dtype}"
        )
    if then.ndim != else_.ndim:
        raise TypeError(
            "ifelse requires compatible ndim values for both branches: got "
            f"true_branch={then.ndim}, false_branch={else_.ndim}"
        )
    shape = [
        a if a == b else None for a, b in zip(then.static_shape, else_.static_shape)
    ]
    result = dtypes.tensor_type(then.dtype, shape)
    return wrap(st.IfElseOp(cond.value, then.value, else_.value, result), name)


def _as_pair(then, else_) -> tuple[TensorVariable, TensorVariable]:
    """Both branches as variables; a number paired with a variable takes the
    variable's dtype when that holds it exactly."""
    if isinstance(then, TensorVariable) and not isinstance(else_, TensorVariable):
        return then, _number_like(else_, then)
    if isinstance(else_, TensorVariable) and not isinstance(then, TensorVariable):
        return _number_like(then, else_), else_
    return as_tensor_variable(then), as_tensor_variable(else_)


def _number_like(value, like: TensorVariable) -> TensorVariable:
    array = np.asarray(value)
    if array.dtype.kind in "biuf" and _holds(array, like.dtype):
        return as_tensor_variable(array.astype(like.dtype))
    return as_tensor_variable(value)


def _holds(array: np.ndarray, dtype: str) -> bool:
    with np.errstate(all="ignore"):
        converted = array.astype(dtype)
    return bool(np.all(converted == array))


__all__: Sequence[str] = ["ifelse"]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
