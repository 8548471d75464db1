"""Reverse-mode rules: one entry per op (per function for `st.elementwise`).

A rule takes the op, the adjoint of its result and its operands (as symbolic
variables) and returns one adjoint per operand (None: no gradient flows there).
Rules build their ops with the `scanc.tensor` API, so broadcasting and dtypes
follow the forward ops; `construct.py` inserts what they build.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scanc.dialects import scan, st
from scanc.graph import TensorVariable, wrap
from scanc.ifelse import ifelse
from scanc.tensor import basic as T
from scanc.tensor import (
    extra_ops,
    indexing,
    nlinalg,
    products,
    reductions,
    shape,
    slinalg,
)
from xdsl.dialects import arith
from xdsl.ir import Operation

V = TensorVariable


def _out(op: Operation) -> V:
    return V(op.results[0])


def unbroadcast(g: V, like: V) -> V:
    """`g` summed over the axes `like` broadcast along, with like's dtype."""
    axes = [
        a
        for a, (d, e) in enumerate(zip(like.ir_type.get_shape(), g.ir_type.get_shape()))
        if d == 1 and e != 1
    ]
    if axes:
        g = reductions.sum(g, axis=axes, keepdims=True)
    return T.cast(g, like.dtype) if g.dtype != like.dtype else g


def _elementwise(op: st.ElementwiseOp, g: V, xs: list[V]) -> list[V | None]:
    fn, y = op.fn.data, _out(op)
    local = ELEMENTWISE.get(fn)
    if local is None:
        return [None] * len(xs)  # comparisons, rounding, integer ops: no gradient
    return [
        None if d is None else unbroadcast(d, x) for d, x in zip(local(g, xs, y), xs)
    ]


def _d_pow(g, xs, y):
    a, b = xs
    return [
        g * b * a ** (b - 1),
        g * y * T.log(a) if T.dtypes.is_float(b.dtype) else None,
    ]


def _d_switch(g, xs, y):
    zero = T.zeros_like(g)
    return [None, T.switch(xs[0], g, zero), T.switch(xs[0], zero, g)]


def _d_tri_gamma(g, xs, y):
    raise NotImplementedError(
        "the gradient of tri_gamma (polygamma of order 2) is not supported yet"
    )


LN2, LN10, TWO_BY_SQRT_PI = math.log(2), math.log(10), 2 / math.sqrt(math.pi)

ELEMENTWISE = {
    "add": lambda g, xs, y: [g, g],
    "sub": lambda g, xs, y: [g, -g],
    "mul": lambda g, xs, y: [g * xs[1], g * xs[0]],
    "true_div": lambda g, xs, y: [g / xs[1], -g * xs[0] / (xs[1] * xs[1])],
    "neg": lambda g, xs, y: [-g],
    "pow": _d_pow,
    # arctan2(y, x): the angle of (x, y); d/dy = x / r^2, d/dx = -y / r^2
    "arctan2": lambda g, xs, y: [
        g * xs[1] / (xs[0] * xs[0] + xs[1] * xs[1]),
        -g * xs[0] / (xs[0] * xs[0] + xs[1] * xs[1]),
    ],
    "maximum": lambda g, xs, y: [
        T.switch(T.ge(xs[0], xs[1]), g, 0 * g),
        T.switch(T.lt(xs[0], xs[1]), g, 0 * g),
    ],
    "minimum": lambda g, xs, y: [
        T.switch(T.le(xs[0], xs[1]), g, 0 * g),
        T.switch(T.gt(xs[0], xs[1]), g, 0 * g),
    ],
    "abs": lambda g, xs, y: [g * T.sign(xs[0])],
    "exp": lambda g, xs, y: [g * y],
    "exp2": lambda g, xs, y: [g * y * LN2],
    "expm1": lambda g, xs, y: [g * (y + 1)],
    "log": lambda g, xs, y: [g / xs[0]],
    "log2": lambda g, xs, y: [g / (xs[0] * LN2)],
    "log10": lambda g, xs, y: [g / (xs[0] * LN10)],
    "log1p": lambda g, xs, y: [g / (xs[0] + 1)],
    "sqrt": lambda g, xs, y: [g / (2 * y)],
    "tanh": lambda g, xs, y: [g * (1 - y * y)],
    "sigmoid": lambda g, xs, y: [g * y * (1 - y)],
    "softplus": lambda g, xs, y: [g * T.sigmoid(xs[0])],
    "sin": lambda g, xs, y: [g * T.cos(xs[0])],
    "cos": lambda g, xs, y: [-g * T.sin(xs[0])],
    "tan": lambda g, xs, y: [g * (1 + y * y)],
    "arcsin": lambda g, xs, y: [g / T.sqrt(1 - xs[0] * xs[0])],
    "arccos": lambda g, xs, y: [-g / T.sqrt(1 - xs[0] * xs[0])],
    "arctan": lambda g, xs, y: [g / (1 + xs[0] * xs[0])],
    "sinh": lambda g, xs, y: [g * T.cosh(xs[0])],
    "cosh": lambda g, xs, y: [g * T.sinh(xs[0])],
    "arctanh": lambda g, xs, y: [g / (1 - xs[0] * xs[0])],
    "erf": lambda g, xs, y: [g * TWO_BY_SQRT_PI * T.exp(-(xs[0] * xs[0]))],
    "erfc": lambda g, xs, y: [-g * TWO_BY_SQRT_PI * T.exp(-(xs[0] * xs[0]))],
    "gammaln": lambda g, xs, y: [g * T.psi(xs[0])],
    "psi": lambda g, xs, y: [g * T.tri_gamma(xs[0])],
    "tri_gamma": _d_tri_gamma,
    "switch": _d_switch,
    "zero_grad": lambda g, xs, y: [T.zeros_like(g)],
    "disconnected_grad": lambda g, xs, y: [None],
    "grad_scale": lambda g, xs, y: [g * xs[1], None],
    "grad_clip": lambda g, xs, y: [T.clip(g, xs[1], xs[2]), None, None],
}


