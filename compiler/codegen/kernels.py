"""Hand-vectorized kernels, built once per machine into the kernel library
(`library`; the JIT loads it once per process, from the compile cache when it is
there, `scanc.runtime.jit.load_kernel_library`). A module that calls a kernel
only declares it, under the machine's name (`machine_name`). Tests build a
kernel into a module of their own (`how="internal"`).

The kernels: `scanc.codegen.vecmat_kernels` (x . W, for W as it is or packed
in panels) and `scanc.codegen.tile_kernels` (tiles of a matrix product, alone
or inside the panel kernel's walk); the layouts they read:
`scanc.codegen.kernel_layouts`.
"""

from __future__ import annotations

import hashlib

from llvmlite import ir
from scanc.codegen.kernel_layouts import (
    PANEL_BYTES,
    PANEL_VECTORS,
    TILE_COLUMNS,
    TILE_ROWS,
    panel_columns,
    panel_layout,
    tile_layout,
    vector_lanes,
)
from scanc.codegen.llvm_types import f32, f64, i64, ptr
from scanc.codegen.tile_kernels import GemmTiles, PanelVecMatTiles
from scanc.codegen.vecmat_kernels import PanelVecMat, VecMat

#: the layouts' names, used through this module by the lowering and the tests
__all__ = [
    "PANEL_BYTES",
    "PANEL_VECTORS",
    "TILE_COLUMNS",
    "TILE_ROWS",
    "panel_columns",
    "panel_layout",
    "tile_layout",
    "vector_lanes",
    "gemm_tiles",
    "library",
    "machine_name",
    "vecmat",
    "vecmat_panels",
    "vecmat_panels_tiles",
]

VECMAT = {"float64": "scanc_vecmat_f64", "float32": "scanc_vecmat_f32"}
VECMAT_PANELS = {
    "float64": "scanc_vecmat_panels_f64",
    "float32": "scanc_vecmat_panels_f32",
}


#: `scanc_vecmat_panels_f64` that also computes tiles of a matrix product
VECMAT_PANELS_TILES = "scanc_vecmat_panels_tiles_f64"

#: tiles of a matrix product alone (see `Tiles`)
GEMM_TILES = "scanc_gemm_tiles_f64"


def vecmat(
    module: ir.Module, element: ir.Type, features: str, how: str = "internal"
) -> ir.Function:
    """The vector-matrix kernel for `element`, in `module` once (see `_define`
    for `how`)."""
    arguments = ("x", "incx", "w", "ldw", "out", "k", "n", "reverse")
    return _define(module, VECMAT, arguments, VecMat, element, features, how)


def vecmat_panels(
    module: ir.Module, element: ir.Type, features: str, how: str = "internal"
) -> ir.Function:
    """The kernel for a matrix packed in panels, in `module` once."""
    arguments = ("x", "incx", "w", "out", "k", "n", "reverse")
    return _define(
        module, VECMAT_PANELS, arguments, PanelVecMat, element, features, how
    )


_TILE_ARGUMENTS = ("a", "lda", "bt", "y", "ldy", "ka", "tile_cols", "rows")


def vecmat_panels_tiles(
    module: ir.Module, features: str, how: str = "internal"
) -> ir.Function:
    """The panel kernel that also computes tiles of `Y = A . B` (float64)."""
    arguments = ("x", "incx", "w", "out", "k", "n", "reverse", *_TILE_ARGUMENTS)
    arguments += ("first", "count")
    names = {"float64": VECMAT_PANELS_TILES}
    return _define(module, names, arguments, PanelVecMatTiles, f64, features, how)


def gemm_tiles(module: ir.Module, features: str, how: str = "internal") -> ir.Function:
    """Tiles of `Y = A . B` alone (float64)."""
    arguments = (*_TILE_ARGUMENTS, "first", "count")
    names = {"float64": GEMM_TILES}
    return _define(module, names, arguments, GemmTiles, f64, features, how)


def library(module: ir.Module, features: str) -> list[str]:
    """Define every kernel for `features` in `module`, exported under its
    machine's name: the kernel library, compiled once per machine
    (`scanc.runtime.jit.load_kernel_library`); the names it exports."""
    defined = [
        vecmat(module, f64, features, "export"),
        vecmat(module, f32, features, "export"),
        vecmat_panels(module, f64, features, "export"),
        vecmat_panels(module, f32, features, "export"),
        vecmat_panels_tiles(module, features, "export"),
        gemm_tiles(module, features, "export"),
    ]
    return [fn.name for fn in defined]


def machine_name(name: str, features: str) -> str:
    """`name` of the kernel built for `features` (one per machine, so kernels
    of two targets never share a symbol)."""
    digest = hashlib.sha256(features.encode()).hexdigest()[:12]
    return f"{name}_{digest}"


_POINTERS = ("x", "w", "out", "a", "bt", "y")


def _define(
    module, names: dict, arguments, builder, element, features, how: str
) -> ir.Function:
    """The kernel `names[dtype]` with `arguments` (the pointers do not alias,
    the rest are i64), once per module. `how`: "internal" builds it in
    `module` (private to it); "declare" only declares its machine name (the
    code is the kernel library's); "export" builds it under its machine name
    for the library."""
    name = names["float64" if element == f64 else "float32"]
    if how != "internal":
        name = machine_name(name, features)
    if name in module.globals:
        return module.globals[name]
    types = [ptr if a in _POINTERS else i64 for a in arguments]
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), types), name=name)
    for arg, arg_name in zip(fn.args, arguments):
        arg.name = arg_name
        if arg_name in _POINTERS:
            arg.add_attribute("noalias")
    if how == "declare":
        return fn
    fn.linkage = "internal" if how == "internal" else "external"
    builder(fn, element, vector_lanes(element, features)).build()
    return fn
