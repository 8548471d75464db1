"""Compiled code's life: LLVM's optimizer runs in a child process (llvmlite
leaks memory per module it optimizes), identical functions share machine code,
and a process that keeps compiling and dropping functions stays small."""

import ctypes
import gc
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import config
from scanc.codegen import optimizer
from scanc.codegen.target import host


def entry(f) -> int:
    return ctypes.cast(f.native.entry, ctypes.c_void_p).value


def recurrence(constant: float):
    x = st.vector("x")
    h, _ = scanc.scan(
        lambda a, h: h * a + constant, sequences=x, outputs_info=st.constant(0.0)
    )
    return scanc.function([x], h[-1])


def test_identical_functions_share_machine_code():
    f, g, other = recurrence(1.5), recurrence(1.5), recurrence(2.5)
    assert entry(f) == entry(g) != entry(other)
    assert f(np.ones(3)) == g(np.ones(3)) == 4.5
    # errors of the shared code name the function that was called
    with pytest.raises(IndexError, match=f"in compiled function {g.name!r}"):
        g(np.ones(0))  # no step: h[-1] of no rows


def _resident_mib() -> float:
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_compiling_and_dropping_functions_keeps_memory_small():
    for n in range(20):  # warm up: first compiles allocate once for good
        recurrence(1000.0 + n)(np.ones(2))
    before = _resident_mib()
    count = 200
    for n in range(count):
        recurrence(float(n))(np.ones(2))  # a different function each time
    grown_kib = (_resident_mib() - before) * 1024 / count
    # about 14 KiB each (the machine code stays in the JIT engine); 130 KiB
    # before the optimizer left this process
    assert grown_kib < 50, f"{grown_kib:.0f} KiB per compiled function"


def test_a_killed_optimizer_process_is_replaced(monkeypatch):
    monkeypatch.setattr(config, "share_code", False)  # every compile optimizes
    recurrence(7.0)
    child = optimizer._PROCESS.child
    if child is None:
        pytest.skip("the optimizer runs in this process (SCANC_OPTIMIZE_IN_PROCESS)")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert recurrence(8.0)(np.ones(2)) == 16.0


def test_an_optimizer_failure_is_an_error_not_a_crash(monkeypatch):
    class Garbage:
        def __str__(self):
            return "define this is not IR"

    for in_process in (False, True):
        monkeypatch.setattr(config, "optimize_in_process", in_process)
        with pytest.raises(RuntimeError, match="LLVM's optimizer failed"):
            optimizer.optimize(Garbage(), host())


def test_in_process_optimizer(monkeypatch):
    monkeypatch.setattr(config, "share_code", False)
    monkeypatch.setattr(config, "optimize_in_process", True)
    assert recurrence(9.5)(np.ones(2)) == 19.0


def test_without_a_child_process_the_optimizer_runs_here(monkeypatch):
    monkeypatch.setattr(config, "share_code", False)
    process = optimizer.OptimizerProcess()
    monkeypatch.setattr(optimizer, "_PROCESS", process)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert recurrence(10.5)(np.ones(2)) == 21.0
    assert process.unavailable is not None and process.child is None


def test_an_optimizer_process_that_dies_during_a_request_fails_that_compile(
    monkeypatch,
):
    monkeypatch.setattr(config, "share_code", False)
    recurrence(11.0)  # a child is running
    process = optimizer._PROCESS
    if process.child is None:
        pytest.skip("the optimizer runs in this process (SCANC_OPTIMIZE_IN_PROCESS)")
    write = optimizer.optimizer_worker.write_message

    def die_then_write(stream, message):
        os.kill(process.child.pid, signal.SIGKILL)
        process.child.wait()
        write(stream, message)

    monkeypatch.setattr(optimizer.optimizer_worker, "write_message", die_then_write)
    with pytest.raises(RuntimeError, match="optimizer process ended"):
        recurrence(12.0)
    monkeypatch.setattr(optimizer.optimizer_worker, "write_message", write)
    assert recurrence(13.0)(np.ones(2)) == 26.0  # a fresh child serves the next


def test_the_optimizer_process_is_replaced_after_restart_after_modules(monkeypatch):
    monkeypatch.setattr(config, "share_code", False)
    monkeypatch.setattr(optimizer, "RESTART_AFTER", 1)
    recurrence(14.0)
    first = optimizer._PROCESS.child
    if first is None:
        pytest.skip("the optimizer runs in this process (SCANC_OPTIMIZE_IN_PROCESS)")
    recurrence(15.0)
    assert optimizer._PROCESS.child is not first
    assert first.poll() is not None  # the old child has ended


def test_code_that_keeps_buffers_is_neither_shared_nor_called_concurrently():
    def kept():
        x = st.vector("x")
        h, _ = scanc.scan(
            lambda a, h: h + a,
            sequences=x,
            outputs_info=st.constant(0.0),
            allow_gc=False,
        )
        return scanc.function([x], h)

    f, g = kept(), kept()
    assert entry(f) != entry(g)
    assert f.native.lock is not None and recurrence(1.5).native.lock is None


@pytest.mark.parametrize("setting, mallopt_called", [("0", False), ("1", True)])
def test_keep_freed_memory_setting(setting, mallopt_called):
    child = (
        "import numpy as np, scanc, scanc.tensor as st\n"
        "from scanc.runtime import jit\n"
        "called = []\n"
        "jit._keep_freed_memory = lambda: called.append(1)\n"
        "x = st.vector('x')\n"
        "scanc.function([x], x * 2)(np.ones(2))\n"
        "print(bool(called))\n"
    )
    env = dict(os.environ, SCANC_KEEP_FREED_MEMORY=setting)
    result = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(mallopt_called)
