"""The CUDA runtime's steps (`scanc.runtime.cuda_launch`) on a host driver:
device memory is host memory and a launch runs the gpu-sim build of the same
kernel (256 threads, as on the GPU), so transfers, frames, the arena, results
and frees run as they would on a GPU. A test on a real GPU runs where one is."""

import gc

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.runtime import cuda_launch

RNG = np.random.default_rng(11)


def step_function():
    x, h0, W = st.matrix("x"), st.vector("h0"), st.matrix("W")
    hs, _ = scanc.scan(
        lambda x_t, h, W: st.tanh(st.dot(h, W) + x_t),
        sequences=x,
        outputs_info=h0,
        non_sequences=W,
    )
    return scanc.function([x, h0, W], [hs, hs.sum()], target="cuda")


def reference(X, H, W):
    rows, h = [], H
    for x_t in X:
        h = np.tanh(h @ W + x_t)
        rows.append(h)
    return np.array(rows)


def arguments(steps=7, hidden=300):
    return (
        RNG.normal(size=(steps, hidden)),
        RNG.normal(size=hidden),
        RNG.normal(size=(hidden, hidden)) / 20,
    )


@pytest.fixture(scope="module")
def f():
    return step_function()


@pytest.fixture
def driver(f):
    driver = scanc.cuda.host_driver(f)
    with scanc.cuda.use_driver(driver):
        yield driver


def test_results_match_numpy_and_nothing_stays_allocated(f, driver):
    args = arguments()
    hs, total = f(*args)
    assert isinstance(hs, np.ndarray)
    np.testing.assert_allclose(hs, reference(*args), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(total, hs.sum(), rtol=1e-10, atol=1e-13)
    assert driver.buffers == {}


def test_a_failed_check_raises_and_frees_everything(f, driver):
    X, H, W = arguments()
    with pytest.raises(ValueError, match="dot: shapes are not aligned.*on the GPU"):
        f(X, H[:-3], W)
    assert driver.buffers == {}


def test_the_arena_grows_and_is_remembered(f, driver, monkeypatch):
    monkeypatch.setattr(cuda_launch, "FIRST_ARENA_BYTES", 64)
    g = step_function()
    with scanc.cuda.use_driver(scanc.cuda.host_driver(g)) as own:
        args = arguments()
        np.testing.assert_allclose(
            g(*args)[0], reference(*args), rtol=1e-10, atol=1e-13
        )
        grown = g._gpu.arena_bytes
        assert grown > 64
        g(*args)
        assert g._gpu.arena_bytes == grown
        assert own.buffers == {}


class DeviceBuffer:
    """A device array of the host driver (what CuPy or PyTorch would pass)."""

    def __init__(self, driver, host):
        self.driver, self.address = driver, driver.alloc(host.nbytes)
        driver.to_device(self.address, np.ascontiguousarray(host))
        self.__cuda_array_interface__ = {
            "data": (self.address, False),
            "shape": host.shape,
            "typestr": host.dtype.str,
            "strides": None,
            "version": 3,
        }


def test_device_arrays_in_and_out_without_host_copies(f, driver):
    X, H, W = arguments()
    on_device = [DeviceBuffer(driver, a) for a in (X, H, W)]
    before = set(driver.buffers)
    hs, total = f(*on_device)
    assert isinstance(hs, cuda_launch.DeviceArray)
    interface = hs.__cuda_array_interface__
    assert interface["shape"] == X.shape and interface["typestr"] == "<f8"
    np.testing.assert_allclose(
        np.asarray(hs), reference(X, H, W), rtol=1e-10, atol=1e-13
    )
    assert isinstance(total, np.ndarray) and total.shape == ()
    # the inputs were read where they were: the call left only its result
    assert set(driver.buffers) - before == {hs.address}
    del hs
    gc.collect()
    assert set(driver.buffers) == before


def test_device_arrays_of_another_dtype_or_layout_are_refused(f, driver):
    X, H, W = arguments()
    wrong = DeviceBuffer(driver, X.astype(np.float32))
    with pytest.raises(TypeError, match="device array x is float32"):
        f(wrong, H, W)
    strided = DeviceBuffer(driver, X)
    strided.__cuda_array_interface__["strides"] = (8, 8 * X.shape[0])
    with pytest.raises(ValueError, match="not C-contiguous"):
        f(strided, H, W)


@pytest.mark.skipif(not scanc.cuda.is_available(), reason="no GPU here")
def test_on_a_gpu(f):
    args = arguments()
    hs, _ = f(*args)
    np.testing.assert_allclose(hs, reference(*args), rtol=1e-9)


def test_shared_variables_random_streams_and_pickling():
    """Shared values go in and their updates come back; a random stream gives
    the CPU's draws call after call; a pickled function compiles again."""
    import pickle

    x = st.vector("x")
    count = scanc.shared(np.float64(0), name="count")
    f = scanc.function([x], x * 2, updates=[(count, count + 1)], target="cuda")
    streams = [st.random.RandomStream(seed=5) for _ in range(2)]
    draws = [scanc.scan(lambda s=s: s.normal(size=(2,)), n_steps=3)[0] for s in streams]
    on_gpu = scanc.function([], draws[0], target="cuda")
    on_cpu = scanc.function([], draws[1], target="cpu")
    with scanc.cuda.use_driver(scanc.cuda.host_driver(f, on_gpu)):
        np.testing.assert_array_equal(f(np.arange(3.0)), [0.0, 2.0, 4.0])
        f(np.arange(3.0))
        assert count.get_value() == 2
        for _ in range(2):
            np.testing.assert_array_equal(on_gpu(), on_cpu())
    assert ".entry" in pickle.loads(pickle.dumps(f)).ptx