def _cast(op, g, xs):
    return [T.cast(g, xs[0].dtype) if T.dtypes.is_float(xs[0].dtype) else None]


def _expand_dims(op: st.ExpandDimsOp, g, xs):
    return [reductions.sum(g, axis=list(op.axes.get_values()))]


def _alloc(op, g, xs):
    return [reductions.sum(g)] + [None] * (len(xs) - 1)


def _reduce(op: st.ReduceOp, g, xs):
    x, fn, axes = xs[0], op.fn.data, list(op.axes.get_values())
    spread = T.expand_dims(g, axes) if axes else g
    if fn == "sum":
        return [T.ones_like(x) * spread]
    if fn == "prod":
        return [spread * T.expand_dims(_out(op), axes) / x]
    if fn in ("max", "min"):
        hit = T.eq(x, T.expand_dims(_out(op), axes))
        return [T.switch(hit, T.ones_like(x) * spread, T.zeros_like(x))]
    return [None]


def _dot(op, g, xs):
    a, w = xs
    if a.ndim == 1 and w.ndim == 1:
        return [g * w, g * a]
    if a.ndim == 1:
        return [products.dot(w, g), products.outer(a, g)]
    if w.ndim == 1:
        return [products.outer(g, w), products.dot(shape.transpose(a), g)]
    return [products.dot(g, shape.transpose(w)), products.dot(shape.transpose(a), g)]


def _transpose(op: st.TransposeOp, g, xs):
    perm = list(op.perm.get_values())
    inverse = [perm.index(a) for a in range(len(perm))]
    return [shape.transpose(g, inverse)]


def _subtensor(op: st.SubtensorOp, g, xs):
    zeros = T.zeros_like(xs[0])
    update = st.SetSubtensorOp(
        "inc", zeros.value, T.cast(g, xs[0].dtype).value, op.entries(), list(op.indices)
    )
    return [wrap(update)] + [None] * len(op.indices)


def _set_subtensor(op: st.SetSubtensorOp, g, xs):
    x, y, indices = xs[0], xs[1], list(op.indices)
    dropped = sum(1 for e in op.entries() if e == "i")
    region_type = T.dtypes.tensor_type(g.dtype, [None] * (x.ndim - dropped))
    region = wrap(st.SubtensorOp(g.value, op.entries(), indices, region_type))
    cleared = (
        g
        if op.fn.data == "inc"
        else wrap(
            st.SetSubtensorOp(
                "set", g.value, T.zeros_like(y).value, op.entries(), indices
            )
        )
    )
    return [cleared, unbroadcast(region, y)] + [None] * len(indices)


