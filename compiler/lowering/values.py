"""What a graph tensor becomes in the `loops` stage.

- `Scalar`: a rank-0 tensor is one SSA scalar (kept in registers by LLVM).
- `Buffer`: a memref with its sizes; `owned` when it is a whole allocation.
- `Lazy`: an elementwise expression not yet stored anywhere: `load(idx)` emits the
  scalar code of one element. Chains of elementwise ops stay lazy, so they fuse
  into the one loop that finally stores them (no temporary per op).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scanc.lowering.builder import Builder, defining_block
from xdsl.ir import Block, SSAValue


@dataclass
class Lowered:
    dtype: str
    sizes: list[SSAValue]

    @property
    def rank(self) -> int:
        return len(self.sizes)

    def load(self, b: Builder, idx: Sequence[SSAValue]) -> SSAValue:
        raise NotImplementedError


@dataclass
class Scalar(Lowered):
    value: SSAValue = field(default=None)  # type: ignore[assignment]

    def load(self, b: Builder, idx: Sequence[SSAValue]) -> SSAValue:
        return self.value


@dataclass
class Buffer(Lowered):
    ref: SSAValue = field(default=None)  # type: ignore[assignment]
    owned: bool = False

    def load(self, b: Builder, idx: Sequence[SSAValue]) -> SSAValue:
        return b.load(self.ref, idx)


@dataclass
class Lazy(Lowered):
    element: Callable[[Builder, Sequence[SSAValue]], SSAValue] = field(default=None)  # type: ignore[assignment]

    def load(self, b: Builder, idx: Sequence[SSAValue]) -> SSAValue:
        return self.element(b, idx)


def store_into(
    b: Builder, value: Lowered, ref: SSAValue, sizes: Sequence[SSAValue]
) -> None:
    """Write every element of `value` into the memref `ref` of the same shape."""
    if value.rank == 0:
        b.store(value.load(b, []), ref, [])
        return
    b.loop_nest(sizes, lambda idx: b.store(value.load(b, idx), ref, idx), parallel=True)


@dataclass
class Scope:
    """Buffers to free at the end of a function or loop body. A loop body also
    knows its preheader and the blocks outside it (values defined there do not
    change between steps)."""

    buffers: list[Buffer] = field(default_factory=list)
    preheader: Block | None = None
    outside: frozenset = frozenset()
    #: a loop body's step number (0, 1, ...), once the body is being built
    step: SSAValue | None = None
    #: a loop's number of steps (at most that many with `until`), known before it
    steps: SSAValue | None = None
    #: the tiles of input products its `tiles` product computes, if any
    #: (`scanc.lowering.input_products.Tiles`)
    tiles: object = None

    @staticmethod
    def before_loop(b: Builder, steps: SSAValue) -> "Scope":
        return Scope(preheader=b.block, outside=frozenset(b.open_blocks), steps=steps)

    def is_invariant(self, values: list[SSAValue]) -> bool:
        return self.preheader is not None and all(
            defining_block(v) in self.outside for v in values
        )


def no_data(b, idx):
    """Element reader of a size-only stand-in: reading data there is an error."""
    raise NotImplementedError("scan: a map-like output's shape depends on loop data")
