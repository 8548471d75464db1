"""`scanc.tensor.random`: random streams whose numbers the compiled code draws.

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
from scanc.dialects import st
from scanc import dtypes
from scanc.graph import TensorVariable, emit, register_default_update
from scanc.frontend.shared import SharedVariable, shared
from scanc.tensor import basic as T

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
        params = [T.cast(T.as_tensor_variable(p), "float64") for p in params]
        shape, sizes = _shape(size, params)
        for p in params:
            if p.ndim > len(shape):
                raise ValueError(f"{fn}: parameter {p} has more dimensions than size")
            T._broadcast_shape(
                [[1] * (len(shape) - p.ndim) + list(p.ir_type.get_shape()), shape]
            )
        params = [T._align(p, len(shape)) for p in params]
        state = shared(
            np.array([self._key(self._draws), 0], dtype=np.int64),
            name=f"random_state_{self._draws}",
            shape=(2,),
        )
        self._draws += 1
        op = emit(
            st.RandomOp(
                fn,
                state.value,
                [s.value for s in sizes],
                [p.value for p in params],
                dtypes.tensor_type(
                    dtypes.canonical(dtype), [None if d == T.DYN else d for d in shape]
                ),
                trials,
            )
        )
        values = TensorVariable(op.results[0])
        new_state = TensorVariable(op.results[1])
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


def _shape(size, params) -> tuple[list[int], list[TensorVariable]]:
    """Static shape and int64 size variables of a draw's result."""
    if size is None:
        shape = (
            T._broadcast_shape([list(p.ir_type.get_shape()) for p in params] or [[]])
            if any(p.ndim for p in params)
            else []
        )
        if T.DYN in shape:
            raise NotImplementedError(
                "a draw without size needs parameters of static shape"
            )
        size = shape
    if isinstance(size, (int, np.integer, TensorVariable)) and not (
        isinstance(size, TensorVariable) and size.ndim == 1
    ):
        size = [size]
    sizes = [T._int_scalar(s, "size") for s in size]
    shape = [T._static_int(s) for s in sizes]
    return [T.DYN if d is None else d for d in shape], sizes


__all__ = ["RandomStream"]
