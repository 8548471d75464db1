"""The persistent compile cache: native object code of compiled functions on
disk, so that a function compiled once is loaded, not compiled, by every later
process (as PyTensor's compile directory, Numba's `cache=True` and JAX's
persistent compilation cache).

An entry is named by its key: a hash of the graph-stage IR after
specialization (up to the function's name), the options that change code, the
`Target`, and a fingerprint of this compiler (the source of every scanc module,
llvmlite's and LLVM's versions, this file's format). An entry of another scanc,
another LLVM or another machine has another key, so it is never loaded. Each
entry holds the object code, the function's symbol, its frame layout and the
messages of its checks, after a magic word and a SHA-256 of the rest: a torn,
truncated or corrupted file fails the checksum, is removed with a warning, and
the function is compiled again. Writes go to a temporary file renamed into
place (atomic), so processes compiling the same function at once each write a
whole entry and readers see one or the other. Past `config.cache_max_bytes`,
the entries used longest ago are removed.

Settings: `config.cache` (SCANC_CACHE=0 turns it off), `config.cache_dir`
(SCANC_CACHE_DIR), `config.cache_max_bytes` (SCANC_CACHE_MAX_MB). The command
`scanc cache info` shows the cache, `scanc cache clear` empties it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import llvmlite
import llvmlite.binding as llvm

from scanc import config
from scanc.runtime.abi import FrameLayout

#: the first bytes of every entry; the number is the entry format
MAGIC = b"scanc-cache-1\n"
SUFFIX = ".entry"


class CacheWarning(UserWarning):
    """A cache entry could not be used (it is compiled again)."""


@dataclass(frozen=True)
class Entry:
    """What a later process needs to call the function without compiling it."""

    symbol: str
    object_code: bytes
    layout: FrameLayout
    checks: list[str]
    #: the target whose kernel library the code calls (None: it calls none)
    kernels: object = None


@dataclass(frozen=True)
class Library:
    """The kernel library of one machine (`scanc.codegen.kernels.library`)."""

    names: list[str]
    object_code: bytes


def key_of(*parts) -> str:
    """A key for what `parts` (reprs) and this compiler make."""
    text = repr((fingerprint(), *parts))
    return hashlib.sha256(text.encode()).hexdigest()


def directory() -> Path:
    return Path(config.cache_dir)


@cache
def fingerprint() -> str:
    """A hash of what made the code: every scanc source file, llvmlite's and
    LLVM's versions and the entry format."""
    digest = hashlib.sha256(MAGIC)
    digest.update(f"{llvmlite.__version__} {llvm.llvm_version_info}".encode())
    for root in _source_roots():
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _source_roots() -> list[Path]:
    import scanc
    import scanc.dialects
    import scanc.runtime

    return [Path(m.__file__).parent for m in (scanc, scanc.dialects, scanc.runtime)]


def _path(key: str) -> Path:
    return directory() / key[:2] / (key + SUFFIX)


def load(key: str) -> Entry | Library | None:
    """The entry of `key`, or None (absent, unreadable or corrupted; a
    corrupted one is removed with a `CacheWarning`)."""
    path = _path(key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    entry = _decode(data)
    if entry is None:
        warnings.warn(
            f"scanc: corrupted cache entry {path} removed; compiling again",
            CacheWarning,
            stacklevel=3,
        )
        _remove(path)
        return None
    try:
        os.utime(path)  # recently used: evicted last
    except OSError:
        pass
    return entry


def _decode(data: bytes) -> Entry | None:
    head = len(MAGIC) + 32
    if len(data) < head or not data.startswith(MAGIC):
        return None
    checksum, payload = data[len(MAGIC) : head], data[head:]
    if hashlib.sha256(payload).digest() != checksum:
        return None
    try:
        entry = pickle.loads(payload)
    except Exception:
        return None
    return entry if isinstance(entry, (Entry, Library)) else None


def store(key: str, entry: Entry | Library) -> None:
    """Write the entry of `key` atomically; a cache that cannot be written
    (read-only, full disk) only warns."""
    payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    data = MAGIC + hashlib.sha256(payload).digest() + payload
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".tmp-", delete=False
        ) as out:
            out.write(data)
        os.replace(out.name, path)
    except OSError as error:
        warnings.warn(f"scanc: cannot write the cache: {error}", CacheWarning, 3)
        return
    _count_stored(len(data))


#: this process's estimate of the cache's size: read from the directory once,
#: then grown by what it stores, so a store does not list every entry
_estimate = {"bytes": None}


def _count_stored(nbytes: int) -> None:
    """Add a stored entry to the estimate; past the limit, evict (which reads
    the directory again)."""
    if _estimate["bytes"] is None:
        _estimate["bytes"] = sum(stat.st_size for _, stat in _entries())
    else:
        _estimate["bytes"] += nbytes
    if _estimate["bytes"] > config.cache_max_bytes:
        _estimate["bytes"] = evict(config.cache_max_bytes)


def _entries() -> list[tuple[Path, os.stat_result]]:
    found = []
    for path in directory().glob("*/*" + SUFFIX):
        try:
            found.append((path, path.stat()))
        except OSError:  # removed by another process meanwhile
            continue
    return found


def evict(max_bytes: int) -> int:
    """Remove the entries used longest ago until the rest fit in `max_bytes`;
    the bytes kept."""
    entries = sorted(_entries(), key=lambda e: e[1].st_mtime, reverse=True)
    total = 0
    for path, stat in entries:
        if total + stat.st_size > max_bytes:
            _remove(path)
        else:
            total += stat.st_size
    return total


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def info() -> dict:
    """The cache's directory, number of entries and size in bytes."""
    entries = _entries()
    return {
        "directory": str(directory()),
        "enabled": config.cache,
        "entries": len(entries),
        "bytes": sum(stat.st_size for _, stat in entries),
        "max_bytes": config.cache_max_bytes,
    }


def clear() -> int:
    """Remove every entry; how many there were."""
    entries = _entries()
    for path, _ in entries:
        _remove(path)
    return len(entries)
