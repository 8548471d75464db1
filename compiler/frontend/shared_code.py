"""Machine code shared between identical functions.

The JIT engine never frees machine code, so a program that builds the same
function again and again (in a loop, per request, per test) would grow by each
copy. A function whose graph-stage IR, up to its name, and options equal those
of one compiled before in this process reuses that code instead, and skips the
pipeline. The code is reentrant: every function calls it with a frame of its
own. Code that keeps buffers between calls (`allow_gc=False`) holds them in
globals of its own and is never shared.

Shared code is also kept on disk (`scanc.runtime.cache`) when `config.cache` is
on: a function compiled by an earlier process is loaded from there. Shared code
is compiled under a symbol named after its key, so code loaded from the cache
never collides with code of another function.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr

from scanc import config
from scanc.codegen.target import Target
from scanc.runtime import cache, jit
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


def key(
    module: ModuleOp, optimize_graph: bool, target: Target, text: str | None = None
) -> str | None:
    """What identifies the code of `module` (one graph-stage function, which
    keeps no buffers), or None when sharing is off; `text` is its
    `name_free_text` when the caller has it."""
    if not config.share_code:
        return None
    text = name_free_text(module) if text is None else text
    return cache.key_of(optimize_graph, config.check_bounds, target, text)


def name_free_text(module: ModuleOp) -> str:
    """The module printed with its function named `f`: the same code whatever
    the function's name."""
    fn = next(iter(module.ops))
    assert isinstance(fn, func.FuncOp)
    name = fn.sym_name
    fn.sym_name = StringAttr("f")
    try:
        return str(module)
    finally:
        fn.sym_name = name


def symbol(key_: str) -> str:
    """The symbol shared code of `key_` is compiled under."""
    return f"scanc_{key_[:32]}"


def find(key_: str | None) -> Code | None:
    """Code of `key_` compiled before: in this process, else in the cache."""
    if key_ is None:
        return None
    with _LOCK:
        code = _CODE.get(key_)
        if code is None and config.cache:
            entry = cache.load(key_)
            if isinstance(entry, cache.Entry):
                if entry.kernels is not None:
                    jit.load_kernel_library(entry.kernels)
                address = jit.load_object(entry.object_code, entry.symbol)
                code = Code(address, entry.layout, entry.checks)
                _CODE[key_] = code
        return code


def keep(
    key_: str | None,
    code: Code,
    object_code: bytes | None = None,
    kernels: Target | None = None,
) -> None:
    """Share `code` under `key_`; with its `object_code`, in the cache too
    (`kernels`: the target whose kernel library it calls, if any)."""
    if key_ is None:
        return
    with _LOCK:
        _CODE[key_] = code
    if object_code is not None and config.cache:
        entry = cache.Entry(
            symbol(key_), object_code, code.layout, code.checks, kernels
        )
        cache.store(key_, entry)
