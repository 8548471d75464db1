"""The vector-matrix kernels at every vector width they are built for (AVX2's
and AVX-512's), called directly: all column splits, alignments, both traversal
directions and strided `x` against NumPy; the panel kernel against the plain
one, bit for bit."""

import ctypes
import itertools

import numpy as np
import pytest
from llvmlite import ir
from scanc.codegen import kernels
from scanc.codegen.llvm_types import f32, f64
from scanc.codegen.optimizer import optimize
from scanc.codegen.target import host
from scanc.runtime import jit

_count = itertools.count()


def compiled_kernel(element: ir.Type, features: str, define=kernels.vecmat):
    """The kernel `define` builds for `features`, behind an external wrapper of
    its own name."""
    target = host()
    module = ir.Module(name="vecmat_test")
    module.triple, module.data_layout = target.triple, target.data_layout
    kernel = define(module, element, features)
    name = f"vecmat_test_{next(_count)}"
    wrapper = ir.Function(module, kernel.function_type, name=name)
    builder = ir.IRBuilder(wrapper.append_basic_block())
    builder.call(kernel, wrapper.args)
    builder.ret_void()
    address = jit.load(optimize(module, target), [name])[name]
    arg_types = [
        ctypes.c_void_p if arg.type == kernel.args[0].type else ctypes.c_int64
        for arg in kernel.args
    ]
    return ctypes.CFUNCTYPE(None, *arg_types)(address)


def test_vector_width_follows_the_target():
    assert kernels.vector_lanes(f64, "+avx2,+fma,+avx512f") == 8
    assert kernels.vector_lanes(f32, "+avx2,+fma,+avx512f") == 16
    assert kernels.vector_lanes(f64, "+avx2,+fma,-avx512f") == 4
    assert kernels.vector_lanes(f32, "+avx2,+fma") == 8


