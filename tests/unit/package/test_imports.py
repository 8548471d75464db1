"""The package's import graph: every module imports on its own in a fresh
interpreter, and no two modules import each other at module level (imports
under `if TYPE_CHECKING:` are for annotations only and do not count)."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

#: import package -> folder, as `pyproject.toml` maps them
FOLDERS = {
    "scanc": "compiler",
    "scanc.dialects": "dialects",
    "scanc.runtime": "runtime",
}


def modules() -> dict[str, Path]:
    """Every module of the package, by its dotted name."""
    found = {}
    for package, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def module_level_imports(name: str, path: Path, known) -> set[str]:
    """The package's modules that `name` imports when it is imported."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported: set[str] = set()

    def visit(body) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, (ast.If, ast.Try)):
                for block in (
                    node.body,
                    node.orelse,
                    *(h.body for h in getattr(node, "handlers", [])),
                ):
                    visit(block)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[
                        : len(package.split(".")) - node.level + 1
                    ]
                    base = ".".join([*parent, *([base] if base else [])])
                submodules = [f"{base}.{a.name}" for a in node.names]
                imported.update(m for m in submodules if m in known)
                if not all(m in known for m in submodules):
                    imported.add(base)

    visit(tree.body)
    return {m for m in imported if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_module_level_import_cycle():
    known = modules()
    graph = {m: module_level_imports(m, p, known) for m, p in known.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def _import_alone(module: str) -> tuple[str, int, str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    return module, done.returncode, done.stderr[-2000:]


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    names = [m for m in modules() if not m.endswith("__main__")]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failed = [r for r in pool.map(_import_alone, names) if r[1] != 0]
    assert failed == []
