"""Machine code shared between identical functions.

The JIT engine never frees machine code, so a program that builds the same
function again and again (in a loop, per request, per test) would grow by each
copy. A function whose graph-stage IR, up to its name, and options equal those
of one compiled before in this process reuses that code instead, and skips the
pipeline. The code is reentrant: every function calls it with a frame of its
own. Code that keeps buffers between calls (`allow_gc=False`) holds them in
globals of its own and is never shared.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr

from scanc import config
from scanc.codegen.target import Target
from scanc.runtime.abi import FrameLayout


@dataclass(frozen=True)
class Code:
    """What a call needs of compiled code: its entry point, its frame layout
    and the messages of its run-time checks."""

    address: int
    layout: FrameLayout
    checks: list[str]
    #: False for code that keeps buffers in globals between calls
    reentrant: bool = True


_CODE: dict[str, Code] = {}
_LOCK = threading.Lock()


def keeps_buffers(module: ModuleOp) -> bool:
    """Whether the code of `module` keeps buffers in globals between calls
    (scan's `allow_gc=False`): it is neither shared nor reentrant."""
    return any("keep_buffers" in op.attributes for op in module.walk())


def key(module: ModuleOp, optimize_graph: bool, target: Target) -> str | None:
    """What identifies the code of `module` (one graph-stage function, which
    keeps no buffers), or None when sharing is off."""
    if not config.share_code:
        return None
    fn = next(iter(module.ops))
    assert isinstance(fn, func.FuncOp)
    name = fn.sym_name
    fn.sym_name = StringAttr("f")  # the same code whatever the function's name
    try:
        text = str(module)
    finally:
        fn.sym_name = name
    options = repr((optimize_graph, config.check_bounds, target))
    return hashlib.sha256(f"{options}\n{text}".encode()).hexdigest()


def find(key_: str | None) -> Code | None:
    if key_ is None:
        return None
    with _LOCK:
        return _CODE.get(key_)


def keep(key_: str | None, code: Code) -> None:
    if key_ is not None:
        with _LOCK:
            _CODE[key_] = code
