"""Lowering of layout ops: transpose, reshape and diagonal are index maps over
their input (`Lazy`), concatenate stores each input into its slice of a buffer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import st
from scanc.lowering.builder import subview
from scanc.lowering.elementwise import dtype
from scanc.lowering.values import Lazy, Lowered, store_into
from xdsl.dialects import arith

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def lower_transpose(lw: "Lowering", op: st.TransposeOp) -> Lowered:
    value = lw.get(op.input)
    perm = list(op.perm.get_values())

    def element(b, idx):
        source_idx = [None] * len(perm)
        for axis, p in enumerate(perm):
            source_idx[p] = idx[axis]
        return value.load(b, source_idx)

    return Lazy(value.dtype, [value.sizes[p] for p in perm], element)


def _flatten(b, idx, sizes):
    flat = b.const(0)
    for i, size in zip(idx, sizes):
        flat = b.addi(b.muli(flat, size), i)
    return flat


def unflatten(b, flat, sizes):
    idx = []
    for size in reversed(sizes[1:]):
        idx.insert(0, b.add(arith.RemSIOp(flat, size)))
        flat = b.add(arith.DivSIOp(flat, size))
    return [flat, *idx] if sizes else []


def lower_reshape(lw: "Lowering", op: st.ReshapeOp) -> Lowered:
    b = lw.b
    value = lw.get(op.input)
    asked = [b.to_index(lw.get(d).load(b, [])) for d in op.dims]
    sizes = reshaped_sizes(b, asked, value.sizes)
    if value.rank == 0:
        return Lazy(value.dtype, sizes, lambda b_, idx: value.load(b_, []))
    return Lazy(
        value.dtype,
        sizes,
        lambda b_, idx: value.load(
            b_, unflatten(b_, _flatten(b_, idx, sizes), value.sizes)
        ),
    )


def reshaped_sizes(b, asked: list, old_sizes: list) -> list:
    """The sizes `asked`, checked as NumPy checks them: each one non-negative or
    -1 (at most one, inferred from the others), the element count kept, every
    product checked for overflow."""
    zero, one, minus_one = b.const(0), b.const(1), b.const(-1)
    inferred = zero
    for size in asked:
        b.check(
            b.cmpi("sge", size, minus_one),
            "ValueError: reshape sizes must be non-negative, or -1 for one inferred",
        )
        inferred = b.addi(inferred, b.select(b.cmpi("eq", size, minus_one), one, zero))
    b.check(b.cmpi("sle", inferred, one), "ValueError: reshape can only infer one size")
    overflow = "ValueError: reshape sizes overflow the number of elements"
    total = b.checked_product(old_sizes, overflow)
    known_sizes = [b.select(b.cmpi("eq", s, minus_one), one, s) for s in asked]
    known = b.checked_product(known_sizes, overflow)
    divisor = b.select(b.cmpi("eq", known, zero), one, known)
    divides = b.all_of(
        [
            b.cmpi("ne", known, zero),
            b.cmpi("eq", b.add(arith.RemSIOp(total, divisor)), zero),
        ]
    )
    b.check(
        b.select(b.cmpi("ne", inferred, zero), divides, b.cmpi("eq", known, total)),
        "ValueError: reshape must keep the number of elements",
    )
    missing = b.add(arith.DivSIOp(total, divisor))
    return [b.select(b.cmpi("eq", s, minus_one), missing, s) for s in asked]


def lower_concatenate(lw: "Lowering", op: st.ConcatenateOp) -> Lowered:
    """Store each input into its slice of one new buffer."""
    b = lw.b
    axis = op.axis.value.data
    parts = [lw.get(v) for v in op.inputs]
    first = parts[0]
    for n, part in enumerate(parts[1:], start=1):
        for a in range(first.rank):
            if a != axis and part.sizes[a] is not first.sizes[a]:
                b.check(
                    b.cmpi("eq", part.sizes[a], first.sizes[a]),
                    f"ValueError: concatenate input {n} differs in size along axis {a}",
                )
    total = b.const(0)
    for part in parts:
        total = b.addi(total, part.sizes[axis])
    sizes = [total if a == axis else s for a, s in enumerate(first.sizes)]
    out = lw.new_buffer(dtype(op.result), sizes)
    offset = b.const(0)
    one = b.const(1)
    for part in parts:
        offsets = [offset if a == axis else b.const(0) for a in range(first.rank)]
        view = subview(b, out.ref, offsets, part.sizes, [one] * first.rank, first.rank)
        store_into(b, part, view, part.sizes)
        offset = b.addi(offset, part.sizes[axis])
    return out


def lower_diagonal(lw: "Lowering", op: st.DiagonalOp) -> Lowered:
    b = lw.b
    value = lw.get(op.input)
    k = op.offset.value.data
    rows, cols = value.sizes
    if k >= 0:
        length = b.mini(rows, b.subi(cols, b.const(k)))
    else:
        length = b.mini(b.addi(rows, b.const(k)), cols)
    length = b.maxi(length, b.const(0))
    row0, col0 = max(-k, 0), max(k, 0)
    return Lazy(
        value.dtype,
        [length],
        lambda b_, idx: value.load(
            b_, [b_.addi(idx[0], b_.const(row0)), b_.addi(idx[0], b_.const(col0))]
        ),
    )
