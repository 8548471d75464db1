"""Lowering of `st.random`: Philox4x32-10 computed inline, element by element.

Uniform and normal draws use every word of a block: elements `2j` and `2j + 1`
(row-major) come from block `counter + j`, computed by one loop over blocks. For
binomial and integers draws, element `i` uses the blocks `counter + i*n + j`, one
per trial `j` (n = 1 for integers), so elements are independent and the draw is
a `Lazy` value fused into its consumer's loop. A scalar draw uses block `counter`
(words 0-1). The new state is `[key, counter + blocks used]`.

    u = ((word0 << 32 | word1) >> 11) * 2^-53            uniform in [0, 1)
    z = sqrt(-2 log(1 - u)) * cos(2 pi u')  (u' from words 2, 3)   normal
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import st
from scanc import dtypes
from scanc.lowering import scalar
from scanc.lowering.builder import Builder, element_type
from scanc.lowering.elementwise import broadcast_loader
from scanc.lowering.shape import unflatten
from scanc.lowering.philox import box_muller, i64, philox, unit
from scanc.lowering.random_samplers import SAMPLERS
from scanc.lowering.values import Lazy, Lowered, Scalar
from xdsl.dialects import arith, math
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def _sample(b: Builder, fn: str, key, block, params, trials: int) -> SSAValue:
    """One element of a draw (uniform and normal draws of a shape are made in
    pairs by `_paired_draw`)."""
    f64 = element_type("float64")
    if fn in SAMPLERS:
        return SAMPLERS[fn](b, key, block, params[0])
    first, second = params
    if fn == "binomial":

        def trial(j, count):
            words = philox(b, key, b.addi(block, b.from_index(j, i64)))
            hit = b.add(arith.CmpfOp(unit(b, words[0], words[1]), second, "olt"))
            return [b.addi(count[0], b.add(arith.ExtUIOp(hit, i64)))]

        total = b.for_(b.const(0), b.const(trials), trial, [b.const(0, i64)])[0]
        return b.add(arith.SIToFPOp(total, f64))
    words = philox(b, key, block)
    u = unit(b, words[0], words[1])
    if fn == "uniform":
        return b.add(
            arith.AddfOp(
                first, b.add(arith.MulfOp(u, b.add(arith.SubfOp(second, first))))
            )
        )
    if fn == "integers":
        span = b.add(arith.SubfOp(second, first))
        return b.add(
            arith.AddfOp(first, b.add(math.FloorOp(b.add(arith.MulfOp(u, span)))))
        )
    (z,) = box_muller(b, u, unit(b, words[2], words[3]), pair=False)
    _check_scale(b, second)
    return b.add(arith.AddfOp(first, b.add(arith.MulfOp(z, second))))


def _check_scale(b: Builder, scale: SSAValue) -> None:
    """NumPy's check of a normal draw: a negative scale is refused (NaN passes)."""
    zero = b.const(0.0, scale.type)
    b.check(b.add(arith.CmpfOp(scale, zero, "uge")), "ValueError: normal: scale < 0")


def lower_random(lw: "Lowering", op: st.RandomOp) -> list[Lowered]:
    b = lw.b
    state = lw.get(op.state)
    key, counter = (state.load(b, [b.const(k)]) for k in (0, 1))
    sizes = [b.to_index(lw.get(s).load(b, [])) for s in op.sizes]
    for size in sizes:
        b.check(b.cmpi("sge", size, b.const(0)), "ValueError: negative size of a draw")
    fn, dt = op.fn.data, dtypes.dtype_of(op.values.type)
    trials = op.trials.value.data
    out_type = op.values.type
    loaders = [broadcast_loader(lw.get(p), p.type, out_type) for p in op.params]

    def element(b_: Builder, idx) -> SSAValue:
        flat = b_.const(0)
        for i, size in zip(idx, sizes):
            flat = b_.addi(b_.muli(flat, size), i)
        block = b_.addi(
            counter, b_.muli(b_.from_index(flat, i64), b_.const(trials, i64))
        )
        params = [load(b_, idx) for load in loaders]
        return scalar.convert(
            b_, _sample(b_, fn, key, block, params, trials), "float64", dt
        )

    if fn in ("uniform", "normal") and sizes:
        values, blocks = _paired_draw(lw, op, key, counter, sizes, loaders)
    else:
        values = Lazy(dt, sizes, element) if sizes else Scalar(dt, [], element(b, []))
        blocks = b.muli(_count(b, sizes), b.const(trials, i64))
    advanced = b.addi(counter, blocks)
    new_state = Lazy(
        "int64",
        [b.const(2)],
        lambda b_, idx: b_.select(b_.cmpi("eq", idx[0], b_.const(0)), key, advanced),
    )
    return [values, new_state]


_TOO_MANY = "MemoryError: the size of the draw overflows"


def _count(b: Builder, sizes) -> SSAValue:
    return b.from_index(b.checked_product(sizes, _TOO_MANY), i64)


def _paired_draw(lw: "Lowering", op, key, counter, sizes, loaders):
    """Uniform and normal draws use all four words of a Philox block: element
    `2j` takes words 0-1 of block `counter + j` and element `2j + 1` words 2-3 (a
    normal pair is Box-Muller's cosine and sine of the same two uniforms). The
    elements are stored in a flat buffer, one loop iteration per block."""
    b, fn = lw.b, op.fn.data
    dt = dtypes.dtype_of(op.values.type)
    total = b.checked_product(sizes, _TOO_MANY)
    flat = lw.new_buffer(dt, [total])
    blocks = b.add(arith.DivSIOp(b.addi(total, b.const(1)), b.const(2)))

    def block(j: SSAValue, halves: int) -> None:
        words = philox(b, key, b.addi(counter, b.from_index(j, i64)))
        units = [unit(b, words[0], words[1]), unit(b, words[2], words[3])]
        if fn == "normal":
            units = box_muller(b, *units)
        first = b.muli(j, b.const(2))
        for k in range(halves):
            i = b.addi(first, b.const(k))
            low, scale = (load(b, unflatten(b, i, sizes)) for load in loaders)
            if fn == "uniform":
                scale = b.add(arith.SubfOp(scale, low))
            else:
                _check_scale(b, scale)
            value = b.add(arith.AddfOp(low, b.add(arith.MulfOp(units[k], scale))))
            b.store(scalar.convert(b, value, "float64", dt), flat.ref, [i])

    # whole blocks without a branch (so LLVM vectorizes), then an odd last element
    pairs = b.add(arith.DivSIOp(total, b.const(2)))
    b.for_(b.const(0), pairs, lambda j, _: block(j, 2))
    odd = b.cmpi("ne", b.add(arith.RemSIOp(total, b.const(2))), b.const(0))
    b.if_(odd, lambda: block(pairs, 1))

    if len(sizes) == 1:
        return flat, b.from_index(blocks, i64)

    def element(b_: Builder, idx) -> SSAValue:
        position = b_.const(0)
        for i, size in zip(idx, sizes):
            position = b_.addi(b_.muli(position, size), i)
        return b_.load(flat.ref, [position])

    return Lazy(dt, sizes, element), b.from_index(blocks, i64)
