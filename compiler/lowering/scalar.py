"""Scalar code for one element of an `st.elementwise` or `st.cast`, with numpy's
semantics (floor division and modulo by zero give 0 instead of trapping)."""

from __future__ import annotations

import math as pymath

from scanc.dialects import libm
from scanc.dialects.st import GRADIENT_MARKS
from scanc import dtypes
from scanc.lowering.builder import Builder, element_type
from xdsl.dialects import arith, math
from xdsl.ir import SSAValue


def convert(b: Builder, v: SSAValue, src: str, dst: str) -> SSAValue:
    """`numpy.asarray(v, src).astype(dst)` for one element."""
    if src == dst:
        return v
    dst_type = element_type(dst)
    if dst == "bool":
        zero = b.const(0, v.type)
        return b.add(
            arith.CmpfOp(v, zero, "une")
            if dtypes.is_float(src)
            else arith.CmpiOp(v, zero, "ne")
        )
    unsigned = src in ("uint8", "bool")
    if dtypes.is_float(src) and dtypes.is_float(dst):
        wider = dst == "float64"
        return b.add(
            arith.ExtFOp(v, dst_type) if wider else arith.TruncFOp(v, dst_type)
        )
    if dtypes.is_float(dst):
        return b.add(
            arith.UIToFPOp(v, dst_type) if unsigned else arith.SIToFPOp(v, dst_type)
        )
    if dtypes.is_float(src):
        return b.add(arith.FPToSIOp(v, dst_type))
    src_bits, dst_bits = v.type.width.data, dst_type.width.data  # type: ignore[attr-defined]
    if src_bits == dst_bits:
        return v
    if src_bits > dst_bits:
        return b.add(arith.TruncIOp(v, dst_type))
    return b.add(arith.ExtUIOp(v, dst_type) if unsigned else arith.ExtSIOp(v, dst_type))


_FLOAT_BINARY = {
    "add": arith.AddfOp,
    "sub": arith.SubfOp,
    "mul": arith.MulfOp,
    "true_div": arith.DivfOp,
    "pow": math.PowFOp,
    "arctan2": math.Atan2Op,
    "maximum": arith.MaximumfOp,
    "minimum": arith.MinimumfOp,
}
_INT_BINARY = {
    "add": arith.AddiOp,
    "sub": arith.SubiOp,
    "mul": arith.MuliOp,
    "maximum": arith.MaxSIOp,
    "minimum": arith.MinSIOp,
    "and": arith.AndIOp,
    "or": arith.OrIOp,
    "xor": arith.XOrIOp,
}
_FLOAT_UNARY = {
    "exp": math.ExpOp,
    "exp2": math.Exp2Op,
    "expm1": math.ExpM1Op,
    "log": math.LogOp,
    "log2": math.Log2Op,
    "log10": math.Log10Op,
    "log1p": math.Log1pOp,
    "sqrt": math.SqrtOp,
    "tanh": math.TanhOp,
    "sin": math.SinOp,
    "cos": math.CosOp,
    "tan": math.TanOp,
    "arcsin": math.AsinOp,
    "arccos": math.AcosOp,
    "arctan": math.AtanOp,
    "sinh": math.SinhOp,
    "cosh": math.CoshOp,
    "arctanh": math.AtanhOp,
    "erf": math.ErfOp,
    "floor": math.FloorOp,
    "ceil": math.CeilOp,
    "round": math.RoundEvenOp,
    "abs": math.AbsFOp,
    "neg": arith.NegfOp,
    "erfc": libm.ErfcOp,
    "gammaln": libm.LgammaOp,
}
_FLOAT_CMP = {
    "lt": "olt",
    "le": "ole",
    "gt": "ogt",
    "ge": "oge",
    "eq": "oeq",
    "neq": "une",
}
_INT_CMP = {"lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge", "eq": "eq", "neq": "ne"}


