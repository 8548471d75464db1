"""The native call entry: from a function's second call, calls with argument
kinds and shapes seen before run without Python code, and give what the
Python path gives; every other call (and every error) goes through Python."""

import gc
import os
import pickle
import sys
import threading

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import config
from scanc.runtime import fast_calls

pytestmark = pytest.mark.skipif(
    not fast_calls.available(), reason="native calls are off in this process"
)


@pytest.fixture(autouse=True)
def generic_code(monkeypatch):
    """Small arrays are served natively once their variant exists (`auto`
    makes it after a while); here, by the generic code at once."""
    monkeypatch.setattr(config, "specialize", "off")


def served(f, *args, **kwargs):
    """`f(*args)` after two calls through Python, checked to be served
    natively and to equal the Python path's result."""
    f(*args, **kwargs)
    f(*args, **kwargs)
    before = f.native_calls
    got = f(*args, **kwargs)
    assert f.native_calls == before + 1
    want = f._call(*args, **kwargs)
    assert type(got) is type(want)
    for g, w in zip(*((got, want) if isinstance(got, list) else ([got], [want]))):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    return got


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "int64", "int32", "int8", "uint8", "bool"]
)
def test_arrays_of_each_dtype(dtype):
    x = st.tensor(dtype=dtype, shape=(None, None), name="x")
    f = scanc.function([x], [x * 2 if dtype != "bool" else ~x, x.sum()])
    data = (np.arange(12) % 5).reshape(3, 4).astype(dtype)
    served(f, data)


@pytest.mark.parametrize(
    "make, value",
    [
        (st.dscalar, 2.5),
        (st.dscalar, np.float64(-1.25)),
        (st.fscalar, np.float32(0.5)),
        (st.lscalar, 7),
        (st.iscalar, -(2**31)),
        (st.bscalar, 127),
    ],
)
def test_scalars_of_each_kind(make, value):
    s = make("s")
    f = scanc.function([s], [s * 2, s + 1, st.eq(s, 0)])
    results = served(f, value)
    assert [r.shape for r in results] == [(), (), ()]


def test_a_single_output_is_returned_alone():
    x = st.vector("x")
    out = served(scanc.function([x], x + 1), np.ones(3))
    assert isinstance(out, np.ndarray) and out.base is not None


def test_no_outputs_and_no_inputs():
    one = st.constant(1.0)
    served(scanc.function([], [one * 2]))
    x = st.vector("x")
    f = scanc.function([x], [], on_unused_input="ignore")
    assert served(f, np.ones(2)) == []


def test_outputs_own_their_memory():
    x = st.vector("x")
    f = scanc.function([x], [x, x, x * 2])
    data = np.arange(4.0)
    a, b, c = served(f, data)
    a[0] = 100.0
    assert b[0] == 0.0 and data[0] == 0.0
    del b, c
    gc.collect()
    np.testing.assert_array_equal(a, [100.0, 1.0, 2.0, 3.0])


def test_no_reference_or_memory_is_leaked():
    x = st.matrix("x")
    f = scanc.function([x], [x * 2, x.sum()])
    data = np.ones((64, 64))
    f(data), f(data)
    refs = sys.getrefcount(data), sys.getrefcount(f)
    rss = _resident_bytes()
    for _ in range(20000):  # 32 KiB per call: 640 MB if outputs were not freed
        f(data)
    assert (sys.getrefcount(data), sys.getrefcount(f)) == refs
    assert _resident_bytes() - rss < 64 << 20
    assert f.native_calls >= 20000


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_other_arguments_take_the_python_path():
    x, k = st.matrix("x"), st.lscalar("k")
    f = scanc.function([x, k], x * k)
    base = np.arange(12.0).reshape(3, 4)
    served(f, base, 2)
    others = [
        (base[:, ::2], 2),  # a view: copied by the Python path
        (base.astype(np.float32), 2),  # another dtype: converted
        (base.astype(">f8"), 2),  # another byte order
        (base.tolist(), 2),  # a list
        (base, np.int64(2)),  # a NumPy integer
        (base, True),
        (np.ones((5, 4)), 3),  # a new shape
    ]
    for args in others:
        before = f.native_calls
        np.testing.assert_array_equal(f(*args), np.asarray(args[0], float) * args[1])
        assert f.native_calls == before
    np.testing.assert_array_equal(f(x=base, k=3), base * 3)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((np.ones(3),), TypeError, "expected 2 dimensions"),
        ((np.ones((2, 2)), 1), TypeError, "takes 1 inputs"),
        ((np.ones((2, 2), dtype=complex),), TypeError, "complex"),
        (("text",), TypeError, "input 'x'"),
    ],
)
def test_bad_arguments_raise_the_python_paths_errors(args, error, match):
    x = st.matrix("x")
    f = scanc.function([x], x + 1)
    served(f, np.ones((2, 2)))
    with pytest.raises(error, match=match):
        f(*args)


