"""Shared variables: values between calls, updates, borrowing, atomic failure."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st


def test_get_and_set_value_copy_unless_borrowed():
    data = np.arange(3.0)
    w = scanc.shared(data, name="w")
    data[0] = 99
    assert w.get_value()[0] == 0  # shared() copied
    w.get_value()[1] = 99
    assert w.get_value()[1] == 1  # get_value() copied
    w.get_value(borrow=True)[2] = 7
    assert w.get_value()[2] == 7  # borrow=True exposes the value itself
    w.set_value([4, 5, 6])
    np.testing.assert_array_equal(w.get_value(), [4, 5, 6])
    with pytest.raises(TypeError, match="expected 1 dimensions"):
        w.set_value(np.ones((2, 2)))


def test_function_reads_and_updates_shared_values(mode):
    w = scanc.shared(np.ones(3), name="w")
    x = st.vector("x")
    f = scanc.function([x], (x * w).sum(), updates={w: w * 2}, mode=mode)
    assert f(np.ones(3)) == 3.0
    assert f(np.ones(3)) == 6.0
    np.testing.assert_array_equal(w.get_value(), [4, 4, 4])


def test_a_failed_call_changes_no_shared_value():
    w = scanc.shared(np.ones(3), name="w")
    counter = scanc.shared(0, name="counter")
    x, i = st.vector("x"), st.lscalar("i")
    f = scanc.function([x, i], x[i], updates=[(w, w + x), (counter, counter + 1)])
    f(np.ones(3), 0)
    with pytest.raises(IndexError):
        f(np.ones(3), 5)
    np.testing.assert_array_equal(w.get_value(), [2, 2, 2])
    assert counter.get_value() == 1


def test_scan_update_with_zero_steps_keeps_the_value(mode):
    k = scanc.shared(3, name="k")
    n = st.iscalar("n")
    _, updates = scanc.scan(lambda: {k: k * 2}, n_steps=n)
    f = scanc.function([n], [], updates=updates, mode=mode)
    f(0)
    assert k.get_value() == 3
    f(2)
    assert k.get_value() == 12


def test_scan_update_and_outputs_together(mode):
    total = scanc.shared(np.zeros(2), name="total")
    X = st.matrix("X")
    doubled, updates = scanc.scan(
        lambda row: (row * 2, {total: total + row}), sequences=X
    )
    f = scanc.function([X], doubled, updates=updates, mode=mode)
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(f(x), x * 2)
    np.testing.assert_array_equal(total.get_value(), x.sum(0))


def test_update_type_must_match():
    k = scanc.shared(0, name="k")
    with pytest.raises(TypeError, match="must keep int64"):
        scanc.scan(lambda: {k: k * 1.5}, n_steps=2)
    with pytest.raises(TypeError, match="update of k"):
        scanc.function([], [], updates={k: k * 1.5})


def test_shared_variable_is_not_an_explicit_input():
    k = scanc.shared(0, name="k")
    with pytest.raises(TypeError, match="cannot be an explicit input"):
        scanc.function([k], k + 1)
