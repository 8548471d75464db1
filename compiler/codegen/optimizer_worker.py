"""The LLVM optimizer as a process of its own (see `scanc.codegen.optimizer`).

Run as a script, not imported: it needs llvmlite only. It reads requests from
stdin and writes answers to stdout, each a 4-byte little-endian length and a
UTF-8 JSON object. A request is {"ir", "triple", "cpu", "features"}; the answer
is {"ir": optimized IR} or {"error": text}.
"""

import json
import struct
import sys
from functools import cache

import llvmlite.binding as llvm

_HEADER = struct.Struct("<I")


def read_message(stream) -> dict | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return json.loads(stream.read(size))


def write_message(stream, message: dict) -> None:
    data = json.dumps(message).encode()
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


@cache
def _machine(triple: str, cpu: str, features: str) -> llvm.TargetMachine:
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return llvm.Target.from_triple(triple).create_target_machine(
        cpu=cpu, features=features, opt=3, reloc="default", codemodel="jitdefault"
    )


def optimize(request: dict) -> str:
    """O2 with the loop and SLP vectorizers and unrolling, for the machine named."""
    machine = _machine(request["triple"], request["cpu"], request["features"])
    module = llvm.parse_assembly(request["ir"])
    module.verify()
    options = llvm.create_pipeline_tuning_options(speed_level=2)
    options.loop_vectorization = True
    options.slp_vectorization = True
    options.loop_unrolling = True
    passes = llvm.create_pass_builder(machine, options)
    passes.getModulePassManager().run(module, passes)
    return str(module)


def main() -> None:
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (request := read_message(requests)) is not None:
        try:
            answer = {"ir": optimize(request)}
        except Exception as error:  # noqa: BLE001 - reported to the client
            answer = {"error": f"{type(error).__name__}: {error}"}
        write_message(answers, answer)


if __name__ == "__main__":
    main()
