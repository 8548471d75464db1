"""The persistent compile cache (`scanc.runtime.cache`): a function compiled
by one process is loaded, not compiled, by the next; corrupted, foreign and
stale entries are never loaded; writes are atomic under concurrency; the size
stays bounded."""

import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc import config
from scanc.frontend import shared_code
from scanc.runtime import abi, cache

#: a program that prints A**k + c for A = [0, 1, 2, 3]; with "hit-only" it
#: exits with an error if anything is compiled
PROGRAM = """
import sys
import numpy as np
import scanc, scanc.tensor as st
from scanc import pipeline

if sys.argv[1] == "hit-only":
    def refuse(*args, **kwargs):
        raise SystemExit("compiled: the cache was not used")
    pipeline.compile_module = refuse
A, k = st.vector("A"), st.iscalar("k")
rows, updates = scanc.scan(
    lambda p, A: p * A + float(sys.argv[2]),
    outputs_info=st.ones_like(A), non_sequences=A, n_steps=k,
)
f = scanc.function([A, k], rows[-1], updates=updates)
print(f(np.arange(4.0), 3).tolist())
"""


def run(directory: Path, mode: str = "compile", constant: float = 0.5, **env):
    environment = dict(
        os.environ, SCANC_CACHE_DIR=str(directory), SCANC_SPECIALIZE="off", **env
    )
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, mode, str(constant)],
        capture_output=True,
        text=True,
        env=environment,
    )


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*/*" + cache.SUFFIX))


def expected(constant: float) -> list[float]:
    p = np.ones(4)
    for _ in range(3):
        p = p * np.arange(4.0) + constant
    return p.tolist()


def test_a_later_process_loads_the_code_instead_of_compiling(tmp_path):
    first = run(tmp_path)
    assert first.returncode == 0, first.stderr
    assert eval(first.stdout) == expected(0.5)
    assert len(entries(tmp_path)) == 1
    second = run(tmp_path, "hit-only")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    # another graph is another entry: not found, compiled
    refused = run(tmp_path, "hit-only", 1.5)
    assert "the cache was not used" in refused.stderr
    assert run(tmp_path, "compile", 1.5).returncode == 0
    assert len(entries(tmp_path)) == 2


CORRUPTIONS = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "one byte flipped": lambda data: data[:-7] + bytes([data[-7] ^ 1]) + data[-6:],
    "another format": lambda data: b"scanc-cache-0\n" + data[len(cache.MAGIC) :],
}


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_a_corrupted_entry_is_rebuilt_with_a_warning(tmp_path, corruption):
    assert run(tmp_path).returncode == 0
    (entry,) = entries(tmp_path)
    entry.write_bytes(CORRUPTIONS[corruption](entry.read_bytes()))
    again = run(tmp_path)
    assert again.returncode == 0, again.stderr
    assert eval(again.stdout) == expected(0.5)
    assert "corrupted cache entry" in again.stderr
    assert run(tmp_path, "hit-only").returncode == 0  # rebuilt whole


def test_processes_compiling_the_same_function_at_once(tmp_path):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: run(tmp_path), range(4)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert {r.stdout for r in results} == {results[0].stdout}
    assert len(entries(tmp_path)) == 1
    assert not list(tmp_path.glob("*/.tmp-*"))  # no partial writes left
    assert run(tmp_path, "hit-only").returncode == 0


def test_nothing_is_written_when_the_cache_is_off(tmp_path):
    assert run(tmp_path, SCANC_CACHE="0").returncode == 0
    assert entries(tmp_path) == []


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """This process's cache in `tmp_path`, and no code shared from before."""
    monkeypatch.setattr(config, "cache", True)
    monkeypatch.setattr(config, "cache_dir", str(tmp_path))
    monkeypatch.setattr(shared_code, "_CODE", {})
    return tmp_path


def compiled(constant: float):
    x = st.vector("x")
    f = scanc.function([x], (x * constant).sum())
    assert f(np.ones(3)) == 3 * constant
    return f


def test_entries_of_another_compiler_or_machine_are_not_loaded(
    fresh_cache, monkeypatch
):
    compiled(2.0)
    assert len(entries(fresh_cache)) == 1
    # another scanc or LLVM (another fingerprint): another key, compiled again
    monkeypatch.setattr(shared_code, "_CODE", {})
    monkeypatch.setattr(cache, "fingerprint", lambda: "another scanc")
    compiled(2.0)
    assert len(entries(fresh_cache)) == 2
    # another machine (CPU features): another key
    monkeypatch.setattr(shared_code, "_CODE", {})
    other = scanc.host().with_(features=scanc.host().features + ",-avx512f")
    with scanc.default_target(other):
        compiled(2.0)
    assert len(entries(fresh_cache)) == 3


