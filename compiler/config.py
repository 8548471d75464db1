"""Global settings, spelled as PyTensor spells them (`scanc.config.floatX`).

Each can be set from the environment before `import scanc`; a value outside
the documented choices raises ValueError naming the variable."""

from __future__ import annotations

import ctypes
import os
import re
import sys
import types


def _choice(variable: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(variable, default)
    if value not in choices:
        raise ValueError(
            f"{variable}={value!r} is not a valid setting; use one of "
            f"{', '.join(choices)}"
        )
    return value


#: dtype of float constants and of `scalar`, `vector`, ... without a prefix.
floatX: str = _choice("SCANC_FLOATX", "float64", ("float64", "float32"))

#: The mode of `function` calls that do not name one: "FAST_RUN" (the graph
#: passes on) or "FAST_COMPILE" (off), as PyTensor's `config.mode`.
mode: str = _choice("SCANC_MODE", "FAST_RUN", ("FAST_RUN", "FAST_COMPILE"))

#: When False, compiled functions keep their scratch buffers between calls.
scan__allow_gc: bool = True

#: When compiled functions make variants for the small sizes they are called with:
#: "auto" once calls with those sizes have run as long as compiling took, "eager" at
#: the first such call, "off" never (see docs/guide.md, "Specialization").
specialize: str = _choice("SCANC_SPECIALIZE", "auto", ("auto", "eager", "off"))

#: Array sizes up to this become constants in a specialized variant.
specialize_max_size: int = 16

#: Whether the first compile raises glibc's thresholds for returning freed memory
#: to the system to 64 MiB (`mallopt`; process-wide, see docs/guide.md, "Memory").
#: "0" in SCANC_KEEP_FREED_MEMORY turns it off; set it before the first compile.
keep_freed_memory: bool = _choice("SCANC_KEEP_FREED_MEMORY", "1", ("1", "0")) == "1"

#: Debug mode: every load, store and view of compiled code checks its indices
#: against the sizes and raises RuntimeError (a scanc bug) outside them; slower.
#: SCANC_CHECK_BOUNDS=1 turns it on (the fuzzer runs with it half of the time).
check_bounds: bool = _choice("SCANC_CHECK_BOUNDS", "0", ("0", "1")) == "1"

#: Whether LLVM's optimizer runs in this process instead of a child process
#: (`scanc.codegen.optimizer`: llvmlite's optimizer leaks about 80 KB per module).
optimize_in_process: bool = _choice("SCANC_OPTIMIZE_IN_PROCESS", "0", ("0", "1")) == "1"

#: Whether a function whose graph equals one compiled before in this process
#: reuses its machine code (`scanc.frontend.shared_code`). Off
#: (SCANC_SHARE_CODE=0) where compiler settings change between compiles.
share_code: bool = _choice("SCANC_SHARE_CODE", "1", ("1", "0")) == "1"

#: Whether compiled code is kept on disk and reused by later processes
#: (`scanc.runtime.cache`); SCANC_CACHE=0 turns it off. It is consulted only
#: where code is shared (`share_code`).
cache: bool = _choice("SCANC_CACHE", "1", ("1", "0")) == "1"

#: Where: SCANC_CACHE_DIR, else `scanc` in the user's cache directory
#: ($XDG_CACHE_HOME, else ~/.cache).
cache_dir: str = os.environ.get("SCANC_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
    "scanc",
)


def _size(variable: str, default: str) -> int:
    value = os.environ.get(variable, default)
    if not value.isdigit():
        raise ValueError(
            f"{variable}={value!r} is not a valid setting; use a whole number of MiB"
        )
    return int(value) << 20


#: The most the cache may hold (SCANC_CACHE_MAX_MB, in MiB; 1024 by default): the
#: entries used longest ago are removed past it.
cache_max_bytes: int = _size("SCANC_CACHE_MAX_MB", "1024")

#: Whether compiled functions may be called through their native entry, which
#: reads the arguments and wraps the outputs without Python code
#: (`scanc.runtime.fast_calls`); SCANC_FAST_CALLS=0 keeps every call in Python.
fast_calls: bool = _choice("SCANC_FAST_CALLS", "1", ("1", "0")) == "1"

#: The machine functions compile for when none is given (`function(...,
#: target=)`, `with scanc.default_target(...)`): SCANC_TARGET, one of `cpu`,
#: `cuda`, `cuda:sm_90`, `gpu-sim` (`scanc.codegen.target.named`).
target: str = os.environ.get("SCANC_TARGET", "cpu")
if not re.fullmatch(r"cpu|gpu-sim|cuda(:sm_\d+a?)?", target):
    raise ValueError(
        f"SCANC_TARGET={target!r} is not a valid setting; use one of cpu, cuda, "
        "cuda:sm_90, gpu-sim"
    )

#: Whether each `gpu-sim` compile also makes the PTX of the same kernels and
#: assembles it with ptxas for sm_80 and sm_90 (`scanc.codegen.ptx.check_kernels`;
#: a refusal is an error): SCANC_CHECK_PTX=1 (the test command's gpu-sim run).
check_ptx: bool = _choice("SCANC_CHECK_PTX", "0", ("0", "1")) == "1"

#: Counts the changes of these settings (native calls re-check theirs after one).
settings_epoch = ctypes.c_int64(0)


class _Settings(types.ModuleType):
    """This module: setting any of its names counts in `settings_epoch`."""

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        settings_epoch.value += 1


sys.modules[__name__].__class__ = _Settings
