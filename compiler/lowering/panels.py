"""A loop-invariant matrix of `x . W`, packed once in column panels.

Inside a loop, `x . W` with `W` defined outside it reads all of `W` at every
step. When `W` is large (at least the target's `pack_min_bytes`) and the loop
runs at least `pack_min_steps` steps, `W` is copied before the outermost loop
it does not change in into the panel layout of `scanc.codegen.kernels` (an
array `[panels, k, P]`: panel `q` holds columns `q * P` to `q * P + P - 1` of
every row, zero past the last column) and the product is the panel kernel op.
Both conditions are checked at run time before that loop; when they fail, the
buffer has no panels and the product runs as it would without this (see
`scanc.lowering.linalg`). `W` is
unchanged in a loop when its tensor is defined outside the loop or is one of
the loop's invariants (a buffer defined outside may still be refilled at every
step, so buffers alone do not tell).

The copy costs about one step's reading of `W` (47 us for 256 x 1024 float64,
against 22 us per step); the kernel then saves 5 to 20% of every step for
matrices larger than L2 (see `scanc.codegen.kernels`), nothing for smaller
ones, hence the two thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scanc.codegen import kernels
from scanc.dialects import st
from scanc.dialects.scan import LoopOp
from scanc.lowering.builder import element_type
from scanc.lowering.values import Buffer, Lowered
from xdsl.dialects import arith
from xdsl.ir import BlockArgument, IRNode, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


@dataclass
class Panels:
    #: whether `W` was packed (i1, computed before the loop)
    packed: SSAValue
    #: `[panels, k, P]`; no panels when not `packed`
    buffer: Buffer


def pack_invariant_matrix(lw: "Lowering", op: st.DotOp, dt: str) -> Panels | None:
    """The matrix of `op` packed in panels before the outermost loop it does
    not change in, or None when it changes in the innermost loop."""
    unchanged, outside = _loops_unchanged_in(op)
    if unchanged == 0:
        return None
    loop = [scope for scope in lw.scopes if scope.steps is not None][-unchanged]
    # the value as defined outside that loop (not a copy made inside it)
    w, b = lw.get(outside), lw.b
    with b.at(loop.preheader):
        k, n = w.sizes
        itemsize = np.dtype(dt).itemsize
        columns = kernels.panel_columns(itemsize)
        elements = b.muli(k, n)
        least = b.const(lw.target.pack_min_bytes // itemsize)
        large = b.cmpi("sge", elements, least)
        long = b.cmpi("sge", loop.steps, b.const(lw.target.pack_min_steps))
        packed = b.add(arith.AndIOp(large, long))
        width = b.const(columns)
        count = b.add(arith.DivSIOp(b.addi(n, b.const(columns - 1)), width))
        buffer = lw.new_buffer(dt, [b.select(packed, count, b.const(0)), k, width])
        _pack(b, w, buffer)
    return Panels(packed, buffer)


def _loops_unchanged_in(op: st.DotOp) -> tuple[int, SSAValue]:
    """How many of the scan loops around `op`, innermost first, leave its
    matrix unchanged (it is defined outside the loop or is one of the loop's
    invariants, then followed out of the loop), and the matrix as defined
    outside the last of them."""
    value, count = op.rhs, 0
    loop = op.parent_op()
    while loop is not None:
        if isinstance(loop, LoopOp):
            if isinstance(value, BlockArgument) and value.block is loop.body.block:
                outer = loop.invariant_operand(value)
                if outer is None:
                    break
                value = outer
            elif loop.is_ancestor(_definition(value)):
                break
            count += 1
        loop = loop.parent_op()
    return count, value


def _definition(value: SSAValue) -> IRNode:
    return value.block if isinstance(value, BlockArgument) else value.owner


def _pack(b, w: Lowered, panels: Buffer) -> None:
    """Copy `w` into `panels`, zero past its last column."""
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
