"""Bad input raises a Python error naming what was wrong; nothing crashes."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st


@pytest.fixture(scope="module")
def power():
    k = st.iscalar("k")
    A = st.vector("A")
    result, _ = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    return scanc.function([A, k], result[-1])


def test_wrong_number_of_arguments(power):
    with pytest.raises(TypeError, match=r"takes 2 inputs \(A, k\), got 1"):
        power(np.ones(3))


def test_wrong_rank_names_the_input(power):
    with pytest.raises(TypeError, match="input 'A': expected 1 dimensions"):
        power(np.ones((2, 2)), 2)


def test_float_for_an_int_input_names_the_input(power):
    with pytest.raises(TypeError, match="input 'k'"):
        power(np.ones(3), 2.5)


def test_downcast_rules(power):
    # int64 data up-casts to float64; a Python int that fits goes into int32
    np.testing.assert_array_equal(power(np.arange(3), 2), [0, 1, 4])
    assert power(np.ones(3), np.int64(2)).dtype == np.float64  # lossless scalar
    x = st.ivector("x")
    f = scanc.function([x], x + 1)
    with pytest.raises(TypeError, match="input 'x'"):
        f(np.array([1, 2], dtype=np.int64))  # arrays must up-cast
    with pytest.raises(TypeError, match="input 'k'"):
        power(np.ones(3), 2**40)


def test_allow_input_downcast():
    x = st.fvector("x")
    f = scanc.function([x], x * 2, allow_input_downcast=True)
    np.testing.assert_array_equal(f(np.array([1.5, 2.0])), np.float32([3.0, 4.0]))
    strict = scanc.function([x], x * 2)
    with pytest.raises(TypeError, match="input 'x'"):
        strict(np.array([1.5, 2.0]))


def test_negative_n_steps(power):
    with pytest.raises(ValueError, match="n_steps must be non-negative"):
        power(np.ones(3), -1)


def test_non_numeric_input(power):
    with pytest.raises(TypeError, match="input 'A'"):
        power(["a", "b"], 2)


def test_static_shape_is_checked():
    x = st.tensor("x", dtype="float64", shape=(3,))
    f = scanc.function([x], x + 1)
    with pytest.raises(TypeError, match="expected size 3 on axis 0"):
        f(np.ones(4))


def test_shape_mismatch_is_a_value_error():
    x, y = st.vector("x"), st.vector("y")
    f = scanc.function([x, y], x + y)
    with pytest.raises(ValueError, match="shape mismatch in 'add'"):
        f(np.ones(3), np.ones(4))


def test_index_out_of_range_inside_native_code():
    x, i = st.vector("x"), st.lscalar("i")
    f = scanc.function([x, i], x[i])
    assert f(np.arange(4.0), -1) == 3.0
    with pytest.raises(IndexError, match="out of bounds"):
        f(np.arange(4.0), 4)
    with pytest.raises(IndexError, match="out of bounds"):
        f(np.arange(4.0), -5)


def test_missing_input():
    x, y = st.vector("x"), st.vector("y")
    with pytest.raises(scanc.MissingInputError, match="y"):
        scanc.function([x], x + y)


def test_unused_input():
    x, y = st.vector("x"), st.vector("y")
    with pytest.raises(scanc.UnusedInputError):
        scanc.function([x, y], x * 2)
    f = scanc.function([x, y], x * 2, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.ones(2), np.ones(5)), [2, 2])


def test_sequence_too_short_for_n_steps():
    x = st.vector("x")
    n = st.iscalar("n")
    out, _ = scanc.scan(lambda v: v * 2, sequences=x, n_steps=n)
    f = scanc.function([x, n], out)
    np.testing.assert_array_equal(f(np.arange(5.0), 3), [0, 2, 4])
    with pytest.raises(ValueError, match="larger than the sequences allow"):
        f(np.arange(5.0), 6)


def test_array_resized_in_place_between_calls():
    """`ndarray.resize(refcheck=False)` moves an array's data while the object
    stays the same: the next call must read the new data, not the freed one."""
    x = st.vector("x")
    total = scanc.function([x], st.sum(x))
    a = np.ones(4)
    assert total(a) == 4.0
    a.resize(1 << 20, refcheck=False)  # reallocates: the old address is freed
    a[:] = 2.0
    assert total(a) == 2.0 * (1 << 20)
