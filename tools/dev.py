"""Set up and run scanc from a fresh checkout, with nothing but Python installed.

    python3 tools/dev.py examples   # compile and run every program in examples/
    python3 tools/dev.py test       # the whole test suite: pytest, lit, the
                                    # end-to-end tests with specialized variants,
                                    # then 3 minutes of the differential fuzzer
    python3 tools/dev.py bench      # the benchmarks (installs the optional peers)
    python3 tools/dev.py fuzz --minutes N [--seed S]   # a longer fuzzer run

The first run creates `.venv/` in the checkout and installs scanc into it
(editable, with the test tools); later runs reuse it unless pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest}:{extras}"


def ensure_env(extras: str = "test") -> None:
    stamp_file = VENV / ".scanc-installed"
    wanted = _stamp(extras)
    if stamp_file.exists() and wanted in stamp_file.read_text().splitlines():
        return
    if not PYTHON.exists():
        print(f"creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"installing scanc[{extras}] into {VENV.name}/ ...", flush=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
    )
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extras}]"],
        check=True,
    )
    previous = stamp_file.read_text().splitlines() if stamp_file.exists() else []
    stamp_file.write_text("\n".join([*previous, wanted]) + "\n")


def run(cmd: list[str], **extra_env: str) -> int:
    env = dict(
        os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra_env
    )
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def examples() -> int:
    ensure_env()
    status = 0
    for program in sorted((ROOT / "examples").glob("*.py")):
        print(f"=== {program.relative_to(ROOT)}", flush=True)
        status |= run([str(PYTHON), str(program)])
    return status


def test() -> int:
    ensure_env()
    # one pytest worker per core (pytest-xdist): the tests are mostly compiling
    pytest = [str(PYTHON), "-m", "pytest", "-q", "--numprocesses=auto"]
    status = run([*pytest, "tests"])
    status |= run([str(BIN / "lit"), "-sv", "tests/lit"])
    print(
        "=== end-to-end tests again, every variant made at the first call", flush=True
    )
    eager = run([*pytest, "tests/e2e"], SCANC_SPECIALIZE="eager")
    print("=== the differential fuzzer, 3 minutes from a fixed seed", flush=True)
    fuzzed = run([str(PYTHON), "tools/fuzz.py", "--minutes", "3", "--seed", "0"])
    return status | eager | fuzzed


def fuzz(args: list[str]) -> int:
    ensure_env()
    return run([str(PYTHON), "tools/fuzz.py", *args])


def bench(args: list[str]) -> int:
    ensure_env("test,bench")
    return run([str(PYTHON), "tools/bench", *args])


def main() -> int:
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "examples":
        return examples()
    if command == "test":
        return test()
    if command == "bench":
        return bench(args)
    if command == "fuzz":
        return fuzz(args)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
