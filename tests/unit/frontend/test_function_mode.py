"""`function`'s mode: named, or `scanc.config.mode` when not named."""

import numpy as np
import pytest
import scanc
import scanc.tensor as st
from scanc import config


def doubled():
    x = st.vector("x")
    return [x], x * 2


def test_named_mode_sets_whether_the_graph_passes_run():
    assert scanc.function(*doubled(), mode="FAST_RUN").optimize
    assert not scanc.function(*doubled(), mode="FAST_COMPILE").optimize


def test_config_mode_is_the_default(monkeypatch):
    assert scanc.function(*doubled()).optimize
    monkeypatch.setattr(config, "mode", "FAST_COMPILE")
    f = scanc.function(*doubled())
    assert not f.optimize
    np.testing.assert_array_equal(f(np.arange(3.0)), [0.0, 2.0, 4.0])
    assert scanc.function(*doubled(), mode="FAST_RUN").optimize


def test_unknown_mode_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="unknown mode 'FAST'"):
        scanc.function(*doubled(), mode="FAST")
    monkeypatch.setattr(config, "mode", "DEBUG_MODE")
    with pytest.raises(ValueError, match="unknown mode 'DEBUG_MODE'"):
        scanc.function(*doubled())


def test_get_mode_and_pytensor_backend_names():
    assert scanc.get_mode("FAST_COMPILE") == "FAST_COMPILE"
    assert scanc.get_mode(None) == scanc.config.mode
    for backend in ("NUMBA", "JAX", "C", "CVM"):
        assert scanc.get_mode(backend) == "FAST_RUN"
    x = st.vector("x")
    f = scanc.function([x], x * 2, mode=scanc.get_mode("NUMBA"))
    assert list(f(np.ones(2))) == [2.0, 2.0]