def test_a_failed_check_raises_the_same_error():
    a, b = st.matrix("a"), st.matrix("b")
    f = scanc.function([a, b], st.dot(a, b))
    served(f, np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="not aligned") as fast:
        f(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError) as python:
        f._call(np.ones((2, 3)), np.ones((2, 2)))
    assert str(fast.value) == str(python.value)


def test_integer_scalars_out_of_range_are_refused():
    k = st.bscalar("k")
    f = scanc.function([k], k + 1)
    served(f, 3)
    with pytest.raises(TypeError, match="int8"):
        f(300)
    with pytest.raises(TypeError):
        f(2**70)


def test_static_sizes_are_checked():
    x = st.tensor(dtype="float64", shape=(None, 3), name="x")
    f = scanc.function([x], x * 2)
    served(f, np.ones((2, 3)))
    with pytest.raises(TypeError, match="expected size 3 on axis 1"):
        f(np.ones((2, 4)))


def test_specialized_variants_and_settings_changes(monkeypatch):
    x = st.vector("x")
    f = scanc.function([x], st.exp(x).sum())
    small, large = np.linspace(0, 1, 4), np.linspace(0, 1, 100)
    monkeypatch.setattr(config, "specialize", "eager")
    served(f, small)
    assert list(f.variants.native) == [((4,),)]
    served(f, large)
    monkeypatch.setattr(config, "specialize", "off")  # slots are stale now
    before = f.native_calls
    np.testing.assert_allclose(f(small), np.exp(small).sum(), rtol=1e-14)
    assert f.native_calls == before
    served(f, small)


def test_functions_with_shared_variables_stay_in_python():
    w = scanc.shared(np.ones(3), name="w")
    x = st.vector("x")
    f = scanc.function([x], x + w, updates=[(w, w * 2)])
    for n in range(3):
        np.testing.assert_array_equal(f(np.zeros(3)), np.full(3, 2.0**n))
    assert f.native_calls == 0


def test_switched_off(monkeypatch):
    x = st.vector("x")
    f = scanc.function([x], x + 1)
    monkeypatch.setattr(config, "fast_calls", False)
    for _ in range(3):
        np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])
    assert f.native_calls == 0


def test_unpickled_functions_are_served_natively():
    x = st.vector("x")
    f = pickle.loads(pickle.dumps(scanc.function([x], x * 3)))
    served(f, np.ones(2))


def test_threads_get_their_own_frames():
    x, k = st.vector("x"), st.lscalar("k")
    h, _ = scanc.scan(lambda h: st.tanh(h) + 1.0, outputs_info=x, n_steps=k)
    f = scanc.function([x, k], h[-1])
    data = np.linspace(-1, 1, 8)
    served(f, data, 50)
    failures = []

    def work(seed):
        v = data * seed
        want = f._call(v, 50)
        for _ in range(2000):
            if not np.array_equal(f(v, 50), want):
                failures.append(seed)
                return

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_object_layouts_are_checked():
    assert fast_calls.offsets() is not None


def test_only_outputs_the_entry_can_make_are_described():
    from scanc.runtime.abi import Param

    made = [Param("o", np.dtype(d), ()) for d in ("f8", "f4", "i2", "u1", "?")]
    assert fast_calls.wrappable(made)
    assert not fast_calls.wrappable([Param("o", np.dtype("f2"), ())])
    assert not fast_calls.wrappable([Param("o", np.dtype("c16"), ())])


def test_a_million_arguments_are_refused_not_copied_on_the_stack():
    x = st.vector("x")
    f = scanc.function([x], x + 1)
    served(f, np.ones(2))
    with pytest.raises(TypeError, match="takes 1 inputs"):
        f(*([np.ones(2)] * 1_000_000))
    with pytest.raises(TypeError, match="unknown inputs"):
        f(np.ones(2), **{f"k{n}": n for n in range(100_000)})


def test_four_sets_of_shapes_are_served_at_once():
    x = st.vector("x")
    f = scanc.function([x], x * 2)
    sizes = [3, 4, 5, 6]
    for n in sizes:
        served(f, np.ones(n))
    before = f.native_calls
    for n in sizes:
        f(np.ones(n))
    assert f.native_calls == before + 4
    served(f, np.ones(7))  # a fifth replaces the oldest
    before = f.native_calls
    f(np.ones(3))
    assert f.native_calls == before
