"""Set up and run scanc from a fresh checkout, with nothing but Python installed.

    python3 tools/dev.py examples   # compile and run every program in examples/
    python3 tools/dev.py test       # the whole test suite: pytest, lit, the
                                    # end-to-end tests with specialized variants,
                                    # the scan and gradient tests on gpu-sim
                                    # with their PTX checked by ptxas, then 3
                                    # minutes of the differential fuzzer
    python3 tools/dev.py bench      # the benchmarks (installs the optional peers)
    python3 tools/dev.py fuzz --minutes N [--seed S]   # a longer fuzzer run
    python3 tools/dev.py gpu        # on a machine with an NVIDIA GPU: the
                                    # end-to-end scan and gradient tests and
                                    # the runtime's tests on the GPU, then the
                                    # GPU benchmarks (G1) against JAX and cuDNN
    python3 tools/dev.py gpu-wheels # download scanc's pins for Python 3.12
                                    # into .whl/, for a GPU machine offline

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


#: every end-to-end scan and gradient test: `test` runs them again on gpu-sim,
#: `gpu` on the GPU
GPU_E2E = [
    "tests/e2e/test_scan_semantics.py",
    "tests/e2e/test_guide_examples.py",
    "tests/e2e/test_scan_gradients.py",
    "tests/e2e/test_pytensor_scan_compat.py",
    "tests/e2e/test_scan_checkpoints.py",
    "tests/e2e/test_gradients.py",
]


def examples() -> int:
    ensure_env()
    status = 0
    for program in sorted((ROOT / "examples").glob("*.py")):
        print(f"=== {program.relative_to(ROOT)}", flush=True)
        status |= run([str(PYTHON), str(program)])
    return status


def ensure_cuda_tools() -> None:
    """CUDA's ptxas and libdevice, from NVIDIA's wheels where no CUDA install
    provides them (`scanc.codegen.ptx`'s search orders look there too)."""
    probe = (
        "from scanc.codegen import ptx; "
        "print(ptx.ptxas_path() is None, ptx.libdevice_path() is None)"
    )
    found = subprocess.run(
        [str(PYTHON), "-c", probe], capture_output=True, text=True, check=True
    )
    missing_ptxas, missing_libdevice = (w == "True" for w in found.stdout.split())
    wheels = ["nvidia-cuda-nvcc"] * missing_ptxas + ["nvidia-nvvm"] * missing_libdevice
    if wheels:
        print(f"installing {', '.join(wheels)} (ptxas, libdevice) ...", flush=True)
        subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--quiet", *wheels], check=True
        )


def test() -> int:
    ensure_env()
    ensure_cuda_tools()
    # one pytest worker per core (pytest-xdist): the tests are mostly compiling
    pytest = [str(PYTHON), "-m", "pytest", "-q", "--numprocesses=auto"]
    status = run([*pytest, "tests"])
    status |= run([str(BIN / "lit"), "-sv", "tests/lit"])
    print(
        "=== end-to-end tests again, every variant made at the first call", flush=True
    )
    eager = run([*pytest, "tests/e2e"], SCANC_SPECIALIZE="eager")
    print(
        "=== the scan and gradient tests on gpu-sim (the GPU's kernels on the "
        "host), each kernel's PTX through ptxas for sm_80 and sm_90",
        flush=True,
    )
    eager |= run([*pytest, *GPU_E2E], SCANC_TARGET="gpu-sim", SCANC_CHECK_PTX="1")
    print("=== the differential fuzzer, 3 minutes from a fixed seed", flush=True)
    fuzzed = run([str(PYTHON), "tools/fuzz.py", "--minutes", "3", "--seed", "0"])
    return status | eager | fuzzed


#: what `gpu-wheels` downloads: scanc's pins and test tools that a GPU image
#: with PyTorch, JAX and CuPy lacks (it has NumPy, pytest, pytest-xdist and
#: setuptools); 64.4 MB, llvmlite most of it
GPU_WHEELS = [
    "xdsl==0.74.0",
    "immutabledict",
    "ordered-set",
    "llvmlite==0.50.0",
    "lit>=18,<24",
    "filecheck==1.0.6",
]


def gpu_wheels() -> int:
    platforms = [
        f"--platform=manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34, 35)
    ]
    return run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--only-binary=:all:",
            "--python-version=3.12",
            "--implementation=cp",
            *platforms,
            "--platform=manylinux2014_x86_64",
            "--no-deps",
            "-d",
            ".whl",
            *GPU_WHEELS,
        ]
    )


def ensure_gpu_env() -> None:
    """`.venv/`, seeing the machine's packages (its JAX, PyTorch, CuPy), with
    scanc installed from `.whl/` when that folder exists (no network needed)."""
    wheels = ROOT / ".whl"
    if not wheels.is_dir():
        ensure_env()
        return
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True, system_site_packages=True).create(VENV)
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            f"--find-links={wheels}",
            "--no-build-isolation",
            "-e",
            f"{ROOT}[test]",
        ],
        check=True,
    )


def gpu() -> int:
    ensure_gpu_env()
    pytest = [str(PYTHON), "-m", "pytest", "-q", "--numprocesses=8"]
    print("=== the runtime and both GPU targets", flush=True)
    status = run(
        [
            *pytest,
            "tests/unit/runtime/test_cuda_launch.py",
            "tests/unit/codegen/test_gpu_targets.py",
        ]
    )
    print("=== the scan and gradient tests on the GPU", flush=True)
    status |= run([*pytest, *GPU_E2E], SCANC_TARGET="cuda")
    print("=== G1: the GPU benchmarks", flush=True)
    return status | run([str(PYTHON), "tools/bench/gpu.py"])


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
    if command == "gpu":
        return gpu()
    if command == "gpu-wheels":
        return gpu_wheels()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
