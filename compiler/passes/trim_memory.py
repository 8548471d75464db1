"""The `trim-memory` pass: keep only the trace rows a loop's users read.

Expects: `scan.loop` ops at the graph/opt stage. When every use of a trace is
`st.subtensor %trace [-j]` with constant negative indices, the loop only needs
the last `max(j)` rows: the pass sets `keep` for that output, so lowering uses a
ring buffer instead of one row per step. The result is then the last
`min(keep, steps)` rows, so `trace[-j]` reads the same element (and an empty
trace still raises `IndexError`).

    %r = scan.loop steps(%k) outs(%a0 taps [-1] : ...) ...
    %last = st.subtensor %r ["i"](%c-1)
  becomes
    %r = scan.loop steps(%k) outs(%a0 taps [-1] : ... keep 1) ...

`scan.final %trace, %init` (the state after the last step) reads one row; a
trace nobody reads (the LSTM's cell state) keeps one.
Untouched: traces returned or used by anything else (whole-sequence readers).
"""

from __future__ import annotations

from scanc.dialects.scan import ALL_ROWS, FinalOp, LoopOp
from scanc.dialects.st import SubtensorOp
from xdsl.context import Context
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    ModuleOp,
    i64,
)
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass


def _constant_int(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, ConstantOp) and isinstance(
        owner.value, DenseIntOrFPElementsAttr
    ):
        values = owner.value.get_values()
        if len(values) == 1:
            return int(values[0])
    return None


def rows_read(trace: SSAValue) -> int | None:
    """How many trailing rows the users of `trace` read, or None if not bounded.
    A trace nobody reads keeps one row (the loop still computes the output, which
    may feed the other outputs)."""
    if not trace.uses:
        return 1
    needed = 0
    for use in trace.uses:
        user = use.operation
        if isinstance(user, FinalOp) and use.index == 0:
            needed = max(needed, 1)
            continue
        if not isinstance(user, SubtensorOp) or use.index != 0:
            return None
        if not user.entries() or user.entries()[0] != "i":
            return None
        index = _constant_int(user.indices[0])
        if index is None or index >= 0:
            return None
        needed = max(needed, -index)
    return needed or None


class TrimMemoryPass(ModulePass):
    name = "trim-memory"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for loop in op.walk():
            if not isinstance(loop, LoopOp):
                continue
            keep = loop.keep_rows()
            for n, trace in enumerate(loop.traces):
                rows = rows_read(trace)
                if rows is not None and (keep[n] == ALL_ROWS or rows < keep[n]):
                    keep[n] = rows
            loop.keep = DenseArrayBase.from_list(i64, keep)
