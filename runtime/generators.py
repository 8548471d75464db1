"""NumPy `Generator`s as the compiled code's random states.

A random state is two int64 words, `[key, counter]`: the Philox4x32-10 key and
the number of blocks drawn so far. A NumPy `Generator` maps onto one this way:

- a Generator over NumPy's `Philox` bit generator whose key and counter use
  their first 64-bit word only (as the Generators scanc returns do) carries the
  state exactly: those two words;
- any other Generator (`np.random.default_rng(seed)`'s PCG64, ...) is read, not
  advanced: the key is a 64-bit number drawn from a copy of it, the counter 0.
  The same seed therefore gives the same key, and the same numbers.

The Generators scanc hands back (`get_value()`, outputs of generator type) are
`Generator(Philox(key=key, counter=counter))`: they carry the state, so
passing one back continues the sequence; drawing from one with NumPy's own
methods gives NumPy's numbers, not scanc's.
"""

from __future__ import annotations

import copy

import numpy as np

_WORD = 1 << 64


def generator_state(value, what: str) -> np.ndarray:
    """The `[key, counter]` state (int64) a NumPy Generator stands for."""
    if isinstance(value, np.random.RandomState):
        raise TypeError(
            f"{what}: np.random.RandomState is not supported; use "
            "np.random.default_rng(seed)"
        )
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{what}: expected a numpy.random.Generator, got {type(value).__name__}"
        )
    bits = value.bit_generator
    if _carries_state(bits):
        state = bits.state["state"]
        key, counter = int(state["key"][0]), int(state["counter"][0])
    else:
        copied = np.random.Generator(copy.deepcopy(bits))
        key, counter = int(copied.integers(0, _WORD, dtype=np.uint64)), 0
    return np.array([key, counter], dtype=np.uint64).view(np.int64)


def _carries_state(bits) -> bool:
    if not isinstance(bits, np.random.Philox):
        return False
    state = bits.state["state"]
    return not state["key"][1] and not state["counter"][1:].any()


def as_generator(state: np.ndarray) -> np.random.Generator:
    """A NumPy Generator carrying the `[key, counter]` state."""
    key, counter = (int(w) for w in np.asarray(state, dtype=np.int64).view(np.uint64))
    return np.random.Generator(np.random.Philox(key=key, counter=counter))
