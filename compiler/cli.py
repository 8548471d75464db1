"""The `scanc` command line.

    scanc FILE.mlir -p canonicalize,trim-memory    run passes (an xDSLOptMain)
    scanc FILE.mlir --emit=loops                   lower graph-stage IR to a stage
    scanc FILE.mlir --target=cuda --emit=ptx       ... for a target (cpu, cuda,
                                                   cuda:sm_90, gpu-sim); `ptx`
                                                   is a GPU's `asm`
    scanc dump PROG.py --emit=llvm [ARGS...]       run a Python program and print
                                                   every function it compiles, at
                                                   that stage
    scanc cache info | clear                       the compile cache: where, how
                                                   many entries, how large; empty it

Stages come from `scanc.pipeline.STAGES` (and `ptx`). Input the compiler refuses (IR that
does not parse or verify, a pass that cannot apply, a graph it cannot lower)
prints `scanc: error: ...` and exits with status 1.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from collections.abc import Sequence

from scanc import pipeline
from scanc.codegen.target import Target, default_target, named
from scanc.lowering.to_loops import LowerToLoopsPass
from scanc.passes import PASSES
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import (
    DiagnosticException,
    ParseError,
    PassFailedException,
    VerifyException,
)
from xdsl.xdsl_opt_main import xDSLOptMain


class ScancOptMain(xDSLOptMain):
    """xdsl-opt with scanc's dialects and passes, plus `--emit=STAGE`."""

    def __init__(self, args: Sequence[str] | None = None):
        self.compiled: pipeline.Compiled | None = None
        super().__init__(description="scanc: the scan compiler's IR driver", args=args)

    def register_all_dialects(self) -> None:
        for dialect in pipeline.DIALECTS:
            self.ctx.load_dialect(dialect)

    def register_all_passes(self) -> None:
        for name, pass_ in PASSES.items():
            self.register_pass(name, lambda p=pass_: p)
        self.register_pass(LowerToLoopsPass.name, lambda: LowerToLoopsPass)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--emit",
            choices=EMIT_CHOICES,
            default=None,
            help="lower the (graph-stage) input through the pipeline to this stage",
        )
        # `--target` names the machine here, not xdsl-opt's output format
        # (which stays MLIR text)
        for group in [arg_parser, *arg_parser._action_groups]:
            group.conflict_handler = "resolve"
        _add_target_argument(arg_parser)
        arg_parser.set_defaults(target="mlir")

    def apply_passes(self, prog: ModuleOp) -> None:
        super().apply_passes(prog)
        target = _target(self.args.machine)
        emit = _stage(self.args.emit, target)
        if emit and emit != "graph":
            self.compiled = pipeline.lower(prog, emit, target=target)

    def output_resulting_program(self, prog: ModuleOp) -> str:
        if self.args.emit == "llvm" and self.compiled:
            return str(self.compiled.optimized)
        if self.args.emit in ("asm", "ptx") and self.compiled:
            return self.compiled.assembly()
        return super().output_resulting_program(prog)


#: `--emit` values: the stages, and `ptx` (a GPU target's `asm`)
EMIT_CHOICES = (*pipeline.STAGES, "ptx")


def _add_target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        dest="machine",
        default=None,
        help="the machine to compile for: cpu (the default), cuda, cuda:sm_90, gpu-sim",
    )


def _target(name: str | None) -> Target | None:
    """The target `--target` names (ValueError for an unknown name)."""
    return None if name is None else named(name)


def _stage(emit: str | None, target: Target | None) -> str | None:
    """The stage `--emit` names; `ptx` is the `asm` of a GPU target."""
    if emit != "ptx":
        return emit
    if target is None or not target.is_gpu:
        raise ValueError("--emit=ptx needs a GPU target (--target=cuda)")
    return "asm"


def dump(argv: Sequence[str]) -> None:
    """`scanc dump PROG.py --emit=STAGE [ARGS...]`."""
    parser = argparse.ArgumentParser(prog="scanc dump")
    parser.add_argument("program")
    parser.add_argument("--emit", choices=EMIT_CHOICES, default="graph")
    _add_target_argument(parser)
    args, rest = parser.parse_known_args(argv)
    try:
        target = _target(args.machine)
        stage = _stage(args.emit, target)
    except ValueError as error:
        print(f"scanc: error: {error}", file=sys.stderr)
        sys.exit(1)
    from scanc.frontend import function

    def show(name: str, shown: str, text: str) -> None:
        if shown == stage:
            print(f"// ----- {args.emit} of function @{name}")
            print(text.rstrip("\n"))

    function.dump_hooks.append(show)
    sys.argv = [args.program, *rest]
    if target is None:
        runpy.run_path(args.program, run_name="__main__")
        return
    with default_target(target):
        runpy.run_path(args.program, run_name="__main__")


#: what bad input raises: the message says what was wrong, a traceback would not
REFUSED = (
    ParseError,
    VerifyException,
    DiagnosticException,
    PassFailedException,
    NotImplementedError,
    ValueError,  # unknown passes, bad pass options
)


def cache_command(argv: Sequence[str]) -> None:
    """`scanc cache info` or `scanc cache clear` (`scanc.runtime.cache`)."""
    parser = argparse.ArgumentParser(prog="scanc cache")
    parser.add_argument("action", choices=["info", "clear"])
    args = parser.parse_args(argv)
    from scanc.runtime import cache

    if args.action == "clear":
        print(f"removed {cache.clear()} entries from {cache.directory()}")
        return
    info = cache.info()
    state = "on" if info["enabled"] else "off (SCANC_CACHE=0)"
    print(f"directory: {info['directory']}")
    print(f"cache:     {state}")
    print(f"entries:   {info['entries']}")
    print(
        f"size:      {info['bytes'] / 2**20:.1f} MiB of {info['max_bytes'] >> 20} MiB"
    )


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "dump":
        dump(argv[1:])
        return
    if argv and argv[0] == "cache":
        cache_command(argv[1:])
        return
    try:
        ScancOptMain(args=argv).run()
    except REFUSED as error:
        print(f"scanc: error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
