"""Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
3", SC 2011) and the conversions of its words to floats, computed inline."""

from __future__ import annotations

import math as pymath

from scanc.lowering.builder import Builder, element_type
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

i32, i64 = IntegerType(32), IntegerType(64)
_M0, _M1 = 0xD2511F53, 0xCD9E8D57
_W0, _W1 = 0x9E3779B9, 0xBB67AE85


def _mulhilo(b: Builder, m: int, x: SSAValue) -> tuple[SSAValue, SSAValue]:
    wide = b.muli(b.const(m, i64), b.add(arith.ExtUIOp(x, i64)))
    hi = b.add(arith.TruncIOp(b.add(arith.ShRUIOp(wide, b.const(32, i64))), i32))
    return hi, b.add(arith.TruncIOp(wide, i32))


def philox(
    b: Builder, key: SSAValue, counter: SSAValue, stream: SSAValue | None = None
) -> list[SSAValue]:
    """The four 32-bit words of Philox4x32-10 for a 64-bit key and counter; the
    counter's third word is `stream` (i32, default 0), so one block number gives
    the many blocks a rejection sampler may need."""

    def split(v):
        low = b.add(arith.TruncIOp(v, i32))
        return low, b.add(
            arith.TruncIOp(b.add(arith.ShRUIOp(v, b.const(32, i64))), i32)
        )

    k0, k1 = split(key)
    c0, c1 = split(counter)
    c3 = b.const(0, i32)
    c2 = stream if stream is not None else c3
    for round_ in range(10):
        if round_:
            k0 = b.addi(k0, b.const(_W0 - (1 << 32), i32))
            k1 = b.addi(k1, b.const(_W1 - (1 << 32), i32))
        hi0, lo0 = _mulhilo(b, _M0, c0)
        hi1, lo1 = _mulhilo(b, _M1, c2)
        xor = lambda x, y: b.add(arith.XOrIOp(x, y))  # noqa: E731
        c0, c1, c2, c3 = xor(xor(hi1, c1), k0), lo1, xor(xor(hi0, c3), k1), lo0
    return [c0, c1, c2, c3]


def unit(b: Builder, high: SSAValue, low: SSAValue) -> SSAValue:
    """A float64 in [0, 1) from 53 bits of two 32-bit words."""
    bits = b.add(
        arith.OrIOp(
            b.add(arith.ShLIOp(b.add(arith.ExtUIOp(high, i64)), b.const(32, i64))),
            b.add(arith.ExtUIOp(low, i64)),
        )
    )
    top = b.add(arith.ShRUIOp(bits, b.const(11, i64)))
    f64 = element_type("float64")
    return b.add(arith.MulfOp(b.add(arith.UIToFPOp(top, f64)), b.const(2.0**-53, f64)))


def box_muller(
    b: Builder, u0: SSAValue, u1: SSAValue, pair: bool = True
) -> list[SSAValue]:
    """Two independent standard normals from two uniforms in [0, 1) (the
    cosine's only, without `pair`)."""
    f64 = element_type("float64")
    log = b.add(math.LogOp(b.add(arith.SubfOp(b.const(1.0, f64), u0))))
    radius = b.add(math.SqrtOp(b.add(arith.MulfOp(b.const(-2.0, f64), log))))
    angle = b.add(arith.MulfOp(b.const(2 * pymath.pi, f64), u1))
    trig = [math.CosOp, math.SinOp] if pair else [math.CosOp]
    return [b.add(arith.MulfOp(radius, b.add(f(angle)))) for f in trig]
