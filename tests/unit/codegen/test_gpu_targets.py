"""The gpu stage's kernels on both targets: `gpu-sim` (threads as loops on the
host) against NumPy with the gpu stage on and off (`cpu`), for any number of
threads per block; the same kernels as PTX through ptxas for sm_80 and sm_90,
fitting one multiprocessor; and what the PTX must and must not contain."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.codegen import ptx
from scanc.codegen.target import cuda, gpu_sim, host, named
from scanc.frontend.signature import build_module

needs_ptxas = pytest.mark.skipif(
    ptx.ptxas_path() is None, reason="CUDA's ptxas is not installed"
)
RNG = np.random.default_rng(7)


def rnn():
    """tanh(h . W + x_t) with a running sum of the states (a scalar output)."""
    x, h0, W = st.matrix("x"), st.vector("h0"), st.matrix("W")

    def step(x_t, h, s, W):
        new = st.tanh(st.dot(h, W) + x_t)
        return new, s + new.sum()

    (hs, ss), _ = scanc.scan(
        step, sequences=x, outputs_info=[h0, st.constant(0.0)], non_sequences=W
    )
    return [x, h0, W], [hs, ss[-1]]


def rnn_reference(X, H, W):
    h, s, rows = H, 0.0, []
    for x_t in X:
        h = np.tanh(h @ W + x_t)
        s += h.sum()
        rows.append(h)
    return np.array(rows), s


def rnn_arguments(steps=6, hidden=11):
    return (
        RNG.normal(size=(steps, hidden)),
        RNG.normal(size=hidden),
        RNG.normal(size=(hidden, hidden)) / 3,
    )


@pytest.mark.parametrize("threads", [1, 3, 8, 32])
def test_gpu_sim_matches_numpy_for_any_block_size(threads):
    inputs, outputs = rnn()
    f = scanc.function(inputs, outputs, target=gpu_sim(threads))
    args = rnn_arguments()
    hs, s = f(*args)
    want_hs, want_s = rnn_reference(*args)
    np.testing.assert_allclose(hs, want_hs, rtol=1e-12)
    np.testing.assert_allclose(s, want_s, rtol=1e-12)


def _elementwise_steps(body, target):
    x, h0, a = st.matrix("x"), st.vector("h0"), st.vector("a")
    hs, _ = scanc.scan(body, sequences=x, outputs_info=h0, non_sequences=a)
    args = (RNG.normal(size=(9, 37)), RNG.normal(size=37), RNG.normal(size=37))
    return [scanc.function([x, h0, a], hs, target=t)(*args) for t in target]


def test_gpu_sim_gives_the_cpu_bits_for_arithmetic():
    """Same lowering, same operations in the same order, no contraction: + - x /
    agree to the bit. (Products do not: the CPU's kernels sum in another order
    than a dot product per output.)"""
    on_cpu, on_sim = _elementwise_steps(
        lambda x_t, h, a: (h * a + x_t) / (1.5 + h * h) - x_t, ["cpu", "gpu-sim"]
    )
    assert np.array_equal(on_cpu, on_sim)


def test_gpu_sim_transcendentals_within_ulps_of_the_cpu():
    """The CPU's vectorized tanh and exp (libmvec) and the scalar ones the
    threads call differ by at most a few units in the last place (per step:
    a recurrence then carries the difference on)."""
    on_cpu, on_sim = _elementwise_steps(
        lambda x_t, h, a: st.tanh(x_t * a) * st.exp(x_t), ["cpu", "gpu-sim"]
    )
    np.testing.assert_array_max_ulp(on_cpu, on_sim, maxulp=4)


def test_checks_in_kernels_raise_the_cpu_errors():
    inputs, outputs = rnn()
    f = scanc.function(inputs, outputs, target="gpu-sim")
    X, H, W = rnn_arguments()
    with pytest.raises(ValueError, match="dot: shapes are not aligned"):
        f(X, H[:-1], W)


def test_the_arena_grows_for_large_buffers():
    """Buffers larger than the first arena: the kernel reports it full and
    runs again in a larger one."""
    v = st.vector("v")
    f = scanc.function([v], st.cumsum(st.exp(v) * 2), target="gpu-sim")
    x = RNG.normal(size=300_000)
    np.testing.assert_allclose(f(x), np.cumsum(np.exp(x) * 2), rtol=1e-10)


def test_until_is_decided_in_the_kernel():
    x = st.scalar("x")
    values, _ = scanc.scan(
        lambda p: (p * 2, scanc.until(p * 2 > x)),
        outputs_info=st.constant(1.0),
        n_steps=100,
    )
    f = scanc.function([x], values, target="gpu-sim")
    np.testing.assert_array_equal(f(40.0), [2.0, 4.0, 8.0, 16.0, 32.0, 64.0])


def test_random_draws_match_the_cpu():
    """The same Philox counters on every target: the same seed gives the same
    numbers."""
    srng = st.random.RandomStream(seed=3)
    draws, _ = scanc.scan(lambda: srng.normal(size=(5,)), n_steps=4)
    on_cpu = scanc.function([], draws, target="cpu")()
    srng2 = st.random.RandomStream(seed=3)
    draws2, _ = scanc.scan(lambda: srng2.normal(size=(5,)), n_steps=4)
    on_sim = scanc.function([], draws2, target="gpu-sim")()
    np.testing.assert_array_equal(on_cpu, on_sim)


def test_target_names():
    assert named("cpu") == host()
    assert named("gpu-sim") == gpu_sim()
    assert named("cuda:sm_90") == cuda("sm_90")
    for bad in ("tpu", "cuda:sm_70", "cuda:90"):
        with pytest.raises(ValueError, match="unknown"):
            named(bad)
    with pytest.raises(ValueError, match="function: unknown target"):
        scanc.function([st.vector("v")], st.vector("v") + 1, target="tpu")


def _gpu_module(target):
    inputs, outputs = rnn()
    module, _ = build_module(inputs, outputs, "rnn")
    pipeline.lower(module, "gpu", target=target)
    return module


@needs_ptxas
def test_kernels_assemble_and_fit_one_multiprocessor():
    reports = ptx.check_kernels(_gpu_module(cuda()))
    for arch in ptx.CHECKED_ARCHS:
        (report,) = reports[arch]
        assert report.name == "rnn"
        assert report.spill_stores == report.spill_loads == 0
        assert report.registers * 256 <= ptx.SM_REGISTERS


def test_placement_check_refuses_a_block_too_large():
    report = ptx.KernelReport("k", 255, 0, 0, 0, 0)
    with pytest.raises(ptx.PtxasError, match="255 registers x 512 threads"):
        ptx.check_placement([report], 512)


def test_ptx_has_barriers_libdevice_and_no_contraction_outside_products():
    f = scanc.function(*rnn(), target="cuda")
    text = f.ptx
    assert ".entry" in text and ".maxntid 256" in text and ".minnctapersm 1" in text
    assert "bar.sync" in text
    assert "__nv_tanh" not in text  # linked and inlined, not called
    assert "%tid.x" in text and "%ntid.x" in text
    # the dot product contracts (as on the CPU); `+ x_t` and the sum do not
    assert "fma.rn.f64" in text and "add.rn.f64" in text


def test_a_cuda_call_says_what_is_missing():
    f = scanc.function(*rnn(), target="cuda")
    if scanc.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(scanc.cuda.CudaUnavailable, match="cannot run here: no "):
        f(*rnn_arguments())


def test_gpu_stage_refuses_cpu_kernels():
    """IR of the plan stage for a CPU (a packed product) lowered for a GPU:
    products become the generic loops, never CPU kernel calls."""
    h, W = st.vector("h"), st.matrix("W")
    out, _ = scanc.scan(
        lambda h, W: st.tanh(st.dot(h, W)), outputs_info=h, non_sequences=W, n_steps=3
    )
    module, _ = build_module([h, W], [out], "f")
    pipeline.lower(module, "gpu", target=cuda())
    names = {op.name for op in module.walk()}
    assert not any(name.startswith("kernel.") for name in names)
    assert "threads.each" in names
