"""LLVM's O2 pipeline, run in a child process by default.

llvmlite 0.50 leaves about 80 KB behind for every module it optimizes
(`LLVMPY_CreatePassBuilder` allocates pass-instrumentation callbacks that
nothing frees, and each run registers more into them), so a process that keeps
compiling functions would grow without bound. The child process
(`optimizer_worker.py`, llvmlite only) takes that memory and is replaced after
`RESTART_AFTER` modules; a crash inside LLVM's optimizer then fails the compile
with RuntimeError instead of ending the user's process. The optimized IR comes
back as text and is parsed here for the JIT.

`config.optimize_in_process` (`SCANC_OPTIMIZE_IN_PROCESS=1`) runs the same
pipeline in this process instead (no child process, the leak stays here), as
happens by itself where no child process can be started.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from pathlib import Path

import llvmlite.binding as llvm
from llvmlite import ir
from scanc import config
from scanc.codegen import optimizer_worker
from scanc.codegen.target import Target

#: modules one child optimizes before a fresh one replaces it (about 80 KB each)
RESTART_AFTER = 200


class OptimizerProcess:
    """One child running `optimizer_worker.py`, shared by the threads of this
    process; started on first use and again after a fork or a crash."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.child: subprocess.Popen | None = None
        self.owner_pid = 0
        self.served = 0
        #: why no child can be started here (an embedded interpreter, say)
        self.unavailable: str | None = None if sys.executable else "no sys.executable"

    def optimize(self, request: dict) -> str:
        with self.lock:
            child = self._ready_child()
            try:
                optimizer_worker.write_message(child.stdin, request)
                answer = optimizer_worker.read_message(child.stdout)
            except (BrokenPipeError, OSError):
                answer = None
            if answer is None:
                self._stop()
                raise RuntimeError(
                    "LLVM's optimizer process ended while optimizing this function "
                    f"(status {child.wait()}); SCANC_OPTIMIZE_IN_PROCESS=1 runs it "
                    "in this process"
                )
            self.served += 1
        if "error" in answer:
            raise RuntimeError(f"LLVM's optimizer failed: {answer['error']}")
        return answer["ir"]

    def _ready_child(self) -> subprocess.Popen:
        if self.child is not None and self.owner_pid != os.getpid():
            self.child = None  # a forked copy: the pipes are the parent's
        if self.child is not None and self.child.poll() is not None:
            self._stop()  # ended between two requests (killed): start another
        if self.child is not None and self.served >= RESTART_AFTER:
            self._stop()
        if self.child is None:
            worker = Path(optimizer_worker.__file__)
            try:
                self.child = subprocess.Popen(
                    [sys.executable, "-P", str(worker)],  # not its folder on sys.path
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            except OSError as error:
                self.unavailable = str(error)
                raise
            self.owner_pid, self.served = os.getpid(), 0
        return self.child

    def _stop(self) -> None:
        child, self.child = self.child, None
        if child is not None and self.owner_pid == os.getpid():
            child.stdin.close()  # type: ignore[union-attr]
            child.wait()
            child.stdout.close()  # type: ignore[union-attr]

    def close(self) -> None:
        with self.lock:
            self._stop()


_PROCESS = OptimizerProcess()
atexit.register(_PROCESS.close)


def _optimize_here(request: dict) -> str:
    try:
        return optimizer_worker.optimize(request)
    except Exception as error:
        raise RuntimeError(f"LLVM's optimizer failed: {error}") from error


def optimize(ir_module: ir.Module, target: Target) -> llvm.ModuleRef:
    """The module after LLVM's O2 pipeline with the loop and SLP vectorizers,
    parsed in this process."""
    request = {
        "ir": str(ir_module),
        "triple": target.triple,
        "cpu": target.cpu,
        "features": target.features,
    }
    if not config.optimize_in_process and _PROCESS.unavailable is None:
        try:
            text = _PROCESS.optimize(request)
        except OSError:  # no child process can be started: optimize here
            text = _optimize_here(request)
    else:
        text = _optimize_here(request)
    module = llvm.parse_assembly(text)
    module.verify()
    return module