def _take(op: st.TakeOp, g, xs):
    zeros = T.zeros_like(xs[0])
    update = st.PutOp("inc", zeros.value, op.indices, g.value, op.axis.value.data)
    return [wrap(update), None]


def _put(op: st.PutOp, g, xs):
    """`inc`: the value's adjoint is g at the taken positions. `set`: those
    positions of g are cleared for the input, and of repeated indices only the
    last write reaches the result, so the others get no gradient."""
    x, indices, value = xs
    axis = op.axis.value.data
    at = (slice(None),) * axis + (indices,)
    d_value = g[at]
    if op.fn.data == "inc":
        return [g, None, unbroadcast(d_value, value)]
    d_input = indexing.set_subtensor(g[at], T.zeros_like(d_value))
    flat = shape.flatten(indices, 1)
    writes = T.arange(T.dim(flat, 0), dtype="int64")
    last_writer = indexing.set_subtensor(
        T.alloc(T.constant(-1, dtype="int64"), T.dim(x, axis))[flat], writes
    )
    is_last = shape.reshape(
        T.eq(last_writer[flat], writes),
        [T.dim(indices, a) for a in range(indices.ndim)],
    )
    around = [*range(axis), *range(axis + indices.ndim, d_value.ndim)]
    kept = T.switch(T.expand_dims(is_last, around), d_value, T.zeros_like(d_value))
    return [d_input, None, unbroadcast(kept, value)]


def _compress(op: st.CompressOp, g, xs):
    x, mask = xs
    return [indexing.inc_subtensor(T.zeros_like(x)[mask], g), None]


def _masked_put(op: st.MaskedPutOp, g, xs):
    x, mask, value = xs
    d_value = unbroadcast(g[mask], value)
    if op.fn.data == "inc":
        return [g, None, d_value]
    return [indexing.set_subtensor(g[mask], T.zeros_like(g[mask])), None, d_value]


def _diagonal(op: st.DiagonalOp, g, xs):
    """The adjoint of diagonal `k` of a matrix: g on that diagonal, zero
    elsewhere (g added into a flat buffer at the diagonal's positions)."""
    x, k = xs[0], op.offset.value.data
    rows, cols = T.dim(x, 0), T.dim(x, 1)
    steps = T.arange(T.dim(g, 0), dtype="int64")
    positions = (steps + max(-k, 0)) * cols + steps + max(k, 0)
    flat = T.alloc(T.constant(0, dtype=g.dtype), rows * cols)
    return [shape.reshape(indexing.inc_subtensor(flat[positions], g), [rows, cols])]


def _reshape(op: st.ReshapeOp, g, xs):
    x = xs[0]
    return [shape.reshape(g, [T.dim(x, a) for a in range(x.ndim)])] + [None] * (
        len(xs) - 1
    )


def _concatenate(op: st.ConcatenateOp, g, xs):
    axis, start, pieces = op.axis.value.data, T.constant(0, dtype="int64"), []
    for x in xs:
        stop = start + T.dim(x, axis)
        index = (slice(None),) * axis + (slice(start, stop),)
        pieces.append(g[index])
        start = stop
    return pieces


def _final(op, g, xs):
    """`scan.final trace, initial` is row -1 of `concatenate([initial, trace])`."""
    trace, initial = xs
    rows = shape.concatenate([initial, trace], axis=0)
    d_rows = indexing.inc_subtensor(T.zeros_like(rows)[-1], T.cast(g, rows.dtype))
    first = T.dim(initial, 0)
    return [d_rows[first:], d_rows[:first]]


def _ifelse(op: st.IfElseOp, g, xs):
    """g flows to the branch chosen; the other gets zeros (of its own sizes).
    The condition gets a zero gradient, as in PyTensor (a nudge to it is taken
    to pick the same branch)."""
    cond, then, else_ = xs
    d_cond = T.zeros_like(cond) if T.dtypes.is_float(cond.dtype) else None
    return [
        d_cond,
        ifelse(cond, g, T.zeros_like(then, dtype=g.dtype)),
        ifelse(cond, T.zeros_like(else_, dtype=g.dtype), g),
    ]


