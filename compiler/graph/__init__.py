"""Symbolic variables: thin wrappers around SSA values of detached dialect ops.

Every frontend call builds one op right away (`st.*`, `arith.constant`,
`scan.loop`) whose operands are the SSA values of earlier ops; nothing is inserted
in a block until `function` clones the slice it needs into a `func.func`. While
`scan` calls the user's step function, the ops built are recorded in a scope, so
`scan` knows exactly which computations belong to the loop body.
"""

from __future__ import annotations

import copy
import re

from collections.abc import Iterator
from typing import ClassVar
from contextlib import contextmanager

from scanc import dtypes
from scanc.dialects import st
from xdsl.dialects.builtin import DYNAMIC_INDEX
from xdsl.dialects.builtin import TensorType as IRTensorType
from xdsl.ir import Operation, SSAValue


class Scope:
    """What a step function builds: its ops, and the default updates of the random
    states it draws from (scan turns those into per-step state)."""

    def __init__(self) -> None:
        self.ops: list[Operation] = []
        self.default_updates: dict = {}


_scopes: list[Scope] = []

#: default updates of random states drawn from outside any step function;
#: `function` applies them unless told otherwise
DEFAULT_UPDATES: dict = {}


def emit(op: Operation) -> Operation:
    """Record a freshly built op in the innermost open scan scope."""
    if _scopes:
        _scopes[-1].ops.append(op)
    return op


def register_default_update(state, new_value) -> None:
    """`state` (a shared variable) should become `new_value` after each call or,
    inside a step function, after each step."""
    (_scopes[-1].default_updates if _scopes else DEFAULT_UPDATES)[state] = new_value


@contextmanager
def recording_scope() -> Iterator[Scope]:
    """Collect what is built inside the `with` block (nested scopes nest: the
    outer scope also records the inner one's ops)."""
    scope = Scope()
    _scopes.append(scope)
    try:
        yield scope
    finally:
        _scopes.pop()
        if _scopes:
            _scopes[-1].ops.extend(scope.ops)


