"""Sizes of a value computed before the loop whose body computes it: what a
map-like output (`outputs_info=None`) needs to allocate its trace. They can be
computed when they depend only on shapes, constants and loop invariants, not on
loop data.

One rule per op kind in each of three tables: `SIZES` (every size of a result),
`ROW_SIZES` (the sizes after the first, for ops whose leading size may depend
on loop data while the rest do not) and `SCALARS` (the value of a 0-d result
that a size is computed from). `SizeInference` looks the rules up; an op kind
without a rule raises `NotImplementedError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanc.dialects import scan, st
from scanc import dtypes
from scanc.lowering import scalar as scalar_ops
from scanc.lowering.builder import element_type
from scanc.lowering.elementwise import arange_length, lower_constant
from scanc.lowering.factorizations import result_sizes
from scanc.lowering.indexing import slice_bounds
from scanc.lowering.shape import reshaped_sizes
from scanc.lowering.values import Lazy, no_data
from xdsl.dialects import arith
from xdsl.dialects.builtin import DYNAMIC_INDEX, TensorType
from xdsl.ir import Operation, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering

Sizes = list[SSAValue]


@dataclass
class SizeInference:
    """Evaluates sizes and scalars before a loop, emitting with `lw.b`."""

    lw: "Lowering"

    def sizes(self, value: SSAValue) -> Sizes:
        b = self.lw.b
        type_ = value.type
        assert isinstance(type_, TensorType)
        if DYNAMIC_INDEX not in type_.get_shape():
            return [b.const(d) for d in type_.get_shape()]
        if value in self.lw.values:
            return self.lw.get(value).sizes
        rule = SIZES.get(type(value.owner))
        if rule is None:
            raise NotImplementedError(
                "scan: the shape of a map-like output (outputs_info=None) must be "
                "computable before the loop from shapes and non-sequences; this "
                f"one depends on {_what(value)}"
            )
        return rule(self, value.owner, value)

    def row_sizes(self, value: SSAValue) -> Sizes:
        """`sizes(value)[1:]`, without computing the leading size, which may
        depend on loop data (an inner scan's step count, a slice's bounds)."""
        if value in self.lw.values:
            return self.lw.get(value).sizes[1:]
        rule = ROW_SIZES.get(type(value.owner))
        found = None if rule is None else rule(self, value.owner, value)
        return self.sizes(value)[1:] if found is None else found

    def scalar(self, value: SSAValue) -> SSAValue:
        if value in self.lw.values:
            return self.lw.get(value).load(self.lw.b, [])
        rule = SCALARS.get(type(value.owner))
        found = None if rule is None else rule(self, value.owner)
        if found is None:
            raise NotImplementedError(
                f"scan: a map-like output's shape depends on loop data ({_what(value)})"
            )
        return found


def _what(value: SSAValue) -> str:
    op = value.owner
    return op.name if isinstance(op, Operation) else "loop data"


# -- SIZES -------------------------------------------------------------------------


def _elementwise(si: SizeInference, op: st.ElementwiseOp, _) -> Sizes:
    """Each axis has the size of an operand that does not broadcast along it."""
    shape = op.result.type.get_shape()
    for operand in op.inputs:
        dims = operand.type.get_shape()  # type: ignore[attr-defined]
        if all(d != 1 or s == 1 for d, s in zip(dims, shape)):
            return si.sizes(operand)
    sizes = []
    for a, d in enumerate(shape):
        along = [v for v in op.inputs if v.type.get_shape()[a] != 1]  # type: ignore[attr-defined]
        sizes.append(si.lw.b.const(1) if d == 1 or not along else si.sizes(along[0])[a])
    return sizes


def _expand_dims(si: SizeInference, op: st.ExpandDimsOp, value) -> Sizes:
    inner = iter(si.sizes(op.input))
    axes = set(op.axes.get_values())
    rank = value.type.get_num_dims()
    return [si.lw.b.const(1) if a in axes else next(inner) for a in range(rank)]


def _reduce(si: SizeInference, op: st.ReduceOp, _) -> Sizes:
    axes = set(op.axes.get_values())
    return [s for a, s in enumerate(si.sizes(op.input)) if a not in axes]


def _dot(si: SizeInference, op: st.DotOp, _) -> Sizes:
    return si.sizes(op.lhs)[:-1] + si.sizes(op.rhs)[1:]


def _transpose(si: SizeInference, op: st.TransposeOp, _) -> Sizes:
    inner = si.sizes(op.input)
    return [inner[p] for p in op.perm.get_values()]


def _take(si: SizeInference, op: st.TakeOp, _) -> Sizes:
    axis, source = op.axis.value.data, si.sizes(op.input)
    return [*source[:axis], *si.sizes(op.indices), *source[axis + 1 :]]


def _alloc(si: SizeInference, op: st.AllocOp, _) -> Sizes:
    return [si.lw.b.to_index(si.scalar(d)) for d in op.dims]


def _reshape(si: SizeInference, op: st.ReshapeOp, _) -> Sizes:
    """The sizes asked, checked and with a -1 inferred as the lowering does."""
    b = si.lw.b
    asked = [b.to_index(si.scalar(d)) for d in op.dims]
    return reshaped_sizes(b, asked, si.sizes(op.input))


def _concatenate(si: SizeInference, op: st.ConcatenateOp, _) -> Sizes:
    b = si.lw.b
    axis, parts = op.axis.value.data, [si.sizes(x) for x in op.inputs]
    joined = parts[0][axis]
    for part in parts[1:]:
        joined = b.addi(joined, part[axis])
    return parts[0][:axis] + [joined] + parts[0][axis + 1 :]


def _subtensor(si: SizeInference, op: st.SubtensorOp, _=None, leading=True) -> Sizes:
    """Sizes of `input[index]`: integer-indexed axes drop, sliced ones take
    the slice's length, the rest keep the input's size. Without `leading`,
    the sizes after the result's first axis."""
    entries = op.entries()
    if not leading or entries and entries[0] == "i":
        inner = [None, *si.row_sizes(op.input)]  # input axis 0 not needed
    else:
        inner = si.sizes(op.input)
    operands, kept = iter(op.indices), []
    for axis, entry in enumerate(entries):
        if entry == "i":
            next(operands)
            continue
        fields = [next(operands) if f == "x" else None for f in entry[1:]]
        if not leading and not kept:
            kept.append(None)  # the result's leading axis: not asked for
            continue
        bounds = [None if f is None else si.scalar(f) for f in fields]
        kept.append(slice_bounds(si.lw.b, inner[axis], *bounds)[1])
    sizes = kept + inner[len(entries) :]
    return sizes if leading else sizes[1:]


