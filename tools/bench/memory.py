"""Peak memory of one call, measured by the kernel: the growth of the process's
resident set during the call.

Before the call, freed heap memory is handed back (`malloc_trim`) and the
kernel's high-water mark is reset (`/proc/self/clear_refs`, value 5); after it,
the high-water mark (`VmHWM`) minus the resident set before the call is what
the call touched at its peak: native buffers (which `tracemalloc` cannot see),
BLAS workspace and Python objects alike. Linux only; None elsewhere.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def peak_bytes(run) -> int | None:
    """Peak extra resident memory of one `run()`, in bytes."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = _status_kib("VmRSS")
        run()
        return max(_status_kib("VmHWM") - before, 0) * 1024
    except (OSError, AttributeError):
        return None
