"""Lowering of the `st` factorizations (`st.eigh`, `st.svd`, `st.qr`,
`st.pinv`) to the LAPACK routines NumPy's `linalg` calls, as `kernel.lapack_*`
ops: `syevd` for `eigh`, `gesdd` for `svd` and `pinv`, `geqrf` then `orgqr`
for `qr`.

Each copies its operand into a fresh row-major buffer (LAPACK overwrites it)
and turns the routine's `info` into an error (`scanc.lowering.lapack_calls`):
`LinAlgError` when it did not converge or was given a NaN (NumPy's messages),
`MemoryError` when LAPACK could not allocate its work space. An empty matrix makes no call; its results are what NumPy gives
(empty, or the identity for the square factors of `full_matrices`/`complete`).
`pinv` is `vt^T diag(1/s) u^T` over the singular values above `rcond` times
the largest, written as a loop nest after the call; `qr` skips `orgqr` when
`q` is not used, and gives NaNs for an input with NaNs (as NumPy) where the
others raise.

The routines come from the OpenBLAS that NumPy's wheels bundle
(`scanc.runtime.blas`): a Target without it refuses these ops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import kernel, st
from scanc.lowering.builder import Builder, Floats, element_type
from scanc.lowering.decompositions import square_size
from scanc.lowering.elementwise import dtype
from scanc.lowering.lapack_calls import (
    call_allocated,
    call_checked,
    fill_nan_if,
    info_constant,
)
from scanc.lowering.values import Buffer, Lowered
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def _needs_lapack(lw: "Lowering", what: str) -> None:
    if lw.target.runs_kernels:
        raise NotImplementedError(
            f"{what} has no version for the {lw.target.name} target yet: it runs "
            "through LAPACK on the CPU"
        )
    if not lw.target.blas:
        raise NotImplementedError(
            f"{what} needs LAPACK, from the OpenBLAS that NumPy's wheels bundle "
            "(not found with this NumPy, or turned off in the Target)"
        )


def _call_or_nan(b: Builder, f: Floats, op, out: Buffer) -> None:
    """Add the LAPACK `op`; where it fails (a NaN in its input) fill `out` with
    NaN, as NumPy's `qr` gives."""
    info = call_allocated(b, op)
    fill_nan_if(b, f, b.cmpi("ne", info, info_constant(b, 0)), out)


def _positive(b: Builder, size: SSAValue) -> SSAValue:
    return b.cmpi("sgt", size, b.const(0))


def _identity(b: Builder, f: Floats, out: Buffer) -> None:
    def entry(idx):
        on_diagonal = b.cmpi("eq", idx[0], idx[1])
        b.store(b.select(on_diagonal, f.c(1), f.c(0)), out.ref, idx)

    b.loop_nest(out.sizes, entry)


def svd_sizes(m, n, k, full: bool) -> list[list[SSAValue]]:
    """The sizes of `u`, `s` and `vt` (see `st.svd`)."""
    return [[m, m if full else k], [k], [n if full else k, n]]


def qr_sizes(m, n, k, complete: bool) -> list[list[SSAValue]]:
    """The sizes of `q` and `r` (see `st.qr`)."""
    return [[m, m if complete else k], [m if complete else k, n]]


def result_sizes(op, m, n, k) -> list[list[SSAValue]]:
    """The sizes of each result of a factorization of an `m x n` matrix
    (`k = min(m, n)`): what the lowering allocates and what a map-like scan
    output of one needs (`scanc.lowering.sizes`)."""
    if isinstance(op, st.PinvOp):
        return [[n, m]]
    if isinstance(op, st.EighOp):
        return [[n], [n, n]]
    if isinstance(op, st.SvdOp):
        return svd_sizes(m, n, k, op.full_matrices is not None)
    return qr_sizes(m, n, k, op.complete is not None)


def lower_eigh(lw: "Lowering", op: st.EighOp) -> list[Lowered]:
    _needs_lapack(lw, "eigh")
    b, dt = lw.b, dtype(op.values)
    a = lw.get(op.input)
    n = square_size(lw, a, "eigh")
    vectors = lw.copy(a)
    values = lw.new_buffer(dt, [n])
    call = kernel.LapackSyevdOp(vectors.ref, values.ref, op.lower is not None)
    b.if_(
        _positive(b, n),
        lambda: call_checked(b, call, "LinAlgError: Eigenvalues did not converge"),
    )
    return [values, vectors]