def _trace(si: SizeInference, op: scan.LoopOp, value) -> Sizes:
    """Sizes of a nested loop's trace: its step count (when no `until` makes it
    data-dependent), then the row sizes of its output."""
    if op.yield_op().until is not None:
        raise NotImplementedError(
            "scan: a map-like output's shape depends on the steps an inner "
            "scan with `until` runs"
        )
    b, n = si.lw.b, value.index
    rows = None if op.n_steps is None else b.to_index(si.scalar(op.n_steps))
    if rows is None:
        for seq, taps in zip(op.sequences, op.sequence_taps()):
            span = b.const(scan.sequence_span(taps))
            room = b.subi(si.sizes(seq)[0], span)
            rows = room if rows is None else b.mini(rows, room)
    keep = op.keep_rows()[n]
    if keep:
        rows = b.mini(rows, b.const(keep))
    return [rows, *_loop_row_sizes(si, op, value)]


def _if(si: SizeInference, op: st.IfOp, value) -> Sizes:
    """The sizes of the branch the condition picks (of either when they agree)."""
    k = op.outs.index(value)
    then = si.sizes(op.branch_values(op.then_region)[k])
    else_ = si.sizes(op.branch_values(op.else_region)[k])
    if then == else_:
        return then
    b = si.lw.b
    truth = scalar_ops.convert(
        b, si.scalar(op.cond), dtypes.dtype_of(op.cond.type), "bool"
    )
    return [b.select(truth, t, e) for t, e in zip(then, else_)]


def _factorization(si: SizeInference, op: Operation, value: SSAValue) -> Sizes:
    """The sizes of a result of `st.eigh`, `st.svd`, `st.qr` or `st.pinv`, from
    `m`, `n` and `k = min(m, n)` (see `scanc.dialects.st.factorizations`)."""
    m, n = si.sizes(op.operands[0])
    return result_sizes(op, m, n, si.lw.b.mini(m, n))[value.index]


SIZES: dict[type, Callable[[SizeInference, Operation, SSAValue], Sizes]] = {
    st.ElementwiseOp: _elementwise,
    st.CastOp: lambda si, op, _: si.sizes(op.input),
    st.ExpandDimsOp: _expand_dims,
    st.ReduceOp: _reduce,
    st.DotOp: _dot,
    st.TransposeOp: _transpose,
    st.SetSubtensorOp: lambda si, op, _: si.sizes(op.input),
    st.PutOp: lambda si, op, _: si.sizes(op.input),
    st.MaskedPutOp: lambda si, op, _: si.sizes(op.input),
    st.SubtensorOp: _subtensor,
    st.TakeOp: _take,
    st.AllocOp: _alloc,
    # the rows of a trace and of its initial value agree
    scan.FinalOp: lambda si, op, _: si.row_sizes(op.initial),
    scan.LoopOp: _trace,
    st.ConcatenateOp: _concatenate,
    st.ReshapeOp: _reshape,
    st.IfOp: _if,
    st.ArangeOp: lambda si, op, _: [
        arange_length(
            si.lw.b,
            *(si.scalar(v) for v in op.operands),
            dtypes.dtype_of(op.start.type),
        )
    ],
    st.ArgReduceOp: lambda si, op, _: [
        s for a, s in enumerate(si.sizes(op.input)) if a != op.axis.value.data
    ],
    st.SolveOp: lambda si, op, _: si.sizes(op.b),
    st.TriangularSolveOp: lambda si, op, _: si.sizes(op.b),
    st.CholeskyOp: lambda si, op, _: si.sizes(op.input),
    st.ArgsortOp: lambda si, op, _: si.sizes(op.input),
    st.CheckOp: lambda si, op, _: si.sizes(op.input),
    st.PanelDotOp: lambda si, op, _: si.sizes(op.matrix)[1:],
    st.InputProductsOp: lambda si, op, value: (
        si.sizes(op.x)[:1] + si.sizes(op.matrices[value.index])[1:]
    ),
    **dict.fromkeys((st.EighOp, st.SvdOp, st.QrOp, st.PinvOp), _factorization),
}


