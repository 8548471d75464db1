"""Lowering of indexing: basic indexing becomes a `memref.subview` after bounds
checks; integer-array and boolean-mask indexing read through the indices; the
updating forms copy their input and write into the copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import st
from scanc.lowering import scalar
from scanc.lowering.builder import subview
from scanc.lowering.elementwise import dtype
from scanc.lowering.values import Buffer, Lazy, Lowered, Scalar
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def _normalize_index(b, i: SSAValue, size: SSAValue, axis: int) -> SSAValue:
    i = _wrap_negative(b, i, size)
    zero = b.const(0)
    inside = b.add(arith.AndIOp(b.cmpi("sge", i, zero), b.cmpi("slt", i, size)))
    b.check(inside, f"IndexError: index out of bounds for axis {axis}")
    return i


def _wrap_negative(b, i: SSAValue, size: SSAValue) -> SSAValue:
    i = b.to_index(i)
    return b.select(b.cmpi("slt", i, b.const(0)), b.addi(i, size), i)


def _check_index_array(b, indices: Lowered, size: SSAValue, axis: int) -> None:
    """Check every entry of an index array once, before it is used: the loops
    that read through it may run no iteration (rows of size 0), and NumPy
    rejects an out-of-range index even when the result is empty."""
    b.loop_nest(
        indices.sizes,
        lambda idx: _normalize_index(b, indices.load(b, idx), size, axis),
    )


def slice_bounds(b, size, start, stop, step):
    """numpy's slice normalisation: (offset, length, step) for `start:stop:step`.
    A zero step fails; any other step, even -2**63, gives NumPy's length."""
    zero, one = b.const(0), b.const(1)
    step = b.to_index(step) if step is not None else one
    b.check(b.cmpi("ne", step, zero), "ValueError: slice step cannot be zero")
    neg = b.cmpi("slt", step, zero)
    minus_one = b.const(-1)

    def clamp(v, default_pos, default_neg):
        if v is None:
            return b.select(neg, default_neg, default_pos)
        v = b.to_index(v)
        v = b.select(b.cmpi("slt", v, zero), b.addi(v, size), v)
        low = b.select(neg, minus_one, zero)
        high = b.select(neg, b.subi(size, one), size)
        return b.mini(b.maxi(v, low), high)

    first = clamp(start, zero, b.subi(size, one))
    last = clamp(stop, size, minus_one)
    return first, b.range_length(first, last, step, neg), step


def index_view(lw: "Lowering", source: Buffer, entries: list[str], indices):
    """Offsets, sizes and strides of `source[index]` (numpy basic indexing), and the
    sizes of the axes that remain (integer-indexed axes are dropped)."""
    b = lw.b
    operands = iter(indices)
    offsets, sizes, strides, kept_sizes = [], [], [], []
    for axis, entry in enumerate(entries):
        size = source.sizes[axis]
        if entry == "i":
            index = lw.get(next(operands)).load(b, [])
            offsets.append(_normalize_index(b, index, size, axis))
            sizes.append(b.const(1))
            strides.append(b.const(1))
            continue
        fields = [
            lw.get(next(operands)).load(b, []) if f == "x" else None for f in entry[1:]
        ]
        first, length, step = slice_bounds(b, size, *fields)
        offsets.append(first)
        sizes.append(length)
        strides.append(step)
        kept_sizes.append(length)
    for axis in range(len(entries), source.rank):
        offsets.append(b.const(0))
        sizes.append(source.sizes[axis])
        strides.append(b.const(1))
        kept_sizes.append(source.sizes[axis])
    return offsets, sizes, strides, kept_sizes


def lower_subtensor(lw: "Lowering", op: st.SubtensorOp) -> Lowered:
    b = lw.b
    source = lw.materialize(lw.get(op.input))
    offsets, sizes, strides, kept = index_view(lw, source, op.entries(), op.indices)
    dt = dtype(op.result)
    if not kept:
        return Scalar(dt, [], b.load(source.ref, offsets))
    ref = subview(b, source.ref, offsets, sizes, strides, len(kept))
    return Buffer(dt, kept, ref)


def _check_value_fits(b, op, value: Lowered, wanted, what: str) -> list[bool]:
    """Check that the value written by `op` has the sizes `wanted`; returns, per
    axis, whether the value has static size 1 there (it broadcasts)."""
    pinned = [d == 1 for d in op.value.type.get_shape()]
    for axis, (p, got, want) in enumerate(zip(pinned, value.sizes, wanted)):
        if not p and got is not want:
            b.check(
                b.cmpi("eq", got, want),
                f"ValueError: {op.fn.data}_subtensor value does not fit the "
                f"{what} along axis {axis}",
            )
    return pinned