def apply(b: Builder, fn: str, args: list[SSAValue], dtype: str) -> SSAValue:
    """`fn` on scalars that already have the computation dtype `dtype`."""
    if fn == "switch":
        cond, x, y = args
        return b.select(cond, x, y)
    if fn in GRADIENT_MARKS:  # only gradients differ: the value is the operand's
        return args[0]
    if fn in _FLOAT_CMP:
        if dtypes.is_float(dtype):
            return b.add(arith.CmpfOp(args[0], args[1], _FLOAT_CMP[fn]))
        pred = _INT_CMP[fn]
        if dtype in ("uint8", "bool") and pred.startswith("s"):
            pred = "u" + pred[1:]
        return b.add(arith.CmpiOp(args[0], args[1], pred))
    if dtypes.is_float(dtype):
        return _float(b, fn, args)
    return _integer(b, fn, args, dtype)


def _float(b: Builder, fn: str, args: list[SSAValue]) -> SSAValue:
    if fn in _FLOAT_BINARY:
        return b.add(_FLOAT_BINARY[fn](args[0], args[1]))
    if fn in _FLOAT_UNARY:
        return b.add(_FLOAT_UNARY[fn](args[0]))
    if fn in ("sign", "isnan", "isinf", "softplus"):
        return _float_special(b, fn, args[0])
    if fn in ("psi", "tri_gamma"):
        return polygamma(b, 0 if fn == "psi" else 1, args[0])
    if fn == "sigmoid":
        one = b.const(1.0, args[0].type)
        e = b.add(math.ExpOp(b.add(arith.NegfOp(args[0]))))
        return b.add(arith.DivfOp(one, b.add(arith.AddfOp(one, e))))
    if fn == "int_div":
        return b.add(math.FloorOp(b.add(arith.DivfOp(args[0], args[1]))))
    if fn == "mod":
        return _float_mod(b, args[0], args[1])
    raise NotImplementedError(f"elementwise '{fn}' on floats is not supported yet")


def _float_special(b: Builder, fn: str, x: SSAValue) -> SSAValue:
    zero, one = b.const(0.0, x.type), b.const(1.0, x.type)
    if fn == "isnan":
        return b.add(arith.CmpfOp(x, x, "uno"))
    if fn == "isinf":
        return b.add(
            arith.CmpfOp(b.add(math.AbsFOp(x)), b.const(float("inf"), x.type), "oeq")
        )
    if fn == "sign":
        positive = b.select(b.add(arith.CmpfOp(x, zero, "ogt")), one, zero)
        sign = b.select(
            b.add(arith.CmpfOp(x, zero, "olt")), b.const(-1.0, x.type), positive
        )
        return b.select(b.add(arith.CmpfOp(x, x, "uno")), x, sign)  # nan stays nan
    # softplus: log1p(exp(x)), and x itself where exp would overflow the result
    soft = b.add(math.Log1pOp(b.add(math.ExpOp(x))))
    return b.select(b.add(arith.CmpfOp(x, b.const(30.0, x.type), "ogt")), x, soft)


def _float_mod(b: Builder, x: SSAValue, y: SSAValue) -> SSAValue:
    """Float `%` with the sign of the divisor, as `x - y * floor(x / y)` (numpy
    computes it from fmod; the two can differ in the last bits for huge ratios)."""
    quotient = b.add(math.FloorOp(b.add(arith.DivfOp(x, y))))
    return b.add(arith.SubfOp(x, b.add(arith.MulfOp(y, quotient))))


_UNSIGNED_BINARY = {"maximum": arith.MaxUIOp, "minimum": arith.MinUIOp}
_BOOL_BINARY = {"add": arith.OrIOp, "mul": arith.AndIOp}  # NumPy's bool + and *


