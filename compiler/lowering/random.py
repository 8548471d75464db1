"""Lowering of `st.random`: Philox4x32-10 computed inline, element by element.

Element `i` (row-major) of a draw uses the Philox block `counter + i` under the
state's key (for binomial, the blocks `counter + i*n + j`, one per trial `j`),
so elements are independent and computed in any order: the draw is a `Lazy`
value fused into its consumer's loop. The new state is `[key, counter + blocks]`.

    u = ((word0 << 32 | word1) >> 11) * 2^-53            uniform in [0, 1)
    z = sqrt(-2 log(1 - u)) * cos(2 pi u')  (u' from words 2, 3)   normal
"""

from __future__ import annotations

import math as pymath
from typing import TYPE_CHECKING

from xdsl.dialects import arith, math
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

from scanc.dialects import st
from scanc.frontend import dtypes
from scanc.lowering import scalar
from scanc.lowering.builder import Builder
from scanc.lowering.tensor_ops import broadcast_loader
from scanc.lowering.values import Lazy, Lowered, Scalar

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering

i32, i64 = IntegerType(32), IntegerType(64)
_M0, _M1 = 0xD2511F53, 0xCD9E8D57
_W0, _W1 = 0x9E3779B9, 0xBB67AE85


def _mulhilo(b: Builder, m: int, x: SSAValue) -> tuple[SSAValue, SSAValue]:
    product = b.muli(b.const(m, i64), b.add(arith.ExtUIOp(x, i64)))
    hi = b.add(arith.TruncIOp(b.add(arith.ShRUIOp(product, b.const(32, i64))), i32))
    return hi, b.add(arith.TruncIOp(product, i32))


def philox(b: Builder, key: SSAValue, counter: SSAValue) -> list[SSAValue]:
    """The four 32-bit words of Philox4x32-10 for a 64-bit key and counter."""

    def split(v):
        low = b.add(arith.TruncIOp(v, i32))
        return low, b.add(
            arith.TruncIOp(b.add(arith.ShRUIOp(v, b.const(32, i64))), i32)
        )

    k0, k1 = split(key)
    c0, c1 = split(counter)
    c2 = c3 = b.const(0, i32)
    for round_ in range(10):
        if round_:
            k0 = b.addi(k0, b.const(_W0 - (1 << 32), i32))
            k1 = b.addi(k1, b.const(_W1 - (1 << 32), i32))
        hi0, lo0 = _mulhilo(b, _M0, c0)
        hi1, lo1 = _mulhilo(b, _M1, c2)
        xor = lambda x, y: b.add(arith.XOrIOp(x, y))  # noqa: E731
        c0, c1, c2, c3 = xor(xor(hi1, c1), k0), lo1, xor(xor(hi0, c3), k1), lo0
    return [c0, c1, c2, c3]


def _unit(b: Builder, high: SSAValue, low: SSAValue) -> SSAValue:
    """A float64 in [0, 1) from 53 bits of two 32-bit words."""
    bits = b.add(
        arith.OrIOp(
            b.add(arith.ShLIOp(b.add(arith.ExtUIOp(high, i64)), b.const(32, i64))),
            b.add(arith.ExtUIOp(low, i64)),
        )
    )
    top = b.add(arith.ShRUIOp(bits, b.const(11, i64)))
    f64 = dtypes.element_type("float64")
    return b.add(arith.MulfOp(b.add(arith.UIToFPOp(top, f64)), b.const(2.0**-53, f64)))


def _sample(b: Builder, fn: str, key, block, params, trials: int) -> SSAValue:
    f64 = dtypes.element_type("float64")
    first, second = params
    if fn == "binomial":

        def trial(j, count):
            words = philox(b, key, b.addi(block, b.from_index(j, i64)))
            hit = b.add(arith.CmpfOp(_unit(b, words[0], words[1]), second, "olt"))
            return [b.addi(count[0], b.add(arith.ExtUIOp(hit, i64)))]

        total = b.for_(b.const(0), b.const(trials), trial, [b.const(0, i64)])[0]
        return b.add(arith.SIToFPOp(total, f64))
    words = philox(b, key, block)
    u = _unit(b, words[0], words[1])
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
    one = b.const(1.0, f64)
    radius = b.add(
        math.SqrtOp(
            b.add(
                arith.MulfOp(
                    b.const(-2.0, f64), b.add(math.LogOp(b.add(arith.SubfOp(one, u))))
                )
            )
        )
    )
    angle = b.add(
        arith.MulfOp(b.const(2 * pymath.pi, f64), _unit(b, words[2], words[3]))
    )
    z = b.add(arith.MulfOp(radius, b.add(math.CosOp(angle))))
    return b.add(arith.AddfOp(first, b.add(arith.MulfOp(z, second))))


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

    count = b.const(1, i64)
    for size in sizes:
        count = b.muli(count, b.from_index(size, i64))
    advanced = b.addi(counter, b.muli(count, b.const(trials, i64)))
    new_state = Lazy(
        "int64",
        [b.const(2)],
        lambda b_, idx: b_.select(b_.cmpi("eq", idx[0], b_.const(0)), key, advanced),
    )
    if not sizes:
        return [Scalar(dt, [], element(b, [])), new_state]
    return [Lazy(dt, sizes, element), new_state]
