"""`scanc.shared`: variables whose value lives between calls.

A shared variable is a named graph input whose value the runtime supplies; a
function compiled with `updates={var: expr}` stores `expr` into it after each
successful call (all updates at once: a call that fails changes nothing).

Borrowing: `get_value(borrow=False)` returns a copy and `set_value(v,
borrow=False)` stores a copy, so the caller's array and the shared value never
alias. With `borrow=True` the same array object is returned or stored (no copy);
changing it in place changes the shared value. After an update, the shared
value is the array the compiled function returned, not a copy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scanc import dtypes
from scanc.graph import TensorVariable, placeholder
from xdsl.ir import SSAValue

#: the shared variable behind each placeholder value
SHARED: dict[SSAValue, "SharedVariable"] = {}


class SharedVariable(TensorVariable):
    __slots__ = ("_value",)

    def get_value(self, borrow: bool = False) -> np.ndarray:
        return self._value if borrow else self._value.copy()

    def set_value(self, value, borrow: bool = False) -> None:
        array = np.asarray(value)
        if array.ndim != self.ndim:
            raise TypeError(
                f"shared variable {self.name or self}: expected {self.ndim} dimensions, "
                f"got shape {array.shape}"
            )
        if array.dtype != self.dtype:
            converted = array.astype(self.dtype)
            if not np.array_equal(converted, array):
                raise TypeError(
                    f"shared variable {self.name or self} holds {self.dtype}; "
                    f"{array.dtype} data would lose precision"
                )
            array = converted
        elif not borrow:
            array = array.copy()
        self._value = array

    def raw_value(self) -> np.ndarray:
        """The array compiled code reads: the value itself (for a generator, its
        state), not a copy."""
        return self._value

    def store_raw(self, array: np.ndarray) -> None:
        """Keep `array`, computed by compiled code for this variable."""
        self._value = array

    def __repr__(self) -> str:
        return self.name or f"<shared {self.dtype}[{self.ndim}]>"


def checked_updates(updates, where: str) -> list[tuple[SharedVariable, TensorVariable]]:
    """`updates` (a dict or pairs) as (shared variable, new value) pairs, after
    checking that each new value keeps its variable's dtype and rank."""
    from scanc.tensor.basic import as_tensor_variable

    pairs = list(updates.items()) if isinstance(updates, dict) else list(updates or [])
    checked: list[tuple[SharedVariable, TensorVariable]] = []
    for var, expr in pairs:
        if not isinstance(var, SharedVariable):
            raise TypeError(
                f"{where}: updates must be keyed by shared variables, not {var!r}"
            )
        expr = as_tensor_variable(expr)
        if (expr.dtype, expr.ndim) != (var.dtype, var.ndim):
            raise TypeError(
                f"{where}: the update of {var!r} has dtype {expr.dtype} and {expr.ndim} "
                f"dimensions; it must keep {var.dtype} and {var.ndim} (cast the update)"
            )
        if any(var is seen for seen, _ in checked):
            raise ValueError(f"{where}: shared variable {var!r} is updated twice")
        checked.append((var, expr))
    return checked


#: shared variables of other kinds of values (NumPy Generators): the
#: constructor for each value type
SHARED_CONSTRUCTORS: dict[type, Callable] = {}


def shared(
    value, name=None, strict=False, allow_downcast=None, borrow=False, shape=None
) -> SharedVariable:
    """A shared variable holding `value` (PyTensor's `shared`)."""
    for kind, constructor in SHARED_CONSTRUCTORS.items():
        if isinstance(value, kind):
            return constructor(value, name=name, borrow=borrow)
    array = np.array(value, copy=not borrow)
    if shape is None:
        shape = (None,) * array.ndim
    return register(SharedVariable, array, name, shape)


def register(
    cls: type[SharedVariable], array: np.ndarray, name, shape
) -> SharedVariable:
    """A new shared variable of class `cls` holding `array`."""
    type_ = dtypes.tensor_type(dtypes.canonical(array.dtype), shape)
    var = placeholder(type_, name, cls)
    var._value = array
    SHARED[var.value] = var
    return var
