"""The symbolic API: types, PyTensor's dtype rules, graph construction errors."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st


@pytest.mark.parametrize(
    "name,dtype,ndim",
    [
        ("scalar", "float64", 0),
        ("vector", "float64", 1),
        ("matrix", "float64", 2),
        ("tensor3", "float64", 3),
        ("iscalar", "int32", 0),
        ("lvector", "int64", 1),
        ("imatrix", "int32", 2),
        ("fvector", "float32", 1),
        ("dmatrix", "float64", 2),
        ("bscalar", "int8", 0),
        ("wvector", "int16", 1),
    ],
)
def test_constructors(name, dtype, ndim):
    var = getattr(st, name)("v")
    assert (var.dtype, var.ndim, var.name) == (dtype, ndim, "v")


def test_tensor_with_static_and_dynamic_dims():
    x = st.tensor(name="x", dtype="float32", shape=(3, None))
    assert x.static_shape == (3, None)
    assert x.broadcastable == (False, False)
    assert st.tensor(dtype="int64", shape=(1,)).broadcastable == (True,)


def test_python_constant_dtypes():
    assert st.constant(0).dtype == "int8"
    assert st.constant(300).dtype == "int16"
    assert st.constant(2**40).dtype == "int64"
    assert st.constant(1.5).dtype == "float64"
    assert st.constant(True).dtype == "bool"
    assert st.as_tensor_variable(np.asarray(0, "int64")).dtype == "int64"
    assert st.as_tensor_variable(np.float32(1)).dtype == "float32"


def test_upcasting():
    x, i = st.fvector("x"), st.ivector("i")
    assert (x * 2).dtype == "float32"
    assert (x * 2.5).dtype == "float64"  # a Python float is floatX
    assert (x + i).dtype == "float64"
    assert (i + st.lscalar()).dtype == "int64"
    assert (i / i).dtype == "float64"
    assert (x < 1).dtype == "bool"


def test_arange_dtypes_and_static_length():
    assert st.arange(10).dtype == "int64"
    assert st.arange(10).static_shape == (10,)
    assert st.arange(st.iscalar()).static_shape == (None,)
    assert st.arange(0.0, 1.0, 0.25).dtype == "float64"


def test_broadcasting_shapes():
    m, v = st.matrix(), st.vector()
    assert (m + v).ndim == 2
    row = st.tensor(dtype="float64", shape=(1, None))
    assert (row * st.tensor(dtype="float64", shape=(4, 3))).static_shape == (4, 3)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        st.tensor(dtype="float64", shape=(2,)) + st.tensor(dtype="float64", shape=(3,))


def test_indexing_shapes():
    m = st.matrix("m")
    assert m[0].ndim == 1
    assert m[-1, 2].ndim == 0
    assert m[1:3].ndim == 2
    with pytest.raises(IndexError, match="too many indices"):
        m[0, 0, 0]
    with pytest.raises(IndexError, match="out of bounds"):
        st.tensor(dtype="float64", shape=(3,))[3]


def test_symbolic_values_have_no_truth_value():
    with pytest.raises(TypeError, match="no truth value"):
        bool(st.scalar() > 0)


def test_unsupported_dtype_is_named():
    with pytest.raises(TypeError, match="complex128"):
        st.tensor(dtype="complex128", shape=(None,))


def test_scan_needs_steps_or_sequences():
    with pytest.raises(ValueError, match="give n_steps"):
        scanc.scan(lambda p: p * 2, outputs_info=st.scalar())


def test_scan_output_count_must_match_outputs_info():
    x0 = st.scalar()
    with pytest.raises(ValueError, match="fn returns 2 outputs"):
        scanc.scan(lambda p: [p, p], outputs_info=[x0], n_steps=3)


def test_scan_rank_mismatch_is_reported():
    with pytest.raises(
        TypeError, match="scan output 0: the initial state has 0 dimensions"
    ):
        scanc.scan(
            lambda p, v: p + v,
            outputs_info=st.scalar(),
            non_sequences=st.vector(),
            n_steps=2,
        )


def test_strict_scan_reports_captured_shared_variables():
    # PyTensor's strict concerns shared variables; a plain input is passed
    # implicitly
    W = scanc.shared(np.ones((2, 2)), name="W")
    with pytest.raises(scanc.MissingInputError, match="'W'"):
        scanc.scan(lambda v: v * W[0], sequences=st.matrix("X"), strict=True)
    scanc.scan(lambda v: v * st.matrix("M")[0], sequences=st.matrix("X"), strict=True)


def test_until_must_come_last():
    with pytest.raises(ValueError, match="until condition must be the last"):
        scanc.scan(
            lambda p: (scanc.until(p > 1), p * 2), outputs_info=st.scalar(), n_steps=4
        )


def test_scan_static_shape_mismatch_is_reported():
    x0 = st.tensor("x0", shape=(3,))
    W = st.tensor("W", shape=(3, 4))
    with pytest.raises(ValueError, match="size 3 on axis 0 but fn returns size 4"):
        scanc.scan(
            lambda x, W: st.dot(x, W), outputs_info=x0, non_sequences=W, n_steps=2
        )


def test_scan_dynamic_shape_change_is_a_runtime_error():
    x0, W = st.vector("x0"), st.matrix("W")
    out, _ = scanc.scan(
        lambda x, W: st.dot(x, W), outputs_info=x0, non_sequences=W, n_steps=2
    )
    f = scanc.function([x0, W], out)
    with pytest.raises(ValueError, match="scan output 0 changes shape"):
        f(np.ones(3), np.ones((3, 4)))
