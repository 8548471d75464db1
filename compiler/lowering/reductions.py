"""Lowering of reductions (`st.reduce`, `st.arg_reduce`): loops carrying an
accumulator (and, for arg reductions, the index of the best element)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import st
from scanc import dtypes
from scanc.lowering import scalar
from scanc.lowering.builder import element_type
from scanc.lowering.elementwise import dtype
from scanc.lowering.values import Lowered, Scalar
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


_IDENTITY = {"sum": 0, "prod": 1, "all": 1, "any": 0}


_COMBINE = {
    "sum": "add",
    "prod": "mul",
    "max": "maximum",
    "min": "minimum",
    "all": "and",
    "any": "or",
}


def _combine(b, fn: str, acc: SSAValue, x: SSAValue, dt: str) -> SSAValue:
    return scalar.apply(b, _COMBINE[fn], [acc, x], dt)


def lower_reduce(lw: "Lowering", op: st.ReduceOp) -> Lowered:
    b = lw.b
    fn, dt = op.fn.data, dtype(op.result)
    value = lw.get(op.input)
    axes = list(op.axes.get_values())
    kept = [a for a in range(value.rank) if a not in axes]
    if fn in ("max", "min"):
        for a in axes:
            b.check(
                b.cmpi("sgt", value.sizes[a], b.const(0)),
                f"ValueError: {fn} of an empty axis has no identity",
            )
    if not kept:
        return Scalar(dt, [], _reduce_all(lw, fn, value, dt))
    out = lw.new_buffer(dt, [value.sizes[a] for a in kept])
    reduced_sizes = [value.sizes[a] for a in axes]

    def per_output(out_idx):
        def per_input(red_idx, acc):
            full = [None] * value.rank
            for a, i in zip(kept, out_idx):
                full[a] = i
            for a, i in zip(axes, red_idx):
                full[a] = i
            return _combine(b, fn, acc, value.load(b, full), dt)

        acc = _fold(
            lw,
            reduced_sizes,
            per_input,
            fn,
            dt,
            first=lambda: value.load(b, _first_index(b, value, kept, out_idx)),
        )
        b.store(acc, out.ref, out_idx)

    b.loop_nest(out.sizes, per_output, parallel=True)
    return out


def _first_index(b, value, kept, out_idx):
    full = [b.const(0)] * value.rank
    for a, i in zip(kept, out_idx):
        full[a] = i
    return full


def _fold(lw, sizes, per_element, fn, dt, first):
    """Fold `per_element(idx, acc)` over all indices of `sizes`."""
    b = lw.b
    init = b.const(_IDENTITY[fn], element_type(dt)) if fn in _IDENTITY else first()

    return b.fold_nest(sizes, per_element, init)


def _reduce_all(lw, fn, value: Lowered, dt: str) -> SSAValue:
    b = lw.b
    if value.rank == 0:
        return value.load(b, [])
    return _fold(
        lw,
        value.sizes,
        lambda idx, acc: _combine(b, fn, acc, value.load(b, idx), dt),
        fn,
        dt,
        first=lambda: value.load(b, [b.const(0)] * value.rank),
    )


def lower_arg_reduce(lw: "Lowering", op: st.ArgReduceOp) -> Lowered:
    """For each output element, one pass along the axis carrying (best, index)."""
    b = lw.b
    value = lw.get(op.input)
    axis, fn = op.axis.value.data, op.fn.data
    b.check(
        b.cmpi("sgt", value.sizes[axis], b.const(0)),
        f"ValueError: {fn} of an empty axis",
    )
    out_sizes = [s for a, s in enumerate(value.sizes) if a != axis]

    def index_of_best(idx) -> SSAValue:
        def at(j):
            return value.load(b, [*idx[:axis], j, *idx[axis:]])

        def step(j, carried):
            best, where = carried
            v = at(j)
            better = _better(b, fn, v, best, value.dtype)
            return [b.select(better, v, best), b.select(better, j, where)]

        first = [at(b.const(0)), b.const(0)]
        _, where = b.for_(b.const(1), value.sizes[axis], step, first)
        return b.from_index(where, element_type("int64"))

    if not out_sizes:
        return Scalar("int64", [], index_of_best([]))
    out = lw.new_buffer("int64", out_sizes)
    b.loop_nest(
        out_sizes,
        lambda idx: b.store(index_of_best(idx), out.ref, idx),
        parallel=True,
    )
    return out


def _better(b, fn: str, v: SSAValue, best: SSAValue, dt: str) -> SSAValue:
    """Whether `v` replaces `best`: strictly larger (smaller), or the first NaN."""
    better = scalar.apply(b, "gt" if fn == "argmax" else "lt", [v, best], dt)
    if not dtypes.is_float(dt):
        return better
    best_is_nan = b.add(arith.CmpfOp(best, best, "uno"))
    v_is_nan = b.add(arith.CmpfOp(v, v, "uno"))
    better = b.add(arith.OrIOp(better, v_is_nan))
    return b.add(
        arith.AndIOp(
            better, b.add(arith.XOrIOp(best_is_nan, b.const(1, best_is_nan.type)))
        )
    )