@pytest.mark.parametrize("features", ["+avx2,-avx512f", "+avx512f"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_kernel_matches_numpy(features, dtype):
    element = f64 if dtype == "float64" else f32
    kernel = compiled_kernel(element, features)
    rng = np.random.default_rng(5)
    size = np.dtype(dtype).itemsize
    tol = 1e-12 if dtype == "float64" else 2e-5
    for k, n in [(1, 1), (3, 7), (9, 16), (40, 63), (17, 129), (5, 300), (0, 20)]:
        cases = itertools.product((0, 1, 5), (0, 1), (1, 3), (0, 8, 11))
        for offset, reverse, incx, padding in cases:
            x = rng.normal(size=k * incx).astype(dtype)
            ldw = n + padding  # a block of columns of a wider matrix
            buffer = np.zeros(k * ldw + 64, dtype)
            start = (-buffer.ctypes.data % 64) // size + offset
            w = buffer[start : start + k * ldw].reshape(k, ldw)[:, :n]
            w[...] = rng.normal(size=(k, n))
            out = np.full(n, np.nan, dtype)
            args = (x.ctypes.data, incx, w.ctypes.data, ldw, out.ctypes.data)
            kernel(*args, k, n, reverse)
            np.testing.assert_allclose(
                out, x[::incx] @ w, rtol=tol, atol=tol * 10, err_msg=f"{k}x{n}"
            )


def test_both_directions_give_the_same_bits():
    kernel = compiled_kernel(f64, host().features)
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=50), rng.normal(size=(50, 1000))
    results = []
    for reverse in (0, 1):
        out = np.empty(1000)
        kernel(
            x.ctypes.data, 1, w.ctypes.data, 1000, out.ctypes.data, 50, 1000, reverse
        )
        results.append(out)
    np.testing.assert_array_equal(*results)


@pytest.mark.parametrize("features", ["+avx2,-avx512f", "+avx512f"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_panel_kernel_gives_the_plain_kernels_bits(features, dtype):
    # one panel or several, with and without a partial vector and a partial
    # panel at the end; nothing stored past n
    element = f64 if dtype == "float64" else f32
    plain = compiled_kernel(element, features)
    packed = compiled_kernel(element, features, kernels.vecmat_panels)
    rng = np.random.default_rng(7)
    for k, n in [(1, 1), (3, 7), (9, 16), (40, 63), (17, 129), (5, 300), (0, 20)]:
        for reverse, incx in itertools.product((0, 1), (1, 3)):
            x = rng.normal(size=k * incx).astype(dtype)
            w = rng.normal(size=(k, n)).astype(dtype)
            panels = kernels.panel_layout(w)
            want, got = np.empty(n, dtype), np.full(n + 16, np.nan, dtype)
            plain(x.ctypes.data, incx, w.ctypes.data, n, want.ctypes.data, k, n, 0)
            args = (x.ctypes.data, incx, panels.ctypes.data, got.ctypes.data)
            packed(*args, k, n, reverse)
            np.testing.assert_array_equal(got[:n], want, err_msg=f"{k}x{n}")
            assert np.isnan(got[n:]).all(), f"{k}x{n}: stored past n"


def tile_kernels(features: str):
    def define(definer):
        return compiled_kernel(f64, features, lambda m, _, f: definer(m, f))

    return define(kernels.gemm_tiles), define(kernels.vecmat_panels_tiles)


@pytest.mark.parametrize("features", ["+avx2,-avx512f", "+avx512f"])
def test_tiles_with_the_panel_kernel_match_numpy(features):
    # the schedule `scanc.lowering.input_products` uses: the first two row
    # groups alone, then a few tiles with each panel kernel call; every
    # element of Y written once per tile covering it (the last row group
    # overlaps the one before when rows are not a multiple of 8), nothing past
    # the rows or the row stride's padding; the panel kernel's own sums are
    # its plain sums, bit for bit
    gemm_tiles, fused = tile_kernels(features)
    plain = compiled_kernel(f64, features, kernels.vecmat_panels)
    rng = np.random.default_rng(8)
    shapes = [(256, 1024, 256, 37, 64), (40, 63, 5, 21, 48), (5, 300, 70, 16, 16)]
    shapes += [(1, 64, 1, 8, 16), (33, 129, 100, 50, 160)]
    for k, n, ka, rows, columns in shapes:
        for reverse, padding in itertools.product((0, 1), (0, 5)):
            x, w = rng.normal(size=k), rng.normal(size=(k, n))
            a_buffer = rng.normal(size=(rows, ka + padding))
            a, b = a_buffer[:, :ka], rng.normal(size=(ka, columns))
            y_buffer = np.full((rows + 2, columns + padding), np.nan)
            y = y_buffer[:rows]
            b_panels, w_panels = kernels.tile_layout(b), kernels.panel_layout(w)
            tile_cols = columns // kernels.TILE_COLUMNS
            tiles = -(-rows // kernels.TILE_ROWS) * tile_cols
            lead = (a.ctypes.data, ka + padding, b_panels.ctypes.data, y.ctypes.data)
            lead += (columns + padding, ka, tile_cols, rows)
            first = min(tiles, 2 * tile_cols)
            gemm_tiles(*lead, 0, first)
            per_step = -(-tile_cols // kernels.TILE_ROWS)
            want = np.empty(n)
            plain(x.ctypes.data, 1, w_panels.ctypes.data, want.ctypes.data, k, n, 0)
            while first < tiles:
                count = min(per_step, tiles - first)
                out = np.full(n, np.nan)
                args = (x.ctypes.data, 1, w_panels.ctypes.data, out.ctypes.data)
                fused(*args, k, n, reverse, *lead, first, count)
                np.testing.assert_array_equal(out, want)
                first += count
            case = f"{k}x{n}, {rows}x{ka} . {ka}x{columns}"
            np.testing.assert_allclose(
                y[:, :columns], a @ b, rtol=1e-12, atol=1e-12, err_msg=case
            )
            assert np.isnan(y[:, columns:]).all(), f"{case}: stored in the padding"
            assert np.isnan(y_buffer[rows:]).all(), f"{case}: stored past the rows"
