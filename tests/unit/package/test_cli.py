"""The `scanc` command refuses bad input with one line naming what was wrong
(and status 1), never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

SCANC = Path(sys.executable).with_name("scanc")

BAD_INPUT = {
    "unknown op": (
        "func.func @f() {\n  %x = st.bogus\n}\n",
        [],
        "st.bogus is not registered",
    ),
    "type mismatch": (
        "func.func @f(%x: tensor<?xf64>) -> tensor<?xf64> {\n"
        '  %y = st.elementwise "mul"(%x, %x) : (tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64>\n'
        "  func.return %y : tensor<?xf64>\n}\n",
        ["--emit=loops"],
        "operand is used with type",
    ),
    "kernel op verifier": (
        "func.func @f(%x: memref<?x?xf64>, %w: memref<?x?xf64>, %o: memref<?xf64>, %r: index) {\n"
        "  kernel.vecmat %x, %w -> %o reverse %r : memref<?x?xf64>, memref<?x?xf64> -> memref<?xf64>\n"
        "  func.return\n}\n",
        [],
        "'x' must have rank 1, not 2",
    ),
    "unknown pass": (
        "func.func @f() {\n  func.return\n}\n",
        ["-p", "no-such-pass"],
        "Unrecognized passes: ['no-such-pass']",
    ),
    "ptx for a CPU": (
        "func.func @f() {\n  func.return\n}\n",
        ["--emit=ptx"],
        "--emit=ptx needs a GPU target (--target=cuda)",
    ),
    "unknown target": (
        "func.func @f() {\n  func.return\n}\n",
        ["--target=tpu", "--emit=loops"],
        "unknown target 'tpu': one of cpu, cuda, cuda:ARCH, gpu-sim",
    ),
    "old architecture": (
        "func.func @f() {\n  func.return\n}\n",
        ["--target=cuda:sm_70", "--emit=ptx"],
        "unknown CUDA architecture 'sm_70': sm_75 or newer",
    ),
    "bad pass option": (
        "func.func @f() {\n  func.return\n}\n",
        ["-p", 'specialize-shapes{shapes="x"}'],
        "specialize-shapes: bad shape 'x'",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_one_clear_error(tmp_path, case):
    text, args, message = BAD_INPUT[case]
    source = tmp_path / "bad.mlir"
    source.write_text(text)
    done = subprocess.run(
        [str(SCANC), str(source), *args], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("scanc: error: ")
    assert message in done.stderr


def test_ptx_of_an_ir_file(tmp_path):
    source = tmp_path / "double.mlir"
    source.write_text(
        "func.func @double(%x: tensor<?xf64>) -> tensor<?xf64> {\n"
        '  %y = st.elementwise "add"(%x, %x) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>\n'
        "  func.return %y : tensor<?xf64>\n}\n"
    )
    done = subprocess.run(
        [str(SCANC), str(source), "--target=cuda:sm_90", "--emit=ptx"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert ".target sm_90" in done.stdout and ".visible .entry double(" in done.stdout


def test_dump_refuses_an_unknown_target(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("print('ran')\n")
    done = subprocess.run(
        [str(SCANC), "dump", str(program), "--target=tpu"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "ran" not in done.stdout
    assert done.stderr.startswith("scanc: error: unknown target 'tpu'")