def _integer(b: Builder, fn: str, args: list[SSAValue], dtype: str) -> SSAValue:
    unsigned = dtype in ("uint8", "bool")
    if dtype == "bool" and fn in _BOOL_BINARY:
        return b.add(_BOOL_BINARY[fn](args[0], args[1]))
    if unsigned and fn in _UNSIGNED_BINARY:
        return b.add(_UNSIGNED_BINARY[fn](args[0], args[1]))
    if fn in _INT_BINARY:
        return b.add(_INT_BINARY[fn](args[0], args[1]))
    x = args[0]
    zero, one = b.const(0, x.type), b.const(1, x.type)
    if fn == "neg":
        return b.subi(zero, x)
    if fn == "sign":
        positive = b.select(b.cmpi("ne" if unsigned else "sgt", x, zero), one, zero)
        if unsigned:
            return positive
        return b.select(b.cmpi("slt", x, zero), b.const(-1, x.type), positive)
    if fn in ("isnan", "isinf"):
        return b.const(0, element_type("bool"))
    if fn == "abs":
        return x if unsigned else b.add(math.AbsIOp(x))
    if fn == "invert":
        return b.add(arith.XOrIOp(x, b.const(-1 if dtype != "bool" else 1, x.type)))
    if fn in ("int_div", "mod"):
        if unsigned:
            return _unsigned_divmod(b, fn, x, args[1])
        return _safe_divmod(b, fn, x, args[1])
    if fn == "pow":
        return _int_pow(b, x, args[1], unsigned)
    raise NotImplementedError(f"elementwise '{fn}' on integers is not supported yet")


def _unsigned_divmod(b: Builder, fn: str, x: SSAValue, y: SSAValue) -> SSAValue:
    """Floor division / modulo of unsigned integers; by zero gives 0 (NumPy)."""
    zero = b.const(0, x.type)
    is_zero = b.cmpi("eq", y, zero)
    safe_y = b.select(is_zero, b.const(1, x.type), y)
    result = b.add((arith.DivUIOp if fn == "int_div" else arith.RemUIOp)(x, safe_y))
    return b.select(is_zero, zero, result)


def _safe_divmod(b: Builder, fn: str, x: SSAValue, y: SSAValue) -> SSAValue:
    """Floor division / modulo as numpy: by zero gives 0, MIN // -1 wraps."""
    zero, one, minus_one = (b.const(v, x.type) for v in (0, 1, -1))
    is_zero = b.cmpi("eq", y, zero)
    is_minus_one = b.cmpi("eq", y, minus_one)
    safe_y = b.select(b.add(arith.OrIOp(is_zero, is_minus_one)), one, y)
    q = b.add(arith.DivSIOp(x, safe_y))
    r = b.add(arith.RemSIOp(x, safe_y))
    adjust = b.add(
        arith.AndIOp(
            b.cmpi("ne", r, zero),
            b.add(arith.XOrIOp(b.cmpi("slt", r, zero), b.cmpi("slt", safe_y, zero))),
        )
    )
    if fn == "int_div":
        q = b.select(adjust, b.subi(q, one), q)
        q = b.select(is_minus_one, b.subi(zero, x), q)
        return b.select(is_zero, zero, q)
    r = b.select(adjust, b.addi(r, safe_y), r)
    return b.select(b.add(arith.OrIOp(is_zero, is_minus_one)), zero, r)


def _int_pow(
    b: Builder, base: SSAValue, exponent: SSAValue, unsigned: bool
) -> SSAValue:
    """Square-and-multiply over the exponent's bits, lowest first (wraps like
    numpy); the exponent is shifted right at every step."""
    zero, one = b.const(0, exponent.type), b.const(1, exponent.type)
    if not unsigned:
        b.check(
            b.cmpi("sge", exponent, zero),
            "ValueError: integers to negative integer powers are not allowed",
        )
    bits = exponent.type.width.data  # type: ignore[attr-defined]

    def step(_: SSAValue, carried: list[SSAValue]) -> list[SSAValue]:
        result, power, rest = carried
        take = b.cmpi("ne", b.add(arith.AndIOp(rest, one)), zero)
        result = b.select(take, b.muli(result, power), result)
        return [result, b.muli(power, power), b.add(arith.ShRUIOp(rest, one))]

    start = [b.const(1, base.type), base, exponent]
    result, _, _ = b.for_(b.const(0), b.const(bits), step, start)
    return result


