"""Code generation targets: the host CPU (JIT) and, later, NVPTX."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import llvmlite.binding as llvm


@cache
def _init_native() -> None:
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()


@dataclass(frozen=True)
class Target:
    """What the emitter and the optimizer need to know about a machine."""

    name: str
    triple: str
    cpu: str = ""
    features: str = ""

    @cache
    def machine(self) -> llvm.TargetMachine:
        _init_native()
        target = llvm.Target.from_triple(self.triple)
        return target.create_target_machine(
            cpu=self.cpu,
            features=self.features,
            opt=3,
            reloc="default",
            codemodel="jitdefault",
        )

    @property
    def data_layout(self) -> str:
        return str(self.machine().target_data)


@cache
def host() -> Target:
    _init_native()
    return Target(
        "cpu",
        llvm.get_process_triple(),
        llvm.get_host_cpu_name(),
        llvm.get_host_cpu_features().flatten(),
    )
