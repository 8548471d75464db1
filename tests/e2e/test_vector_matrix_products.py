"""The vector-matrix kernel (`scanc.codegen.kernels`): x . W for every way the
columns split into aligned panels, groups of vectors and single columns, with
the matrix at any alignment, and inside loops, where odd steps walk W backwards."""

import numpy as np
import pytest
import scanc
import scanc.tensor as st

rng = np.random.default_rng(11)
TOLERANCE = {"float64": 1e-12, "float32": 2e-5}


def at_offset(values: np.ndarray, elements: int) -> np.ndarray:
    """A C-contiguous copy of `values` starting `elements` past a 64-byte boundary."""
    size = values.itemsize
    buffer = np.empty(values.size + 64 // size + elements, values.dtype)
    start = (-buffer.ctypes.data % 64) // size + elements
    copy = buffer[start : start + values.size].reshape(values.shape)
    copy[...] = values
    assert copy.flags.c_contiguous and (copy.ctypes.data % 64) == elements * size
    return copy


#: (rows, columns): at least 2500 multiply-adds, so the kernel runs; columns fewer
#: than a vector, a vector, panels with and without vectors and columns after
SHAPES = [
    (4097, 1),
    (1000, 5),
    (600, 8),
    (300, 17),
    (70, 64),
    (64, 75),
    (33, 200),
    (20, 257),
    (8, 1000),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_vector_matrix_matches_numpy_at_every_alignment(dtype, shape):
    x, W = st.vector("x", dtype=dtype), st.matrix("W", dtype=dtype)
    f = scanc.function(
        [x, W], [st.dot(x, W), st.dot(x[::-2], W[: (shape[0] + 1) // 2])]
    )
    v = rng.normal(size=shape[0]).astype(dtype)
    m = rng.normal(size=shape).astype(dtype)
    tol = TOLERANCE[dtype]
    for offset in (0, 1, 3):
        plain, strided = f(v, at_offset(m, offset))
        np.testing.assert_allclose(plain, v @ m, rtol=tol, atol=tol * shape[0] ** 0.5)
        half = m[: (shape[0] + 1) // 2]
        np.testing.assert_allclose(
            strided, v[::-2] @ half, rtol=tol, atol=tol * shape[0] ** 0.5
        )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_step_gets_the_same_sums_whichever_way_it_walks(mode, dtype):
    # with the passes off, the product runs at each of 5 steps, odd steps
    # walking W backwards: every row must be bitwise the same
    x, W = st.vector("x", dtype=dtype), st.matrix("W", dtype=dtype)
    rows, _ = scanc.scan(lambda x, W: st.dot(x, W), non_sequences=[x, W], n_steps=5)
    f = scanc.function([x, W], rows, mode=mode)
    v = rng.normal(size=96).astype(dtype)
    m = rng.normal(size=(96, 1003)).astype(dtype)
    got = f(v, m)
    for row in got[1:]:
        np.testing.assert_array_equal(row, got[0])
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(got[0], v @ m, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("hidden", [70, 130])
def test_recurrence_through_the_kernel_matches_numpy(mode, hidden):
    h0, W = st.vector("h0"), st.matrix("W")
    states, _ = scanc.scan(
        lambda h, W: st.tanh(st.dot(h, W)), outputs_info=h0, non_sequences=W, n_steps=7
    )
    f = scanc.function([h0, W], states, mode=mode)
    start = rng.normal(size=hidden)
    m = rng.normal(size=(hidden, hidden)) / hidden**0.5
    h, expected = start, []
    for _ in range(7):
        h = np.tanh(h @ m)
        expected.append(h)
    np.testing.assert_allclose(f(start, m), expected, rtol=1e-12, atol=1e-12)


#: views of a matrix, as NumPy and scanc both spell them, with the matrix's
#: shape that makes each view 90 x 90: the kernels read the first two where
#: they are (contiguous rows at least a row apart); the others are copied for
#: the call (outside loops) or run inline (inside)
MATRIX_VIEWS = {
    "row_slice": (lambda m: m[3:], (93, 90)),
    "column_slice": (lambda m: m[:, 2:], (90, 92)),
    "every_other_column": (lambda m: m[:, ::2], (90, 180)),
    "reversed_rows": (lambda m: m[::-1], (90, 90)),
    "transposed": (lambda m: m.T, (90, 90)),
}


@pytest.mark.parametrize("view", MATRIX_VIEWS)
def test_products_with_views_match_numpy_outside_loops(mode, view):
    # large enough for gemm, gemv and the vector-matrix kernel; the vectors
    # are views too: reversed (copied for gemv) and every other element
    take, shape = MATRIX_VIEWS[view]
    A, B, x = st.matrix("A"), st.matrix("B"), st.vector("x")
    f = scanc.function(
        [A, B, x],
        [
            st.dot(take(A), take(B)),
            st.dot(take(A), x[:90][::-1]),
            st.dot(x[::2], take(B)),
        ],
        mode=mode,
    )
    a, b, v = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=180)
    matrix, matrix_vector, vector_matrix = f(a, b, v)
    tol = dict(rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(matrix, take(a) @ take(b), **tol)
    np.testing.assert_allclose(matrix_vector, take(a) @ v[:90][::-1], **tol)
    np.testing.assert_allclose(vector_matrix, v[::2] @ take(b), **tol)


@pytest.mark.parametrize("view", MATRIX_VIEWS)
def test_recurrence_through_a_view_matches_numpy(mode, view):
    # h . view(W) and H . view(W) at every step: the kernels on the view where
    # they can read it, the inline loops where they cannot
    take, shape = MATRIX_VIEWS[view]
    h0, H0, W = st.vector("h0"), st.matrix("H0"), st.matrix("W")
    (h, H), _ = scanc.scan(
        lambda h, H, W: [st.tanh(st.dot(h, take(W))), st.tanh(st.dot(H, take(W)))],
        outputs_info=[h0, H0],
        non_sequences=W,
        n_steps=4,
    )
    f = scanc.function([h0, H0, W], [h, H], mode=mode)
    m = rng.normal(size=shape) / 10
    start, block = rng.normal(size=90), rng.normal(size=(40, 90))
    hs, Hs = f(start, block, m)
    for step in range(4):
        start, block = np.tanh(start @ take(m)), np.tanh(block @ take(m))
        np.testing.assert_allclose(hs[step], start, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Hs[step], block, rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True)
def compile_every_function(monkeypatch):
    """These tests change compiler thresholds between compiles of one graph:
    every compile runs the pipeline instead of reusing shared machine code."""
    monkeypatch.setattr(scanc.config, "share_code", False)


@pytest.fixture
def pack_every_matrix():
    """Pack every loop-invariant matrix of x . W, whatever its size and the
    loop's length (`scanc.lowering.panels`)."""
    with scanc.default_target(scanc.host().with_(pack_min_bytes=0, pack_min_steps=0)):
        yield


def _rows_of_products(dtype: str, mode: str):
    """x . W at each of 5 steps and h . W through a recurrence of 5 steps."""
    x, W = st.vector("x", dtype=dtype), st.matrix("W", dtype=dtype)
    rows, _ = scanc.scan(lambda x, W: st.dot(x, W), non_sequences=[x, W], n_steps=5)
    return scanc.function([x, W], rows, mode=mode)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_packed_matrix_gives_the_plain_kernels_sums(
    mode, dtype, shape, pack_every_matrix
):
    # panels with and without columns past the last: every column's sum is
    # the same FMAs in the same order as the plain kernel's, whichever way a
    # step walks the panels
    packed = _rows_of_products(dtype, mode)
    v = rng.normal(size=shape[0]).astype(dtype)
    m = rng.normal(size=shape).astype(dtype)
    got = packed(v, at_offset(m, 1))
    for row in got[1:]:
        np.testing.assert_array_equal(row, got[0])
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(got[0], v @ m, rtol=tol, atol=tol * shape[0] ** 0.5)
    with scanc.default_target(scanc.host().with_(pack_min_bytes=1 << 62)):
        np.testing.assert_array_equal(_rows_of_products(dtype, mode)(v, m), got)


@pytest.mark.parametrize("view", MATRIX_VIEWS)
def test_recurrence_through_a_packed_view_matches_numpy(mode, view, pack_every_matrix):
    # with the passes on, the view leaves the loop and is packed from where it
    # is (any strides); with them off, it is made at every step (not packed)
    test_recurrence_through_a_view_matches_numpy(mode, view)


def test_large_matrix_in_a_long_loop_matches_numpy(mode):
    # at the default thresholds: 1.1 MB of float64 is packed for 16 steps, not
    # for 15 (same sums either way)
    h0, W, k = st.vector("h0"), st.matrix("W"), st.iscalar("k")
    states, _ = scanc.scan(
        lambda h, W: st.tanh(st.dot(h, W))[:130],
        outputs_info=h0,
        non_sequences=W,
        n_steps=k,
    )
    f = scanc.function([h0, W, k], states, mode=mode)
    m = rng.normal(size=(130, 1030)) / 130**0.5
    start = rng.normal(size=130)
    h, expected = start, []
    for _ in range(16):
        h = np.tanh(h @ m)[:130]
        expected.append(h)
    long, short = f(start, m, 16), f(start, m, 15)
    np.testing.assert_allclose(long, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(short, long[:15])


def test_nested_loops_with_packed_matrices_match_numpy(mode, pack_every_matrix):
    # W does not change in either loop (packed once, before the outer one);
    # W.T made in the outer body does not change in the inner loop (packed
    # before each inner loop)
    h0, W = st.vector("h0"), st.matrix("W")

    def outer(h, W):
        def inner(g, W, V):
            return st.tanh(st.dot(g, W)) + st.tanh(st.dot(g, V))

        states, _ = scanc.scan(inner, outputs_info=h, non_sequences=[W, W.T], n_steps=4)
        return states[-1]

    hs, _ = scanc.scan(outer, outputs_info=h0, non_sequences=W, n_steps=3)
    f = scanc.function([h0, W], hs, mode=mode)
    m = rng.normal(size=(70, 70)) / 70
    h, expected = rng.normal(size=70), []
    start = h
    for _ in range(3):
        for _ in range(4):
            h = np.tanh(h @ m) + np.tanh(h @ m.T)
        expected.append(h)
    np.testing.assert_allclose(f(start, m), expected, rtol=1e-12, atol=1e-12)
