"""Samplers of one element of `st.random` draws that need more than one block:
exponential, gamma and poisson.

Element `i` of a draw owns Philox block number `counter + i`; a sampler that
rejects candidates takes its `j`-th block from that number with the counter's
third word set to `j` (`philox(..., stream=j)`), so every element has its own
unbounded sequence and the draw still uses one block number per element.

- exponential(scale): `-log(1 - u) * scale` (inversion).
- gamma(shape), scale 1: Marsaglia and Tsang, "A simple method for generating
  gamma variables" (ACM TOMS 2000): `d = a - 1/3`, `c = 1/sqrt(9d)`, candidate
  `d (1 + c x)^3` for a standard normal `x`, accepted when
  `log u < x^2/2 + d - d v + d log v`; for `shape < 1`, a draw of `shape + 1`
  times `u^(1/shape)` (the `u` from stream 2^32 - 1).
- poisson(lam): for `lam < 10` the product of uniforms (Knuth); from 10 on the
  transformed rejection PTRS (Hormann, "The transformed rejection method for
  generating Poisson random variables", 1993), as NumPy's.

Invalid parameters (negative or NaN shape, scale or rate) stop the call with
`ValueError`, as NumPy's samplers do.
"""

from __future__ import annotations

from scanc.lowering.builder import Builder, Floats, element_type
from scanc.dialects import libm
from scanc.lowering.philox import box_muller, i32, i64, philox, unit
from xdsl.dialects import arith
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import SSAValue

f64 = element_type("float64")
i1 = IntegerType(1)


def _units(b: Builder, key, block, stream) -> tuple[SSAValue, SSAValue]:
    """Two uniforms in (0, 1] from the block `(block, stream)`."""
    words = philox(b, key, block, stream)
    one = b.const(1.0, f64)
    return (
        b.add(arith.SubfOp(one, unit(b, words[0], words[1]))),
        b.add(arith.SubfOp(one, unit(b, words[2], words[3]))),
    )


def _stream(b: Builder, j: SSAValue) -> SSAValue:
    return b.add(arith.TruncIOp(j, i32))


def exponential(b: Builder, key, block, scale) -> SSAValue:
    f = Floats(b)
    b.check(f.ge(scale, f.c(0)), "ValueError: exponential: scale must be >= 0")
    u, _ = _units(b, key, block, b.const(0, i32))
    return f.mul(f.sub(f.c(0), f.log(u)), scale)


def gamma(b: Builder, key, block, shape) -> SSAValue:
    f = Floats(b)
    finite = f.and_(f.lt(f.c(0), shape), f.lt(shape, f.c(float("inf"))))
    b.check(finite, "ValueError: gamma: shape must be positive and finite")
    small = f.lt(shape, f.c(1))
    a = b.select(small, f.add(shape, f.c(1)), shape)
    d = f.sub(a, f.c(1 / 3))
    c = f.div(f.c(1), f.sqrt(f.mul(f.c(9), d)))

    def attempt(carried):
        j, _ = carried
        u0, u1 = _units(b, key, block, _stream(b, b.muli(j, b.const(2, i64))))
        u2, _ = _units(
            b,
            key,
            block,
            _stream(b, b.addi(b.muli(j, b.const(2, i64)), b.const(1, i64))),
        )
        (x,) = box_muller(b, f.sub(f.c(1), u0), u1, pair=False)
        t = f.add(f.c(1), f.mul(c, x))
        v = f.mul(f.mul(t, t), t)
        bound = f.add(
            f.add(f.mul(f.c(0.5), f.mul(x, x)), d),
            f.sub(f.mul(d, f.log(v)), f.mul(d, v)),
        )
        accepted = f.and_(f.lt(f.c(0), t), f.lt(f.log(u2), bound))
        return f.not_(accepted), [b.addi(j, b.const(1, i64)), f.mul(d, v)]

    value = b.repeat([b.const(0, i64), f.c(0)], attempt)[1]
    u, _ = _units(b, key, block, b.const(-1, i32))
    boost = b.select(small, f.exp(f.div(f.log(u), shape)), f.c(1))
    return f.mul(value, boost)


def poisson(b: Builder, key, block, lam) -> SSAValue:
    f = Floats(b)
    valid = f.and_(f.ge(lam, f.c(0)), f.lt(lam, f.c(1e10)))
    b.check(valid, "ValueError: poisson: lam must be in [0, 1e10)")
    return b.if_(
        f.lt(lam, f.c(10)),
        lambda: [_poisson_product(b, key, block, lam)],
        lambda: [_poisson_ptrs(b, key, block, lam)],
        [f64],
    )[0]


def _poisson_product(b: Builder, key, block, lam) -> SSAValue:
    """Knuth's method: the number of uniforms whose product stays above e^-lam."""
    f = Floats(b)
    limit = f.exp(f.sub(f.c(0), lam))

    def step(carried):
        j, product = carried
        u, _ = _units(b, key, block, _stream(b, j))
        product = f.mul(product, u)
        return f.lt(limit, product), [b.addi(j, b.const(1, i64)), product]

    count = b.repeat([b.const(0, i64), f.c(1)], step)[0]
    return b.add(arith.SIToFPOp(b.subi(count, b.const(1, i64)), f64))


def _poisson_ptrs(b: Builder, key, block, lam) -> SSAValue:
    """Hormann's PTRS, for lam >= 10."""
    f = Floats(b)
    slam, loglam = f.sqrt(lam), f.log(lam)
    bb = f.add(f.c(0.931), f.mul(f.c(2.53), slam))
    aa = f.add(f.c(-0.059), f.mul(f.c(0.02483), bb))
    invalpha = f.add(f.c(1.1239), f.div(f.c(1.1328), f.sub(bb, f.c(3.4))))
    vr = f.sub(f.c(0.9277), f.div(f.c(3.6224), f.sub(bb, f.c(2))))

    def attempt(carried):
        j, _ = carried
        u1, v = _units(b, key, block, _stream(b, j))
        u = f.sub(u1, f.c(0.5))
        us = f.sub(f.c(0.5), f.abs(u))
        k = f.floor(
            f.add(
                f.mul(f.add(f.div(f.mul(f.c(2), aa), us), bb), u), f.add(lam, f.c(0.43))
            )
        )
        quick = f.and_(f.ge(us, f.c(0.07)), f.le(v, vr))
        hopeless = f.or_(f.lt(k, f.c(0)), f.and_(f.lt(us, f.c(0.013)), f.lt(us, v)))
        lhs = f.sub(
            f.add(f.log(v), f.log(invalpha)),
            f.log(f.add(f.div(aa, f.mul(us, us)), bb)),
        )
        lgamma = b.add(libm.LgammaOp(f.add(k, f.c(1))))
        rhs = f.sub(f.add(f.sub(f.c(0), lam), f.mul(k, loglam)), lgamma)
        accepted = f.or_(quick, f.and_(f.not_(hopeless), f.le(lhs, rhs)))
        return f.not_(accepted), [b.addi(j, b.const(1, i64)), k]

    return b.repeat([b.const(0, i64), f.c(0)], attempt)[1]


SAMPLERS = {"exponential": exponential, "gamma": gamma, "poisson": poisson}