def test_an_unwritable_cache_only_warns(fresh_cache, monkeypatch):
    blocker = fresh_cache / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(config, "cache_dir", str(blocker))
    with pytest.warns(cache.CacheWarning, match="cannot write the cache"):
        compiled(3.0)


def test_the_entries_used_longest_ago_are_evicted(fresh_cache):
    layout = abi.FrameLayout.of([], [])
    for n in range(5):
        key = f"{n:02d}" + "0" * 62
        cache.store(key, cache.Entry("f", bytes(1000), layout, []))
        os.utime(cache._path(key), (n, n))  # n seconds after the epoch
    size = cache._path("00" + "0" * 62).stat().st_size
    cache.evict(3 * size)
    kept = [p.name[:2] for p in entries(fresh_cache)]
    assert kept == ["02", "03", "04"]


def test_cache_command(fresh_cache):
    compiled(4.0)
    scanc_command = Path(sys.executable).with_name("scanc")
    env = dict(os.environ, SCANC_CACHE_DIR=str(fresh_cache))
    info = subprocess.run(
        [str(scanc_command), "cache", "info"], capture_output=True, text=True, env=env
    )
    assert f"directory: {fresh_cache}" in info.stdout
    assert "entries:   1" in info.stdout
    cleared = subprocess.run(
        [str(scanc_command), "cache", "clear"], capture_output=True, text=True, env=env
    )
    assert cleared.stdout.startswith("removed 1 entries")
    assert entries(fresh_cache) == []


UNPICKLE = """
import pickle, sys
import numpy as np
from scanc import pipeline

def refuse(*args, **kwargs):
    raise SystemExit("compiled: the cache was not used")

pipeline.compile_module = refuse
f = pickle.loads(sys.stdin.buffer.read())
print(f(np.arange(3.0)))
"""


def test_an_unpickled_function_loads_from_the_cache(fresh_cache):
    f = compiled(6.0)
    done = subprocess.run(
        [sys.executable, "-c", UNPICKLE],
        input=pickle.dumps(f),
        capture_output=True,
        env=dict(os.environ, SCANC_CACHE_DIR=str(fresh_cache)),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert float(done.stdout) == 18.0


def test_storing_past_the_limit_evicts(fresh_cache, monkeypatch):
    layout = abi.FrameLayout.of([], [])
    monkeypatch.setattr(cache, "_estimate", {"bytes": None})
    entry = cache.Entry("f", bytes(4000), layout, [])
    cache.store("aa" + "0" * 62, entry)
    size = cache._path("aa" + "0" * 62).stat().st_size
    monkeypatch.setattr(config, "cache_max_bytes", 2 * size + size // 2)
    for n in range(1, 5):  # each written after the one before
        cache.store(f"{n:02d}" + "0" * 62, entry)
    assert [p.name[:2] for p in entries(fresh_cache)] == ["03", "04"]


PRODUCT = """
import sys
import numpy as np
import scanc, scanc.tensor as st
from scanc import pipeline
from scanc.runtime import jit

if sys.argv[1] == "hit-only":
    def refuse(*args, **kwargs):
        raise SystemExit("compiled: the cache was not used")
    pipeline.compile_module = refuse
    jit._compile_library = refuse
x, W = st.vector("x"), st.matrix("W")
f = scanc.function([x, W], st.dot(x, W))
w = np.arange(64 * 64, dtype=float).reshape(64, 64) / 4096
print(float(f(np.ones(64), w).sum()))
"""


def test_the_kernel_library_is_compiled_once_per_machine(tmp_path):
    env = dict(os.environ, SCANC_CACHE_DIR=str(tmp_path), SCANC_SPECIALIZE="off")
    runs = [
        subprocess.run(
            [sys.executable, "-c", PRODUCT, mode],
            capture_output=True,
            text=True,
            env=env,
        )
        for mode in ("compile", "hit-only")
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    expected = (np.arange(64 * 64).reshape(64, 64) / 4096).sum()
    assert float(runs[0].stdout) == float(runs[1].stdout) == pytest.approx(expected)
    assert len(entries(tmp_path)) == 2  # the function and the kernel library


def test_each_machine_has_its_own_kernel_names():
    from llvmlite import ir

    from scanc.codegen import kernels

    avx512 = kernels.library(ir.Module(), "+avx2,+fma,+avx512f")
    avx2 = kernels.library(ir.Module(), "+avx2,+fma,-avx512f")
    assert len(avx512) == len(set(avx512)) == 6
    assert not set(avx512) & set(avx2)
    assert all(name.startswith("scanc_") for name in avx512 + avx2)
