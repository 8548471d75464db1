"""Which of PyTensor's names scanc provides, and a clear error for the others.

Each scanc module that stands for a PyTensor module (`scanc.tensor` for
`pytensor.tensor`, ...) ends with `__getattr__ = compat.missing_names(__name__)`.
A PyTensor name the module does not provide then gives a stand-in, so that a
ported program imports and fails at its first use of what is missing, with a
`NotImplementedError` naming it: a function raises when called, a class when
instantiated (`isinstance` against it is False), a constant when read. A name
PyTensor does not have raises `AttributeError` as usual.

`table()` is the table of docs/guide.md: every name of `pytensor_names.NAMES`
(PyTensor's public functions, classes and constants of those modules), provided
or not.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types

from scanc.pytensor_names import NAMES, PYTENSOR_VERSION


class MissingConstant(NotImplementedError, AttributeError):
    """A PyTensor constant scanc does not provide (also an AttributeError, so
    `hasattr` answers False)."""


def make_callable(module_name: str, function) -> None:
    """Let the module `module_name` be called as `function`: PyTensor binds a
    function over some of its modules' names (`pytensor.scan`,
    `pytensor.tensor.shape`), and code uses both the module and the function."""

    class CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = CallableModule


def scanc_module(pytensor_module: str) -> str:
    return "scanc" + pytensor_module[len("pytensor") :]


def pytensor_module(scanc_module: str) -> str:
    return "pytensor" + scanc_module[len("scanc") :]


def missing_names(module_name: str):
    """The module `__getattr__` of `module_name` (see the module docstring)."""
    names = NAMES[pytensor_module(module_name)]

    def __getattr__(name: str):
        kind = names.get(name)
        if kind is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        return stand_in(module_name, name, kind)

    return __getattr__


@functools.cache
def stand_in(module_name: str, name: str, kind: str):
    message = (
        f"{pytensor_module(module_name)}.{name} is not provided by scanc "
        f"({module_name}.{name}); docs/guide.md lists the PyTensor names scanc has"
    )
    if kind == "value":
        raise MissingConstant(message)

    def refuse(*args, **kwargs):
        raise NotImplementedError(message)

    if kind == "class":
        return type(
            name,
            (),
            {"__new__": refuse, "__doc__": message, "__module__": module_name},
        )
    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = message
    refuse.__module__ = module_name
    return refuse


def provided(pytensor_module_name: str) -> tuple[list[str], list[str]]:
    """The names of a PyTensor module that scanc's module has, and those it has not."""
    module = importlib.import_module(scanc_module(pytensor_module_name))
    names = sorted(NAMES[pytensor_module_name], key=str.lower)
    has = vars(module)
    return [n for n in names if n in has], [n for n in names if n not in has]


def table() -> str:
    """The markdown table of docs/guide.md."""
    rows = [
        f"PyTensor {PYTENSOR_VERSION}'s public names (functions, classes, constants; "
        "not submodules), by module.",
        "",
        "| PyTensor module | scanc module | provided | not provided (NotImplementedError) |",
        "|---|---|---|---|",
    ]
    for name in NAMES:
        has, lacks = provided(name)
        rows.append(
            f"| `{name}` | `{scanc_module(name)}` | {len(has)}: {_names(has)} "
            f"| {len(lacks)}: {_names(lacks)} |"
        )
    return "\n".join(rows) + "\n"


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"
