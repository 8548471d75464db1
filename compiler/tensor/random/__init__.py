"""`scanc.tensor.random`: random numbers the compiled code draws, from random
streams (below) or from generator variables passed as `rng=` to the
distributions of `scanc.tensor.random.basic` (PyMC's style; see there).

Every draw has its own state, a shared variable `[key, counter]` (int64): the key
comes from the stream's seed and the draw's number, so draws never share a
sequence; the counter counts the Philox4x32-10 blocks used so far. A draw's
default update advances its counter: `function` applies it after each call, and
`scan` applies it after each step of a loop whose step function draws (the scan
returns the final state in its updates; without them, every call repeats the
same numbers, as the guides describe).

    srng = RandomStream(1234)
    d = srng.binomial(size=W[1].shape)          # n=1, p=0.5
    h = srng.binomial(1, hmean, size=hmean.shape, dtype=scanc.config.floatX)
"""

from __future__ import annotations

import numpy as np
from scanc import dtypes
from scanc.frontend.generators import RandomGeneratorType, rng, shared_rng
from scanc.frontend.shared import SharedVariable, shared
from scanc.graph import TensorVariable, register_default_update
from scanc.tensor.random import basic
from scanc.tensor.random.basic import *  # noqa: F403
from scanc.tensor.random.basic import draw

_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _signed(x: int) -> int:
    return x - (1 << 64) if x >= 1 << 63 else x


class RandomStream:
    """PyTensor's `RandomStream`: a seed and the draws made from it."""

    def __init__(self, seed: int | None = None):
        self.default_seed = (
            seed
            if seed is not None
            else int(np.random.SeedSequence().entropy) & _MASK64
        )
        self.state_updates: list[tuple[SharedVariable, TensorVariable]] = []
        self._draws = 0

    def seed(self, seed: int) -> None:
        """Restart every draw of this stream from `seed`."""
        self.default_seed = seed
        for n, (state, _) in enumerate(self.state_updates):
            state.set_value(np.array([self._key(n), 0], dtype=np.int64))

    def _key(self, n: int) -> int:
        return _signed(_splitmix64((self.default_seed & _MASK64) ^ _splitmix64(n)))

    def _draw(
        self, fn: str, params, size, dtype: str, trials: int = 1
    ) -> TensorVariable:
        state = shared(
            np.array([self._key(self._draws), 0], dtype=np.int64),
            name=f"random_state_{self._draws}",
            shape=(2,),
        )
        self._draws += 1
        values, next_state = draw(
            fn, state, params, size, dtypes.canonical(dtype), trials
        )
        new_state = TensorVariable(next_state)
        register_default_update(state, new_state)
        self.state_updates.append((state, new_state))
        return values

    def uniform(self, low=0.0, high=1.0, size=None, dtype="floatX", **_):
        return self._draw("uniform", [low, high], size, dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype="floatX", **_):
        return self._draw("normal", [loc, scale], size, dtype)

    def binomial(self, n=1, p=0.5, size=None, dtype="int64", **_):
        """`n` trials with success probability `p`; `binomial(size=s)` alone is n=1,
        p=0.5, and a float `dtype` gives float counts (both as in the guides)."""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise NotImplementedError(
                "binomial: n must be a constant non-negative integer (it sets the "
                "random blocks each element uses)"
            )
        return self._draw("binomial", [n, p], size, dtype, trials=int(n))

    def bernoulli(self, p=0.5, size=None, dtype="int64", **_):
        return self._draw("binomial", [1, p], size, dtype, trials=1)

    def integers(self, low, high=None, size=None, dtype="int64", **_):
        """Integers in [low, high) (or [0, low) when `high` is None)."""
        if high is None:
            low, high = 0, low
        return self._draw("integers", [low, high], size, dtype)


__all__ = [
    "RandomGeneratorType",
    "RandomStream",
    "rng",
    "shared_rng",
    *basic.__all__,
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
