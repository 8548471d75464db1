"""The `Target`: the machine's facts and kernel crossovers that lowering and
codegen consult, chosen per function (`target=`) or per block of code
(`scanc.default_target`)."""

import pickle

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import pipeline
from scanc.codegen.target import default
from scanc.runtime import blas

rng = np.random.default_rng(7)


def products():
    """x . W (vector-matrix) and A . W (matrix product) of 64 x 64 matrices."""
    x, A, W = st.vector("x"), st.matrix("A"), st.matrix("W")
    return [x, A, W], [st.dot(x, W), st.dot(A, W)]


def loops_ir(target) -> str:
    inputs, outputs = products()
    f = scanc.function(inputs, outputs, target=target)
    module = f.graph.clone()
    pipeline.lower(module, "loops", target=target)
    return str(module)


def test_host_knows_its_machine():
    host = scanc.host()
    assert host.triple and host.cpu
    assert host.blas == blas.available()
    assert default() is host


def test_crossovers_are_the_run_time_tests_before_kernel_ops():
    # sizes are known at run time only: the IR compares the work with the
    # target's crossover and runs the kernel op or the inline loops
    host_ir = loops_ir(scanc.host())
    assert "kernel.vecmat" in host_ir
    assert "arith.constant 2500 : index" in host_ir
    assert ("kernel.blas_gemm" in host_ir) == blas.available()
    assert ("arith.constant 32768 : index" in host_ir) == blas.available()
    other_ir = loops_ir(scanc.host().with_(vecmat_min_work=1 << 40, blas=False))
    assert "kernel.vecmat" in other_ir
    assert f"arith.constant {1 << 40} : index" in other_ir
    assert "arith.constant 2500 : index" not in other_ir
    assert "kernel.blas" not in other_ir  # no BLAS: not even a test


@pytest.mark.parametrize(
    "changes",
    [{}, {"vecmat_min_work": 1 << 62, "blas": False}, {"gemm_min_work": 1}],
    ids=["host", "inline", "always-blas"],
)
def test_every_target_gives_numpys_products(changes):
    inputs, outputs = products()
    f = scanc.function(inputs, outputs, target=scanc.host().with_(**changes))
    x, A, W = rng.normal(size=64), rng.normal(size=(3, 64)), rng.normal(size=(64, 64))
    xw, aw = f(x, A, W)
    np.testing.assert_allclose(xw, x @ W, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(aw, A @ W, rtol=1e-12, atol=1e-12)


def test_default_target_holds_inside_its_block_only():
    inline = scanc.host().with_(vecmat_min_work=1 << 62)
    with scanc.default_target(inline):
        assert default() == inline
        with pytest.raises(RuntimeError):
            with scanc.default_target(scanc.host().with_(blas=False)):
                raise RuntimeError
        assert default() == inline
        inputs, outputs = products()
        f = scanc.function(inputs, outputs)
    assert default() is scanc.host()
    assert f.target == inline


def test_functions_for_other_targets_do_not_share_code():
    inputs, outputs = products()
    f = scanc.function(inputs, outputs)
    g = scanc.function(inputs, outputs, target=scanc.host().with_(blas=False))
    assert f.native.entry != g.native.entry


def test_a_pickled_function_keeps_a_target_it_was_given():
    inline = scanc.host().with_(vecmat_min_work=1 << 62)
    inputs, outputs = products()
    f = pickle.loads(pickle.dumps(scanc.function(inputs, outputs, target=inline)))
    assert f.target == inline
    g = pickle.loads(pickle.dumps(scanc.function(inputs, outputs)))
    assert g.target is scanc.host()


def test_cpu_names_the_host():
    inputs, outputs = products()
    assert scanc.function(inputs, outputs, target="cpu").target is scanc.host()


@pytest.mark.parametrize("target", ["gpu", "cuda:sm_70", "Cuda"])
def test_unknown_target_names_are_refused(target):
    inputs, outputs = products()
    with pytest.raises(ValueError, match="function: unknown"):
        scanc.function(inputs, outputs, target=target)


def test_targets_are_names_or_targets():
    inputs, outputs = products()
    with pytest.raises(TypeError, match="target must be a scanc.Target or a name"):
        scanc.function(inputs, outputs, target=3)


def test_default_target_blocks_and_names_choose_the_gpu():
    from scanc.codegen.target import cuda

    x = st.vector("x")
    with scanc.default_target(cuda("sm_90")):
        f = scanc.function([x], x + 1)
    assert f.target == cuda("sm_90") and ".target sm_90" in f.ptx
    assert scanc.function([x], x + 1, target="cuda").target == cuda("sm_80")