#: Bernoulli-number coefficients of the asymptotic series of digamma
#: (ln y - 1/2y - sum c_k / y^2k) and trigamma (1/y + 1/2y^2 + sum c_k / y^(2k+1))
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760)
_TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
#: the series is used from here on; the recurrence brings smaller arguments up
_ASYMPTOTIC_FROM = 10.0


def polygamma(b: Builder, order: int, x: SSAValue) -> SSAValue:
    """digamma (order 0) or trigamma (order 1) of a float: the reflection
    formula below 1/2, the recurrence up to 10, then the asymptotic series
    (about 1e-15 relative error; poles at 0, -1, -2, ... give +-inf or NaN)."""
    t = x.type
    c = lambda v: b.const(v, t)  # noqa: E731
    f = lambda cls, *a: b.add(cls(*a))  # noqa: E731
    reflect = f(arith.CmpfOp, x, c(0.5), "olt")
    y = b.select(reflect, f(arith.SubfOp, c(1.0), x), x)
    shift = c(0.0)
    for _ in range(int(_ASYMPTOTIC_FROM)):  # y >= 1/2: ten steps reach 10
        small = f(arith.CmpfOp, y, c(_ASYMPTOTIC_FROM), "olt")
        inverse = f(arith.DivfOp, c(1.0), y)
        term = inverse if order == 0 else f(arith.MulfOp, inverse, inverse)
        shift = b.select(small, f(arith.AddfOp, shift, term), shift)
        y = b.select(small, f(arith.AddfOp, y, c(1.0)), y)
    value = f(
        arith.AddfOp, _series(b, order, y), shift if order else f(arith.NegfOp, shift)
    )
    return b.select(reflect, _reflected(b, order, x, value), value)


def _series(b: Builder, order: int, y: SSAValue) -> SSAValue:
    """The asymptotic series at y >= 10, summed from the smallest term."""
    t = y.type
    c = lambda v: b.const(v, t)  # noqa: E731
    f = lambda cls, *a: b.add(cls(*a))  # noqa: E731
    inverse = f(arith.DivfOp, c(1.0), y)
    square = f(arith.MulfOp, inverse, inverse)
    coefficients = _DIGAMMA_SERIES if order == 0 else _TRIGAMMA_SERIES
    tail = c(0.0)
    for coefficient in reversed(coefficients):  # Horner in 1/y^2
        tail = f(arith.MulfOp, square, f(arith.AddfOp, tail, c(coefficient)))
    if order == 0:
        head = f(arith.SubfOp, b.add(math.LogOp(y)), f(arith.MulfOp, c(0.5), inverse))
        return f(arith.SubfOp, head, tail)
    head = f(arith.AddfOp, inverse, f(arith.MulfOp, c(0.5), square))
    return f(arith.AddfOp, head, f(arith.MulfOp, inverse, tail))


def _reflected(b: Builder, order: int, x: SSAValue, at_one_minus_x: SSAValue):
    """digamma(x) = digamma(1 - x) - pi / tan(pi x);
    trigamma(x) = pi^2 / sin^2(pi x) - trigamma(1 - x)."""
    t = x.type
    f = lambda cls, *a: b.add(cls(*a))  # noqa: E731
    angle = f(arith.MulfOp, b.const(pymath.pi, t), x)
    if order == 0:
        cotangent = f(arith.DivfOp, b.const(pymath.pi, t), b.add(math.TanOp(angle)))
        return f(arith.SubfOp, at_one_minus_x, cotangent)
    sine = b.add(math.SinOp(angle))
    pi_squared = b.const(pymath.pi**2, t)
    cosecant2 = f(arith.DivfOp, pi_squared, f(arith.MulfOp, sine, sine))
    return f(arith.SubfOp, cosecant2, at_one_minus_x)
