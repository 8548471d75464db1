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