def _solve(op: st.SolveOp, g, xs):
    """x = a^-1 b: b's adjoint solves with a^T; a's is -(b's adjoint) x^T."""
    a, _ = xs
    x = _out(op)
    d_b = slinalg.solve(a, g, transposed=True)
    return [-_outer_product(d_b, x), d_b]


def _outer_product(u: V, v: V) -> V:
    """u v^T for vectors, u v^T summed over columns for matrices."""
    return products.outer(u, v) if u.ndim == 1 else products.dot(u, shape.transpose(v))


def _triangular_solve(op: st.TriangularSolveOp, g, xs):
    """As `solve`, with op(a) for a and only the triangle the op reads."""
    a, _ = xs
    x, lower, trans = _out(op), op.lower is not None, op.trans is not None
    unit = op.unit_diagonal is not None
    d_b = slinalg.solve_triangular(
        a, g, lower=lower, trans=0 if trans else 1, unit_diagonal=unit
    )
    d_op = -_outer_product(d_b, x)
    d_a = shape.transpose(d_op) if trans else d_op
    keep = extra_ops.tril if lower else extra_ops.triu
    return [keep(d_a, -1 if lower and unit else (1 if unit else 0)), d_b]


def _cholesky(op: st.CholeskyOp, g, xs):
    """Murray (2016), "Differentiation of the Cholesky decomposition": with
    Phi the lower triangle with half the diagonal, S = L^-T Phi(L^T g) L^-1;
    the adjoint is S + S^T on the triangle the op reads, S's diagonal once."""
    lower = op.lower is not None
    factor = _out(op) if lower else shape.transpose(_out(op))
    g = g if lower else shape.transpose(g)
    product = products.dot(shape.transpose(factor), g)
    phi = extra_ops.tril(product) - shape.diag(shape.diagonal(product) * 0.5)
    upper = shape.transpose(factor)
    inner = slinalg.solve_triangular(upper, shape.transpose(phi), lower=False)
    s = slinalg.solve_triangular(upper, shape.transpose(inner), lower=False)
    keep = extra_ops.tril if lower else extra_ops.triu
    return [keep(s + shape.transpose(s)) - shape.diag(shape.diagonal(s))]


def _det(op: st.DetOp, g, xs):
    """d det = det a^-T, d log|det| = a^-T; the sign is piecewise constant."""
    (a,) = xs
    if op.fn.data == "sign":
        return [None]
    inverse_t = shape.transpose(nlinalg.inv(a))
    return [g * _out(op) * inverse_t if op.fn.data == "det" else g * inverse_t]


def _none(op, g, xs):
    return [None] * len(xs)


#: adjoint rules of ops with several results, given every result's adjoint
#: (None where none flows) and which operands are wanted (the others get None):
#: `(op, output_adjoints, inputs, wanted) -> input adjoints`; `scan.loop`'s is
#: registered by `scanc.autodiff.scan_rule`
MULTI_RULES: dict[type, Callable] = {}

RULES = {
    st.ElementwiseOp: lambda op, g, xs: _elementwise(op, g, xs),
    st.CastOp: _cast,
    st.ExpandDimsOp: _expand_dims,
    st.AllocOp: _alloc,
    st.ReduceOp: _reduce,
    st.DotOp: _dot,
    st.TransposeOp: _transpose,
    st.SubtensorOp: _subtensor,
    st.SetSubtensorOp: _set_subtensor,
    st.TakeOp: _take,
    st.PutOp: _put,
    st.CompressOp: _compress,
    st.MaskedPutOp: _masked_put,
    st.ReshapeOp: _reshape,
    st.DiagonalOp: _diagonal,
    st.ConcatenateOp: _concatenate,
    st.IfElseOp: _ifelse,
    st.CheckOp: lambda op, g, xs: [None, g],
    st.SolveOp: _solve,
    st.TriangularSolveOp: _triangular_solve,
    st.CholeskyOp: _cholesky,
    st.DetOp: _det,
    st.DimOp: _none,
    st.ArangeOp: _none,
    st.ArgReduceOp: _none,
    st.ArgsortOp: _none,
    st.RandomOp: _none,
    arith.ConstantOp: _none,
    scan.FinalOp: _final,
}
