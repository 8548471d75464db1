"""Lowering of `st.pack_panels`: a loop-invariant matrix copied in column
panels (the layout of `scanc.codegen.kernels`, `[panels, k, P]`) before the
loop that takes it (`pack-invariant-matrices` decides which).

The op waits (`Pending`) until that loop knows its steps; then, before the
loop, the sizes decide: `W` is packed when it has at least `min_bytes` and the
loop runs at least `min_steps` steps, else the buffer has no panels and the
products read `W` as they would without this (`Panels.packed` says which, for
`scanc.lowering.linalg`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scanc.dialects import st
from scanc.dtypes import dtype_of
from scanc.lowering.builder import element_type
from scanc.lowering.values import Buffer, Lowered
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


@dataclass
class Panels(Buffer):
    """`[panels, k, P]`, with no panels unless `packed`."""

    #: i1, computed before the loop: whether `W` was packed
    packed: SSAValue = None  # type: ignore[assignment]


@dataclass
class Pending(Lowered):
    """`st.pack_panels` until the loop that takes it lowers it (with the
    sizes of the matrix: the panels' are known once made)."""

    op: st.PackPanelsOp = None  # type: ignore[assignment]
    matrix: Lowered = None  # type: ignore[assignment]


def lower_pack_panels(lw: "Lowering", op: st.PackPanelsOp) -> Lowered:
    w = lw.get(op.matrix)
    return Pending(dtype_of(op.panels.type), w.sizes, op, w)


def make(lw: "Lowering", pending: Pending, steps: SSAValue) -> Panels:
    """The panels, made here (before a loop of `steps` steps) when worth it."""
    w, b, op = pending.matrix, lw.b, pending.op
    k, n = w.sizes
    itemsize = np.dtype(pending.dtype).itemsize
    columns = op.panels.type.get_shape()[2]
    elements = b.muli(k, n)
    least = b.const(op.min_bytes.value.data // itemsize)
    large = b.cmpi("sge", elements, least)
    long = b.cmpi("sge", steps, b.const(op.min_steps.value.data))
    packed = b.add(arith.AndIOp(large, long))
    width = b.const(columns)
    count = b.add(arith.DivSIOp(b.addi(n, b.const(columns - 1)), width))
    buffer = lw.new_buffer(
        pending.dtype, [b.select(packed, count, b.const(0)), k, width]
    )
    _pack(b, w, buffer)
    return Panels(buffer.dtype, buffer.sizes, buffer.ref, buffer.owned, packed)


def _pack(b, w: Lowered, panels: Buffer) -> None:
    """Copy `w` into `panels` (`scanc.codegen.kernels.panel_layout`), zero
    past its last column."""
    count, k, width = panels.sizes
    n = w.sizes[1]
    zero = b.const(0, element_type(panels.dtype))

    def row(q: SSAValue, i: SSAValue) -> None:
        first = b.muli(q, width)
        valid = b.mini(width, b.subi(n, first))
        b.for_(
            b.const(0),
            valid,
            lambda c, _: b.store(
                w.load(b, [i, b.addi(first, c)]), panels.ref, [q, i, c]
            ),
        )
        b.for_(valid, width, lambda c, _: b.store(zero, panels.ref, [q, i, c]))

    b.for_(
        b.const(0),
        count,
        lambda q, _: b.for_(b.const(0), k, lambda i, _: row(q, i)),
    )