class TensorType:
    """The type of a tensor variable as PyTensor spells it: a dtype and a static
    shape whose entries are ints or None (unknown until the function runs).

    `TensorType("float64", shape=(None, 3))("x")` makes a new input of that type,
    as `x.type()` makes one of `x`'s type."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape=None, *, broadcastable=None, name=None):
        if shape is None:
            if broadcastable is None:
                raise TypeError("TensorType needs shape= (or broadcastable=)")
            shape = tuple(1 if b else None for b in broadcastable)
        shape = tuple(None if d is None else int(d) for d in shape)
        if any(d is not None and d < 0 for d in shape):
            raise ValueError(f"TensorType: negative size in shape {shape}")
        self.dtype = dtypes.canonical(dtype)
        self.shape = shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return tuple(d == 1 for d in self.shape)

    def __call__(self, name: str | None = None) -> "TensorVariable":
        return placeholder(dtypes.tensor_type(self.dtype, self.shape), name)

    def clone(self, dtype=None, shape=None) -> "TensorType":
        return TensorType(
            self.dtype if dtype is None else dtype,
            self.shape if shape is None else shape,
        )

    def is_super(self, other: "TensorType") -> bool:
        """Whether every value of `other` is a value of this type."""
        return (
            isinstance(other, TensorType)
            and other.dtype == self.dtype
            and other.ndim == self.ndim
            and all(s is None or s == o for s, o in zip(self.shape, other.shape))
        )

    def in_same_class(self, other: "TensorType") -> bool:
        return self.is_super(other) and other.is_super(self)

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorType) and (self.dtype, self.shape) == (
            other.dtype,
            other.shape,
        )

    def __hash__(self) -> int:
        return hash((TensorType, self.dtype, self.shape))

    def __repr__(self) -> str:
        return f"TensorType({self.dtype}, shape={self.shape})"


class TensorVariable:
    """A symbolic tensor: an SSA value with a builtin `tensor` type."""

    __slots__ = ("value", "_name", "__weakref__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to us

    def __init__(self, value: SSAValue, name: str | None = None):
        assert isinstance(value.type, IRTensorType), value.type
        self.value = value
        self.name = name

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, name: str | None) -> None:
        """A name also names the value in the IR (as `ir_name` spells it), so
        dumps and `scanc.printing` show it."""
        self._name = name
        if name:
            self.value.name_hint = ir_name(name)

    # -- type ---------------------------------------------------------------------
    @property
    def ir_type(self) -> IRTensorType:
        """The IR's `tensor<...>` type of the value."""
        return self.value.type  # type: ignore[return-value]

    @property
    def type(self) -> TensorType:
        """PyTensor's view of the type: `x.type.dtype`, `.shape`, `.ndim`."""
        return TensorType(self.dtype, self.static_shape)

    @property
    def dtype(self) -> str:
        return dtypes.dtype_of(self.ir_type)

    @property
    def ndim(self) -> int:
        return self.ir_type.get_num_dims()

    @property
    def static_shape(self) -> tuple[int | None, ...]:
        return tuple(
            None if d == DYNAMIC_INDEX else d for d in self.ir_type.get_shape()
        )

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return tuple(d == 1 for d in self.ir_type.get_shape())

    @property
    def owner(self) -> "Apply | None":
        """The computation that makes this variable (None for an input)."""
        op = self.value.owner
        return Apply(op, self.value) if isinstance(op, Operation) else None

    #: the class of a variable standing for this one inside a step function
    symbolic_class: ClassVar[type] = None  # type: ignore[assignment]

    @property
    def shape(self) -> "ShapeTuple":
        return ShapeTuple(self)

    def __repr__(self) -> str:
        shape = ",".join("?" if d is None else str(d) for d in self.static_shape)
        owner = self.value.owner
        owner = owner if isinstance(owner, Operation) else None
        label = (
            self.name
            or getattr(getattr(owner, "var_name", None), "data", "")
            or (owner.name if owner else "arg")
        )
        return f"{label}:{self.dtype}[{shape}]"

    __str__ = __repr__

    def __bool__(self) -> bool:
        raise TypeError(
            "a symbolic variable has no truth value; use scanc.tensor.switch or "
            "scan's until for conditions"
        )

    def __len__(self) -> int:
        raise TypeError("len() of a symbolic variable is unknown; use x.shape[0]")

    def __iter__(self):
        raise TypeError("a symbolic variable is not iterable; use scan to loop")

    # -- operators (implemented in scanc.tensor) -------------------------------------
    def _t(self):
        from scanc import tensor

        return tensor

    def __add__(self, other):
        return self._t().add(self, other)

    def __radd__(self, other):
        return self._t().add(other, self)

    def __sub__(self, other):
        return self._t().sub(self, other)

    def __rsub__(self, other):
        return self._t().sub(other, self)

    def __mul__(self, other):
        return self._t().mul(self, other)

    def __rmul__(self, other):
        return self._t().mul(other, self)

    def __truediv__(self, other):
        return self._t().true_div(self, other)

    def __rtruediv__(self, other):
        return self._t().true_div(other, self)

    def __floordiv__(self, other):
        return self._t().int_div(self, other)

    def __rfloordiv__(self, other):
        return self._t().int_div(other, self)

    def __mod__(self, other):
        return self._t().mod(self, other)

    def __rmod__(self, other):
        return self._t().mod(other, self)

    def __pow__(self, other):
        return self._t().pow(self, other)

    def __rpow__(self, other):
        return self._t().pow(other, self)

    def __neg__(self):
        return self._t().neg(self)

    def __abs__(self):
        return self._t().abs(self)

    def __invert__(self):
        return self._t().invert(self)

    def __and__(self, other):
        return self._t().and_(self, other)

    def __rand__(self, other):
        return self._t().and_(other, self)

    def __or__(self, other):
        return self._t().or_(self, other)

    def __ror__(self, other):
        return self._t().or_(other, self)

    def __xor__(self, other):
        return self._t().xor(self, other)

    def __rxor__(self, other):
        return self._t().xor(other, self)

    def __lt__(self, other):
        return self._t().lt(self, other)

    def __le__(self, other):
        return self._t().le(self, other)

    def __gt__(self, other):
        return self._t().gt(self, other)

    def __ge__(self, other):
        return self._t().ge(self, other)

    def __matmul__(self, other):
        return self._t().dot(self, other)

    def __rmatmul__(self, other):
        return self._t().dot(other, self)

    @property
    def T(self):  # noqa: N802 - numpy's name
        return self._t().transpose(self)

    def transpose(self, *axes):
        return self._t().transpose(self, axes or None)

    def dimshuffle(self, *pattern):
        return self._t().dimshuffle(self, *pattern)

    def dot(self, other):
        return self._t().dot(self, other)

    def __getitem__(self, index):
        return self._t().subtensor(self, index)

    def sum(self, axis=None, dtype=None, keepdims=False):
        return self._t().sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False):
        return self._t().prod(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return self._t().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return self._t().min(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        return self._t().mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return self._t().all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return self._t().any(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return self._t().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return self._t().argmin(self, axis=axis, keepdims=keepdims)

    def sort(self, axis=-1, kind=None, order=None):
        return self._t().sort(self, axis=axis, kind=kind, order=order)

    def argsort(self, axis=-1, kind=None, order=None):
        return self._t().argsort(self, axis=axis, kind=kind, order=order)

    def reshape(self, *shape, ndim=None):
        if len(shape) == 1 and not isinstance(shape[0], (int, TensorVariable)):
            shape = shape[0]
        return self._t().reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return self._t().flatten(self, ndim)

    def diagonal(self, offset=0):
        return self._t().diagonal(self, offset)

    def astype(self, dtype):
        return self._t().cast(self, dtype)

    @property
    def mT(self):  # noqa: N802 - numpy's name
        return self._t().matrix_transpose(self)

    def ravel(self):
        return self._t().flatten(self)

    def squeeze(self, axis=None):
        return self._t().squeeze(self, axis)

    def swapaxes(self, axis1, axis2):
        return self._t().swapaxes(self, axis1, axis2)

    def clip(self, a_min, a_max):
        return self._t().clip(self, a_min, a_max)

    def round(self, mode=None):
        return self._t().round(self)

    def copy(self, name=None):
        """The same values (graph values are never changed in place), as a
        variable of the same kind."""
        clone = copy.copy(self)
        clone.name = name or self.name
        return clone

    def zeros_like(self, dtype=None):
        return self._t().zeros_like(self, dtype)

    def ones_like(self, dtype=None):
        return self._t().ones_like(self, dtype)

    def set(self, y, **kwargs):
        """`set_subtensor(self, y)` for an indexed variable (`x[i].set(y)`)."""
        return self._t().set_subtensor(self, y, **kwargs)

    def inc(self, y, **kwargs):
        return self._t().inc_subtensor(self, y, **kwargs)

    def eval(self, inputs_to_values=None):
        """The value, computed by a function of the inputs given (a dict from
        input variables to values)."""
        from scanc.frontend.function import function

        given = dict(inputs_to_values or {})
        return function(list(given), self, on_unused_input="ignore")(*given.values())


TensorVariable.symbolic_class = TensorVariable

#: values that are random draws: the next state of the generator they were
#: drawn from (PyTensor's `draw.owner.outputs` is `[next_rng, draw]`)
DRAWS: dict[SSAValue, "TensorVariable"] = {}


class Apply:
    """PyTensor's view of the op computing a variable: `op` (the IR operation),
    `inputs` and `outputs` as variables. For a random draw, `outputs` is
    `[next_rng, draw]`, as PyTensor's random variables give them."""

    __slots__ = ("op", "_of")

    def __init__(self, op: Operation, of: SSAValue):
        self.op, self._of = op, of

    @property
    def inputs(self) -> list[TensorVariable]:
        return [
            TensorVariable(v)
            for v in self.op.operands
            if isinstance(v.type, IRTensorType)
        ]

    @property
    def outputs(self) -> list[TensorVariable]:
        if self._of in DRAWS:
            return [DRAWS[self._of], TensorVariable(self._of)]
        return [TensorVariable(r) for r in self.op.results]

    def __repr__(self) -> str:
        return f"Apply({self.op.name})"


def _method(name: str):
    def method(self):
        return getattr(self._t(), name)(self)

    method.__name__ = name
    method.__doc__ = f"`scanc.tensor.{name}` of this variable."
    return method


# the elementwise functions PyTensor's variables have as methods
for _name in (
    "arccos arcsin arctan arctanh ceil cos cosh exp exp2 expm1 floor log log10 "
    "log1p log2 sin sinh sqrt tan tanh"
).split():
    setattr(TensorVariable, _name, _method(_name))


class ShapeTuple:
    """`x.shape`: indexable by int (`x.shape[0]` is an int64 scalar variable)."""

    __slots__ = ("var",)

    def __init__(self, var: TensorVariable):
        self.var = var

    def __len__(self) -> int:
        return self.var.ndim

    def __getitem__(self, axis: int) -> TensorVariable:
        from scanc import tensor

        if isinstance(axis, slice):
            return [self[i] for i in range(self.var.ndim)[axis]]  # type: ignore
        return tensor.dim(self.var, axis)

    def __iter__(self):
        return (self[i] for i in range(self.var.ndim))


def ir_name(name: str | None) -> str | None:
    """`name` as the IR spells value names ([A-Za-z0-9_$.-], not starting with a
    digit): any other character becomes `_`. None for an empty name."""
    if not name:
        return None
    spelled = re.sub(r"[^A-Za-z0-9_$.-]", "_", name)
    return f"_{spelled}" if spelled[0].isdigit() else spelled


def placeholder(
    type_: IRTensorType, name: str | None, kind: type = TensorVariable
) -> TensorVariable:
    """A new graph input of `type_`: a `kind` variable (a generator variable for
    a generator's state)."""
    return kind(emit(st.PlaceholderOp(name or "", type_)).results[0], name)


def wrap(op: Operation, name: str | None = None) -> TensorVariable:
    """Record `op` and return its single result as a variable."""
    emit(op)
    return TensorVariable(op.results[0], name)


def __getattr__(name: str):
    """`scanc.graph.clone_replace` and `graph_replace`, as `pytensor.graph`
    has them (imported on first use: they are built on the frontend, which is
    built on this module)."""
    if name in ("clone_replace", "graph_replace"):
        from scanc.graph import replace

        return getattr(replace, name)
    raise AttributeError(f"module 'scanc.graph' has no attribute {name!r}")
