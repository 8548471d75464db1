"""Lowering of `st.dot` and `st.panel_dot`: the kernel op for a product large
enough (BLAS gemm or gemv, the vector-matrix kernels, packed panels,
input-product tiles; placed by `scanc.lowering.kernel_calls`), inline loops
otherwise (`scanc.lowering.product_loops`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanc.dialects import kernel, st
from scanc.lowering.builder import element_type
from scanc.lowering.elementwise import dtype
from scanc.lowering.kernel_calls import (
    KERNEL_DTYPES,
    call_if_large,
    call_kernel,
    copy_outside_loops,
    matrix_product,
)
from scanc.lowering.panels import Panels
from scanc.lowering.product_loops import REASSOCIATE, multiply_add, vector_matrix_loops
from scanc.lowering.values import Buffer, Lowered, Scalar
from xdsl.dialects import arith
from xdsl.ir import SSAValue

if TYPE_CHECKING:
    from scanc.lowering.to_loops import Lowering


def lower_dot(lw: "Lowering", op: st.DotOp) -> Lowered:
    """Vector/matrix products as loops; `x @ W` runs i-k-j so the innermost loop
    walks rows of W contiguously (vectorizable)."""
    b = lw.b
    a, w = _operands(lw, op.lhs, op.rhs)
    dt = dtype(op.result)
    k = a.sizes[-1]
    if w.rank == 1:

        def element(idx):
            def step(kk, acc):
                x, y = a.load(b, [*idx, kk]), w.load(b, [kk])
                return [multiply_add(b, acc[0], x, y, dt, REASSOCIATE)]

            zero = b.const(0, element_type(dt))
            return b.for_(b.const(0), k, step, [zero])[0]

        if a.rank == 1:
            return Scalar(dt, [], element([]))
        out = lw.new_buffer(dt, a.sizes[:1])
        rows = lambda: b.for_(  # noqa: E731
            b.const(0),
            a.sizes[0],
            lambda i, _: b.store(element([i]), out.ref, [i]),
            parallel=True,
        )
        if dt in KERNEL_DTYPES and lw.target.blas:
            work, least = b.muli(a.sizes[0], k), lw.target.gemv_min_work
            call_if_large(lw, kernel.BlasGemvOp, a, w, out, work, least, rows)
        else:
            rows()
        return out
    rows = a.sizes[:-1]
    out = lw.new_buffer(dt, [*rows, w.sizes[1]])
    if rows:
        matrix_product(lw, a, w, out, copy_outside_loops(op))
    elif dt in KERNEL_DTYPES:
        _vector_matrix_kernel(lw, a, w, out)
    else:
        vector_matrix_loops(lw, a, w, out, dt)
    return out


def lower_panel_dot(lw: "Lowering", op: st.PanelDotOp) -> Lowered:
    """`x . W` by the panel kernel when `W` was packed (with the next tiles of
    its loop's input products when `tiles`), else as `st.dot`."""
    a, w = _operands(lw, op.vector, op.matrix)
    panels = lw.get(op.panels)
    if not isinstance(panels, Panels):
        raise NotImplementedError(
            "lower-to-loops: st.panel_dot reads panels that st.pack_panels made "
            "for an enclosing scan.loop"
        )
    out = lw.new_buffer(dtype(op.result), [w.sizes[1]])
    tiles = lw.scopes[-1].tiles if op.tiles else None
    _vector_matrix_kernel(lw, a, w, out, panels, tiles)
    return out


def _operands(lw: "Lowering", lhs: SSAValue, rhs: SSAValue) -> list[Lowered]:
    """Both operands (arrays as buffers), checked to be aligned."""
    a, w = (
        lw.materialize(lw.get(v)) if lw.get(v).rank else lw.get(v) for v in (lhs, rhs)
    )
    b, k = lw.b, a.sizes[-1]
    b.check(b.cmpi("eq", k, w.sizes[0]), "ValueError: dot: shapes are not aligned")
    return [a, w]


def _vector_matrix_kernel(
    lw, a, w, out: Buffer, panels: Panels | None = None, tiles=None
) -> None:
    """out = a . w by the vector-matrix kernel when large enough, by the panel
    kernel when `panels` holds `w` packed (with `tiles`: see
    `scanc.lowering.input_products`), else by the inline loops."""
    dt, work = out.dtype, lw.b.muli(a.sizes[0], w.sizes[1])
    reverse = _step_parity(lw)
    inline = lambda: vector_matrix_loops(lw, a, w, out, dt)  # noqa: E731

    if not lw.target.kernels:
        inline()
        return

    def unpacked() -> None:
        op = kernel.VecMatOp
        least = lw.target.vecmat_min_work
        call_if_large(lw, op, a, w, out, work, least, inline, reverse)

    def packed() -> None:
        # a packed matrix is large: the kernel, never the inline loops
        call_kernel(lw, kernel.VecMatPanelsOp, a, panels, out, None, reverse)

    if panels is None:
        unpacked()
        return
    either = lambda: lw.b.if_(panels.packed, packed, unpacked)  # noqa: E731
    if tiles is None:
        either()
        return

    def with_tiles() -> None:
        # also the next tiles of the loop's input products
        extra = [reverse, *tiles.of_step(lw)]
        op = kernel.VecMatPanelsTilesOp
        call_kernel(lw, op, a, panels, out, None, *extra)

    lw.b.if_(tiles.tiled, with_tiles, either)


def _step_parity(lw: "Lowering") -> SSAValue:
    """0 or 1: the innermost loop's step number modulo 2 (0 outside loops); the
    vector-matrix kernel walks its matrix backwards on odd steps (see
    `scanc.codegen.kernels`)."""
    b, step = lw.b, lw.step()
    if step is None:
        return b.const(0)
    return b.add(arith.AndIOp(step, b.const(1)))
