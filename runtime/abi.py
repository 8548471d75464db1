"""The call ABI between Python and a compiled function: one int64 "frame".

A compiled function is `int32 entry(int64 *frame)`. The frame holds, in order:

- per input of rank 0: its value (float64 bits for floats, int64 for ints);
- per input of rank r: data pointer and r sizes of a C-contiguous array (the
  caller copies other layouts, so the callee knows the innermost stride is 1);
- per output of rank 0: its value, written by the callee as above;
- per output of rank r: data pointer (malloc'ed, owned by the caller after the
  call), r sizes.

The return value is 0, or 1 + the index of the run-time check that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Slot:
    offset: int
    rank: int


@dataclass(frozen=True)
class FrameLayout:
    inputs: tuple[Slot, ...]
    outputs: tuple[Slot, ...]
    size: int

    @staticmethod
    def of(input_ranks: list[int], output_ranks: list[int]) -> "FrameLayout":
        offset = 0
        inputs = []
        for rank in input_ranks:
            inputs.append(Slot(offset, rank))
            offset += 1 + rank
        outputs = []
        for rank in output_ranks:
            outputs.append(Slot(offset, rank))
            offset += 1 + rank
        return FrameLayout(tuple(inputs), tuple(outputs), max(offset, 1))


@dataclass(frozen=True)
class Param:
    """One parameter of a compiled function: its name, dtype and shape (None
    for a size known only at run time); a `generator` parameter is a random
    state that the caller sees as a NumPy Generator (`scanc.runtime.generators`)."""

    name: str
    dtype: np.dtype
    shape: tuple[int | None, ...]
    generator: bool = False

    @cached_property
    def rank(self) -> int:
        return len(self.shape)

    @cached_property
    def int_range(self) -> tuple[int, int]:
        info = np.iinfo(self.dtype)
        return int(info.min), int(info.max)

    @cached_property
    def static_sizes(self) -> bool:
        return any(size is not None for size in self.shape)
