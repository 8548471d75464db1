"""The data layouts the hand-written kernels read (`scanc.codegen.kernels`),
defined once: their sizes, and each as a NumPy function (`panel_layout`,
`tile_layout`) that the lowering's packing loops follow and the tests compare
against.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from scanc.codegen.llvm_types import f64

#: vectors of sums one panel keeps in registers (8 of 32 AVX-512 registers,
#: or 8 of 16 AVX2 registers at AVX2's width)
PANEL_VECTORS = 8

#: bytes of a row of one panel of a packed matrix: 8 AVX-512 vectors, so one
#: pass of the kernel sums a whole panel (two passes at AVX2's width)
PANEL_BYTES = 512

#: rows and columns of one tile of a matrix product (`scanc.codegen.tile_kernels.Tiles`)
TILE_ROWS = 8
TILE_COLUMNS = 16


def panel_columns(itemsize: int) -> int:
    """Columns of one panel of a packed matrix of `itemsize`-byte elements."""
    return PANEL_BYTES // itemsize


def panel_layout(w: np.ndarray) -> np.ndarray:
    """The panel layout of a k x n matrix, as NumPy: `[panels, k, P]`, panel
    `q` holding columns `q * P` to `q * P + P - 1` of every row, zero past the
    last column (what `st.pack_panels` makes and the panel kernels read)."""
    k, n = w.shape
    width = panel_columns(w.itemsize)
    count = -(-n // width)
    padded = np.zeros((k, count * width), w.dtype)
    padded[:, :n] = w
    return np.ascontiguousarray(padded.reshape(k, count, width).transpose(1, 0, 2))


def tile_layout(b: np.ndarray) -> np.ndarray:
    """The tile-panel layout of a k x n matrix (n a multiple of
    `TILE_COLUMNS`), as NumPy: `[n / 16, k, 16]` (what
    `scanc.lowering.input_products` makes and the tiles kernels read)."""
    k, n = b.shape
    width = TILE_COLUMNS
    return np.ascontiguousarray(b.reshape(k, n // width, width).transpose(1, 0, 2))


def vector_lanes(element: ir.Type, features: str) -> int:
    """Elements per vector register of the target: 512 bits with AVX-512, else 256."""
    bits = 512 if "+avx512f" in features.split(",") else 256
    return bits // (64 if element == f64 else 32)