def lower_set_subtensor(lw: "Lowering", op: st.SetSubtensorOp) -> Lowered:
    """Copy the input, then set (or increment) the indexed region of the copy."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    offsets, sizes, strides, kept = index_view(lw, result, op.entries(), op.indices)
    value = lw.get(op.value)
    pinned = _check_value_fits(b, op, value, kept, "indexed region")
    inc, dt = op.fn.data == "inc", result.dtype

    def update(ref, idx):
        zero = b.const(0)
        v = value.load(b, [zero if p else i for p, i in zip(pinned, idx)])
        if inc:
            v = scalar.apply(b, "add", [b.load(ref, idx), v], dt)
        b.store(v, ref, idx)

    if not kept:
        update(result.ref, offsets)
    else:
        view = subview(b, result.ref, offsets, sizes, strides, len(kept))
        b.loop_nest(kept, lambda idx: update(view, idx))
    return result


def lower_take(lw: "Lowering", op: st.TakeOp) -> Lowered:
    value, indices = lw.materialize(lw.get(op.input)), lw.get(op.indices)
    axis, k = op.axis.value.data, indices.rank
    sizes = [*value.sizes[:axis], *indices.sizes, *value.sizes[axis + 1 :]]

    _check_index_array(lw.b, indices, value.sizes[axis], axis)

    def element(b, idx):
        position = indices.load(b, idx[axis : axis + k])
        at = _wrap_negative(b, position, value.sizes[axis])
        return value.load(b, [*idx[:axis], at, *idx[axis + k :]])

    return Lazy(value.dtype, sizes, element)


def lower_put(lw: "Lowering", op: st.PutOp) -> Lowered:
    """Copy the input, then write (or add) each taken position, in index order."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    indices, value = lw.get(op.indices), lw.get(op.value)
    axis, k = op.axis.value.data, indices.rank
    taken = [*result.sizes[:axis], *indices.sizes, *result.sizes[axis + 1 :]]
    pinned = _check_value_fits(b, op, value, taken, "indexed elements")

    _check_index_array(b, indices, result.sizes[axis], axis)

    def update(idx):
        at = _wrap_negative(
            b, indices.load(b, idx[axis : axis + k]), result.sizes[axis]
        )
        target = [*idx[:axis], at, *idx[axis + k :]]
        v = value.load(b, [b.const(0) if p else i for p, i in zip(pinned, idx)])
        if op.fn.data == "inc":
            v = scalar.apply(b, "add", [b.load(result.ref, target), v], result.dtype)
        b.store(v, result.ref, target)

    b.loop_nest(taken, update)
    return result


def _count_selected(b, mask: Lowered) -> SSAValue:
    """How many elements of a boolean mask are true."""

    def add_one_if_true(idx, total):
        bit = scalar.convert(b, mask.load(b, idx), mask.dtype, "int64")
        return b.addi(total, b.to_index(bit))

    return b.fold_nest(mask.sizes, add_one_if_true, b.const(0))


def lower_compress(lw: "Lowering", op: st.CompressOp) -> Lowered:
    """Count the true mask elements, then copy the selected rows in order."""
    b = lw.b
    value, mask = lw.materialize(lw.get(op.input)), lw.get(op.mask)
    k = mask.rank
    for a in range(k):
        b.check(
            b.cmpi("eq", mask.sizes[a], value.sizes[a]),
            f"IndexError: boolean index does not match the indexed array along axis {a}",
        )
    flat_mask = mask.sizes
    count = _count_selected(b, mask)
    out = lw.new_buffer(value.dtype, [count, *value.sizes[k:]])

    def copy(idx, written):
        selected = scalar.convert(b, mask.load(b, idx), mask.dtype, "bool")

        def write():
            source = value if value.rank == k else None
            if source is not None:
                b.store(value.load(b, idx), out.ref, [written])
            else:
                rest = value.sizes[k:]
                b.loop_nest(
                    rest,
                    lambda tail: b.store(
                        value.load(b, [*idx, *tail]), out.ref, [written, *tail]
                    ),
                )

        b.if_(selected, write)
        return b.addi(written, b.to_index(scalar.convert(b, selected, "bool", "int64")))

    b.fold_nest(flat_mask, copy, b.const(0))
    return out


def lower_masked_put(lw: "Lowering", op: st.MaskedPutOp) -> Lowered:
    """Copy the input, then update the selected elements (rows) in order; the
    value's leading axis, unless it broadcasts, counts the selected ones."""
    b = lw.b
    result = lw.copy(lw.get(op.input))
    mask, value = lw.get(op.mask), lw.get(op.value)
    k = mask.rank
    for a in range(k):
        b.check(
            b.cmpi("eq", mask.sizes[a], result.sizes[a]),
            f"IndexError: boolean index does not match the indexed array along axis {a}",
        )
    pinned = _check_value_fits(
        b,
        op,
        value,
        [_count_selected(b, mask), *result.sizes[k:]],
        "selection (and its rows)",
    )

    def visit(idx, seen):
        selected = scalar.convert(b, mask.load(b, idx), mask.dtype, "bool")

        def update():
            def at(tail):
                target = [*idx, *tail]
                source = [b.const(0) if p else i for p, i in zip(pinned, [seen, *tail])]
                v = value.load(b, source)
                if op.fn.data == "inc":
                    v = scalar.apply(
                        b, "add", [b.load(result.ref, target), v], result.dtype
                    )
                b.store(v, result.ref, target)

            b.loop_nest(result.sizes[k:], at)

        b.if_(selected, update)
        return b.addi(seen, b.to_index(scalar.convert(b, selected, "bool", "int64")))

    b.fold_nest(mask.sizes, visit, b.const(0))
    return result