def _svd(lw: "Lowering", a: Lowered, dt: str, full: bool) -> list[Buffer]:
    """`u`, `s`, `vt` of `a` (see `st.svd`)."""
    b = lw.b
    m, n = a.sizes
    k = b.mini(m, n)
    work = lw.copy(a)
    u, s, vt = (lw.new_buffer(dt, sizes) for sizes in svd_sizes(m, n, k, full))
    call = kernel.LapackGesddOp(work.ref, u.ref, s.ref, vt.ref, full)
    f = Floats(b, element_type(dt))

    def empty() -> None:
        _identity(b, f, u)
        _identity(b, f, vt)

    b.if_(
        _positive(b, k),
        lambda: call_checked(b, call, "LinAlgError: SVD did not converge"),
        empty if full else None,
    )
    return [u, s, vt]


def lower_svd(lw: "Lowering", op: st.SvdOp) -> list[Lowered]:
    _needs_lapack(lw, "svd")
    full = op.full_matrices is not None
    return list(_svd(lw, lw.get(op.input), dtype(op.s), full))


def lower_pinv(lw: "Lowering", op: st.PinvOp) -> Lowered:
    _needs_lapack(lw, "pinv")
    b, dt = lw.b, dtype(op.result)
    f = Floats(b, element_type(dt))
    a = lw.get(op.input)
    u, s, vt = _svd(lw, a, dt, full=False)
    m, n = a.sizes
    k = s.sizes[0]
    _invert_above_cutoff(b, f, s, k, op.rcond.value.data)
    out = lw.new_buffer(dt, [n, m])

    def entry(idx):
        i, j = idx

        def term(l, acc):
            scaled = f.mul(b.load(vt.ref, [l, i]), b.load(s.ref, [l]))
            return f.add(acc, f.mul(scaled, b.load(u.ref, [j, l])))

        total = b.for_(b.const(0), k, lambda l, acc: [term(l, acc[0])], [f.c(0)])[0]
        b.store(total, out.ref, [i, j])

    b.loop_nest([n, m], entry)
    return out


def _invert_above_cutoff(b: Builder, f: Floats, s: Buffer, k, rcond: float) -> None:
    """s[l] = 1 / s[l] where s[l] > rcond * s[0] (the largest), else 0."""

    def invert() -> None:
        cutoff = f.mul(f.c(rcond), b.load(s.ref, [b.const(0)]))

        def each(l):
            value = b.load(s.ref, [l])
            large = b.add(arith.CmpfOp(value, cutoff, "ogt"))
            b.store(b.select(large, f.div(f.c(1), value), f.c(0)), s.ref, [l])

        b.for_(b.const(0), k, lambda l, _: each(l))

    b.if_(_positive(b, k), invert)


def _load_if(b: Builder, f: Floats, cond, buffer: Buffer, idx) -> SSAValue:
    """buffer[idx] where `cond`, else 0 (no load)."""
    return b.if_(cond, lambda: [b.load(buffer.ref, idx)], lambda: [f.c(0)], [f.type])[0]


def lower_qr(lw: "Lowering", op: st.QrOp) -> list[Lowered]:
    _needs_lapack(lw, "qr")
    b, dt = lw.b, dtype(op.r)
    f = Floats(b, element_type(dt))
    complete = op.complete is not None
    a = lw.get(op.input)
    m, n = a.sizes
    k = b.mini(m, n)
    work = lw.copy(a)
    tau = lw.new_buffer(dt, [k])
    factor = kernel.LapackGeqrfOp(work.ref, tau.ref)
    b.if_(_positive(b, k), lambda: _call_or_nan(b, f, factor, work))
    q_sizes, r_sizes = qr_sizes(m, n, k, complete)
    r = lw.new_buffer(dt, r_sizes)

    def r_entry(idx):
        i, j = idx
        kept = b.add(arith.AndIOp(b.cmpi("sge", j, i), b.cmpi("slt", i, k)))
        b.store(_load_if(b, f, kept, work, idx), r.ref, idx)

    b.loop_nest(r.sizes, r_entry)
    if not op.q.uses:
        return [work, r]  # q unused: its value is never read
    q = lw.new_buffer(dt, q_sizes)

    def q_entry(idx):
        reflector = b.cmpi("slt", idx[1], k)
        b.store(_load_if(b, f, reflector, work, idx), q.ref, idx)

    b.loop_nest(q.sizes, q_entry)
    expand = kernel.LapackOrgqrOp(q.ref, tau.ref)
    b.if_(_positive(b, q.sizes[1]), lambda: _call_or_nan(b, f, expand, q))
    return [q, r]
