"""Lowering of `st.argsort`: a bottom-up merge sort of indices, row by row.

For each row (every index of the axes before the last), the result row starts
as `0, 1, ..., n - 1`; passes of width 1, 2, 4, ... merge neighbouring sorted
runs into a scratch row of `n` indices, which is copied back. A merge takes from
the left run unless the right run's element is strictly smaller, so equal
elements keep their order (stable). Floats order NaN after everything, as
NumPy does. O(n log n) comparisons per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc import dtypes
from scanc.dialects import st
from scanc.lowering.builder import Builder, element_type
from scanc.lowering.values import Lowered
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def lower_argsort(lw: "Lowering", op: st.ArgsortOp) -> Lowered:
    b = lw.b
    source = lw.materialize(lw.get(op.input))
    rows, n = source.sizes[:-1], source.sizes[-1]
    out = lw.new_buffer("int64", source.sizes)
    scratch = lw.new_buffer("int64", [n])
    i64 = element_type("int64")

    def sort_row(row: list[SSAValue]) -> None:
        b.for_(
            b.const(0),
            n,
            lambda i, _: b.store(b.from_index(i, i64), out.ref, [*row, i]),
        )

        def key(index: SSAValue) -> SSAValue:
            return source.load(b, [*row, b.to_index(index)])

        def merge_pass(carried: list[SSAValue]) -> tuple[SSAValue, list[SSAValue]]:
            (width,) = carried
            b.for_(
                b.const(0),
                n,
                lambda lo, _: _merge(
                    b, out.ref, scratch.ref, row, lo, width, n, key, source.dtype
                ),
                step=b.muli(width, b.const(2)),
            )
            b.for_(
                b.const(0),
                n,
                lambda i, _: b.store(b.load(scratch.ref, [i]), out.ref, [*row, i]),
            )
            doubled = b.muli(width, b.const(2))
            return b.cmpi("slt", doubled, n), [doubled]

        b.repeat([b.const(1)], merge_pass)

    b.loop_nest(rows, sort_row)
    return out


def _merge(b: Builder, ref, scratch, row, lo, width, n, key, dtype: str) -> None:
    """Merge the sorted runs `[lo, lo + width)` and `[lo + width, lo + 2 width)`
    (cut at `n`) of the row of indices into `scratch[lo:hi]`."""
    mid = b.mini(b.addi(lo, width), n)
    hi = b.mini(b.addi(mid, width), n)
    one = b.const(1)

    def take(k, carried):
        i, j = carried
        # clamped reads: an exhausted run's position is not read from
        left = b.load(ref, [*row, b.mini(i, b.subi(mid, one))])
        right = b.load(ref, [*row, b.maxi(b.mini(j, b.subi(hi, one)), lo)])
        left_open = b.cmpi("slt", i, mid)
        right_open = b.cmpi("slt", j, hi)
        right_first = b.add(
            arith.AndIOp(right_open, _less(b, key(right), key(left), dtype))
        )
        from_left = b.add(
            arith.AndIOp(
                left_open,
                b.add(arith.XOrIOp(right_first, b.const(1, right_first.type))),
            )
        )
        b.store(b.select(from_left, left, right), scratch, [k])
        return [
            b.select(from_left, b.addi(i, one), i),
            b.select(from_left, j, b.addi(j, one)),
        ]

    b.for_(lo, hi, take, [lo, mid])


def _less(b: Builder, x: SSAValue, y: SSAValue, dtype: str) -> SSAValue:
    """`x < y` in NumPy's sort order (NaN after every number)."""
    if not dtypes.is_float(dtype):
        signed = dtype not in ("uint8", "bool")
        return b.cmpi("slt" if signed else "ult", x, y)
    ordered_less = b.add(arith.CmpfOp(x, y, "olt"))
    x_number = b.add(arith.CmpfOp(x, x, "ord"))
    y_nan = b.add(arith.CmpfOp(y, y, "uno"))
    return b.add(arith.OrIOp(ordered_less, b.add(arith.AndIOp(x_number, y_nan))))