# -- ROW_SIZES (None: compute all the sizes) ----------------------------------------


def _loop_row_sizes(si: SizeInference, op: scan.LoopOp, value) -> Sizes:
    n = value.index
    if n in op.recurrent_outputs():
        return si.row_sizes(op.initials[op.recurrent_outputs().index(n)])
    args, stubs = op.body.block.args, []
    taps = [*op.sequence_taps(), *(t for t in op.output_taps() if t)]
    for source, source_taps in zip([*op.sequences, *op.initials], taps):
        stubs += [si.row_sizes(source)] * len(source_taps)
    stubs += [si.sizes(v) for v in op.invariants]
    for arg, sizes in zip(args, stubs):
        si.lw.values[arg] = Lazy(dtypes.dtype_of(arg.type), sizes, no_data)
    try:
        return si.sizes(op.yield_op().values[n])
    finally:
        for arg in args:
            del si.lw.values[arg]


def _elementwise_rows(si: SizeInference, op: st.ElementwiseOp, _) -> Sizes | None:
    shape = op.result.type.get_shape()[1:]
    for operand in op.inputs:
        dims = operand.type.get_shape()[1:]  # type: ignore[attr-defined]
        if len(dims) == len(shape) and all(
            d != 1 or s == 1 for d, s in zip(dims, shape)
        ):
            return si.row_sizes(operand)
    return None


def _concatenate_rows(si: SizeInference, op: st.ConcatenateOp, _) -> Sizes | None:
    return si.row_sizes(op.inputs[0]) if op.axis.value.data == 0 else None


ROW_SIZES: dict[type, Callable[[SizeInference, Operation, SSAValue], Sizes | None]] = {
    scan.LoopOp: _loop_row_sizes,
    st.SubtensorOp: lambda si, op, _: _subtensor(si, op, leading=False),
    st.SetSubtensorOp: lambda si, op, _: si.row_sizes(op.input),
    st.PutOp: lambda si, op, _: si.row_sizes(op.input),
    st.MaskedPutOp: lambda si, op, _: si.row_sizes(op.input),
    st.AllocOp: lambda si, op, _: [si.lw.b.to_index(si.scalar(d)) for d in op.dims[1:]],
    st.ConcatenateOp: _concatenate_rows,
    st.CastOp: lambda si, op, _: si.row_sizes(op.input),
    st.ElementwiseOp: _elementwise_rows,
}


# -- SCALARS (None: not computable before the loop) ---------------------------------

#: elementwise functions a size may be computed with
_SIZE_ARITHMETIC = ("add", "sub", "mul", "neg", "maximum", "minimum")
#: comparisons a size may be chosen by (`ifelse(m > 0, ...)`)
_SIZE_COMPARISONS = ("lt", "le", "gt", "ge", "eq", "neq")


def _dim(si: SizeInference, op: st.DimOp) -> SSAValue:
    axis = op.axis.value.data
    size = si.row_sizes(op.input)[axis - 1] if axis else si.sizes(op.input)[0]
    return si.lw.b.from_index(size, element_type("int64"))


def _size_arithmetic(si: SizeInference, op: st.ElementwiseOp) -> SSAValue | None:
    fn = op.fn.data
    if fn not in _SIZE_ARITHMETIC and fn not in _SIZE_COMPARISONS:
        return None
    b, inputs = si.lw.b, [dtypes.dtype_of(v.type) for v in op.inputs]
    # arithmetic computes in the result's dtype, a comparison in its operands'
    dtype = (
        dtypes.dtype_of(op.result.type)
        if fn in _SIZE_ARITHMETIC
        else dtypes.upcast(*inputs)
    )
    args = [
        scalar_ops.convert(b, si.scalar(v), src, dtype)
        for v, src in zip(op.inputs, inputs)
    ]
    return scalar_ops.apply(b, fn, args, dtype)


SCALARS: dict[type, Callable[[SizeInference, Operation], SSAValue | None]] = {
    st.DimOp: _dim,
    st.CastOp: lambda si, op: si.scalar(op.input),
    st.ElementwiseOp: _size_arithmetic,
    arith.ConstantOp: lambda si, op: lower_constant(si.lw, op).load(si.lw.b, []),
}
