"""Calling LAPACK from the `loops` stage: the `kernel.lapack_*` ops' status
checks, and the Target's crossover between inline loops and a LAPACK call.

A `kernel.lapack_*` op gives LAPACKE's `info`: 0 when done, -1010 or below
when LAPACK could not allocate its work space (always a `MemoryError`), another
negative value when LAPACKE refused an argument (for our calls: a NaN in the
input, which NumPy's LAPACK would have let through to NaN results), and a
positive value for the routine's own failure (a singular matrix, no
convergence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from scanc.lowering.builder import Builder, Floats, constant_index
from scanc.lowering.values import Buffer
from xdsl.dialects.builtin import IntegerType
from xdsl.ir import Attribute, Operation, SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering

#: LAPACKE's status when it could not allocate (-1011 for its transposed copies)
LAPACKE_MEMORY_ERROR = -1010

#: the element types LAPACK computes in
LAPACK_DTYPES = ("float64", "float32")

Branch = Callable[[], Sequence[SSAValue] | None]


def call_allocated(b: Builder, op: Operation) -> SSAValue:
    """Add the LAPACK `op`, check that it had memory and give its `info`."""
    info = b.add(op)
    allocated = b.cmpi("sgt", info, info_constant(b, LAPACKE_MEMORY_ERROR))
    b.check(allocated, "MemoryError: LAPACK could not allocate its work space")
    return info


def call_checked(b: Builder, op: Operation, failure: str) -> None:
    """Add the LAPACK `op` and stop with `failure` ("Class: text") unless it
    succeeded."""
    info = call_allocated(b, op)
    b.check(b.cmpi("eq", info, info_constant(b, 0)), failure)


def info_constant(b: Builder, value: int) -> SSAValue:
    return b.const(value, IntegerType(64))


def fill_nan_if(b: Builder, f: Floats, cond: SSAValue, out: Buffer) -> None:
    """Where `cond`, every element of `out` becomes NaN."""
    nan = f.c(float("nan"))
    b.if_(cond, lambda: b.loop_nest(out.sizes, lambda idx: b.store(nan, out.ref, idx)))


def refused(b: Builder, info: SSAValue) -> SSAValue:
    """Whether LAPACKE refused an argument (a NaN in the input)."""
    return b.cmpi("slt", info, info_constant(b, 0))


def inline_or_lapack(
    lw: "Lowering",
    size: SSAValue,
    dtype: str,
    inline: Branch,
    lapack: Branch,
    result_types: Sequence[Attribute] = (),
    threshold: int | None = None,
) -> list[SSAValue]:
    """`inline()` while `size` (a matrix's order, unless the caller gives its
    own `threshold`) is below the Target's `lapack_min_size`, or without
    LAPACK; else `lapack()`: decided now when `size` is a constant (a
    specialised shape), else by a test at run time. Gives the branch's
    results."""
    if not (lw.target.blas and dtype in LAPACK_DTYPES):
        return list(inline() or [])
    threshold = lw.target.lapack_min_size if threshold is None else threshold
    known = constant_index(size)
    if known is not None:
        return list((lapack if known >= threshold else inline)() or [])
    b = lw.b
    large = b.cmpi("sge", size, b.const(threshold))
    return b.if_(large, lapack, inline, result_types)
