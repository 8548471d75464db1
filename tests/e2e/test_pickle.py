"""Compiled functions pickle (as their graph-stage IR and signature) and run
again where they are unpickled: in this process or in another one."""

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.tensor.random.utils import RandomStream


def power_function():
    x, k = st.vector("x"), st.iscalar("k")
    w = scanc.shared(np.full(3, 2.0), "w")
    calls = scanc.shared(np.int64(0), "calls")
    h, _ = scanc.scan(lambda h, w: h * w, outputs_info=x, non_sequences=w, n_steps=k)
    return scanc.function([x, k], [h[-1], h.sum()], updates={calls: calls + 1})


def test_round_trip_in_this_process():
    f = power_function()
    f(np.ones(3), 3)
    g = pickle.loads(pickle.dumps(f))
    last, total = g(np.ones(3), k=2)
    np.testing.assert_array_equal(last, [4.0, 4.0, 4.0])
    assert total == 18.0
    # the shared variables travelled as copies: each function counts its calls
    assert g.updated[0].get_value() == 2 and f.updated[0].get_value() == 1
    with pytest.raises(ValueError, match="n_steps must be non-negative"):
        g(np.ones(3), -1)


def test_round_trip_through_another_process():
    data = pickle.dumps(power_function())
    child = (
        "import pickle, sys, numpy as np\n"
        "g = pickle.loads(sys.stdin.buffer.read())\n"
        "print(g(np.ones(3), 4)[1], g(np.ones(3), 1)[1])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child], input=data, capture_output=True, timeout=600
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stdout.decode().split() == ["90.0", "6.0"]


def test_random_streams_and_scalar_functions():
    srng = RandomStream(seed=5)
    u = srng.uniform(size=(4,))
    draws = scanc.function([], u)
    copy = pickle.loads(pickle.dumps(draws))
    np.testing.assert_array_equal(copy(), draws())  # same state, same numbers
    a = st.dscalar("a")
    square = pickle.loads(pickle.dumps(scanc.function([a], a * a)))
    assert square(3.0) == 9.0


def test_pure_functions_unpickle_once_per_process():
    """A function without shared variables is a value: every copy unpickled
    in a process is the same object (a cluster worker builds it once); one
    with shared variables gets its own copies of their values each time."""
    x = st.vector("x")
    pure = scanc.function([x], (x**2).sum())
    data = pickle.dumps(pure)
    first, second = pickle.loads(data), pickle.loads(data)
    assert first is second and first is not pure
    assert first(np.arange(3.0)) == 5.0
    stateful = power_function()
    data = pickle.dumps(stateful)
    a, b = pickle.loads(data), pickle.loads(data)
    assert a is not b
    a(np.ones(3), 1)
    assert a.shared_inputs[-1].get_value() != b.shared_inputs[-1].get_value()


def test_deepcopy_of_functions_and_variables():
    """A deep copy is a function of its own: its shared variables are copies."""
    f = power_function()
    g = copy.deepcopy(f)
    g(np.ones(3), 1)
    assert f.shared_inputs[-1].get_value() == 0
    assert g.shared_inputs[-1].get_value() == 1
    last, _ = g(np.ones(3), k=2)
    np.testing.assert_array_equal(last, [4.0, 4.0, 4.0])
    w = scanc.shared(np.zeros(2), "w")
    w_copy = copy.deepcopy(w)
    w_copy.set_value(np.ones(2))
    np.testing.assert_array_equal(w.get_value(), [0.0, 0.0])
