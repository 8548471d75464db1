"""Random generators as PyTensor's programs thread them (PyMC's style).

A generator variable is a random state, `[key, counter]` (int64, see
`scanc.runtime.generators` for how a NumPy `Generator` maps onto it). Every
draw from it (`scanc.tensor.random.normal(..., rng=g)` or `g.normal()`) gives a
next state alongside the values; nothing advances by itself:

    rng = scanc.shared(np.random.default_rng(42))
    next_rng, x = scanc.tensor.random.normal(0, 1, rng=rng).owner.outputs
    f = scanc.function([], x, updates={rng: next_rng})   # new numbers per call

Inside `scan`, pass the generator in `outputs_info` (the step returns the next
one; scan returns the state after the last step) or update a shared one from
the step (`{rng: next_rng}`).
"""

from __future__ import annotations

import numpy as np
from scanc.frontend.shared import SHARED_CONSTRUCTORS, SharedVariable, register
from scanc.dtypes import tensor_type
from scanc.graph import TensorVariable, placeholder
from scanc.runtime.generators import as_generator, generator_state


class RandomGeneratorType:
    """The type of generator variables (PyTensor's `RandomGeneratorType`)."""

    ndim = 1
    dtype = "int64"
    shape = (2,)

    def __call__(self, name: str | None = None) -> "RandomGeneratorVariable":
        return rng(name)

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomGeneratorType)

    def __hash__(self) -> int:
        return hash(RandomGeneratorType)

    def __repr__(self) -> str:
        return "RandomGeneratorType"


class RandomGeneratorVariable(TensorVariable):
    """A generator's state in the graph; its methods (one per distribution of
    `scanc.tensor.random.basic`, which adds them) draw and return
    `(next_rng, values)` (`g.normal(0, 1, size=3)`)."""

    __slots__ = ()

    @property
    def type(self) -> RandomGeneratorType:  # type: ignore[override]
        return RandomGeneratorType()

    def __repr__(self) -> str:
        return self.name or "RandomGenerator"

    __str__ = __repr__


RandomGeneratorVariable.symbolic_class = RandomGeneratorVariable


class RandomGeneratorSharedVariable(SharedVariable, RandomGeneratorVariable):
    """A shared generator: `get_value()` is a NumPy Generator carrying its state
    (a new object each time; `borrow` changes nothing), `set_value` takes a
    Generator, or `seed=` to restart from `np.random.default_rng(seed)`."""

    __slots__ = ()

    def get_value(self, borrow: bool = False) -> np.random.Generator:
        return as_generator(self._value)

    def set_value(self, value=None, borrow: bool = False, *, seed=None) -> None:
        if seed is not None:
            value = np.random.default_rng(seed)
        self._value = generator_state(value, f"shared variable {self!r}")

    def __repr__(self) -> str:
        return self.name or "RandomGeneratorShared"

    __str__ = __repr__


def _shared_generator(value, name=None, borrow=False, **_) -> SharedVariable:
    return register(
        RandomGeneratorSharedVariable,
        generator_state(value, "shared"),
        name,
        shape=(2,),
    )


# a RandomState is refused by generator_state, naming the replacement
SHARED_CONSTRUCTORS[np.random.Generator] = _shared_generator
SHARED_CONSTRUCTORS[np.random.RandomState] = _shared_generator


def rng(name: str | None = None) -> RandomGeneratorVariable:
    """A symbolic generator input: a function taking it is called with a NumPy
    Generator (PyTensor's `pt.random.rng`)."""
    return placeholder(tensor_type("int64", (2,)), name, RandomGeneratorVariable)


def shared_rng(value=None, *, seed=None, name=None, borrow=False):
    """A shared generator holding `value` (a NumPy Generator) or
    `np.random.default_rng(seed)` (PyTensor's `pt.random.shared_rng`)."""
    if value is None:
        value = np.random.default_rng(seed)
    return _shared_generator(value, name)
