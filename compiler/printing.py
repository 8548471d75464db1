"""PyTensor's `pytensor.printing`: `pprint` writes a graph as a formula,
`debugprint` as an indented tree of its ops, with the step graphs of its scans.

    >>> pprint(x * 2 + y)
    'x * 2 + y'
    >>> debugprint(x * 2 + y)
    Add [id A]
     ├─ Mul [id B]
     │  ├─ x [id C]
     │  └─ ExpandDims [id D]
     │     └─ 2 [id E]
     └─ y [id F]

They read the graph as built (before the compiler's passes); a compiled
`Function` is printed as the graphs of its outputs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import numpy as np

from scanc import dtypes
from scanc.dialects import scan, st
from scanc.graph import Apply, TensorVariable
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr
from xdsl.ir import Operation, SSAValue

#: infix operators of `st.elementwise` functions, with their precedence
INFIX = {
    **dict.fromkeys(("lt", "le", "gt", "ge", "eq", "neq"), (None, 1)),
    "or": ("|", 2),
    "xor": ("^", 3),
    "and": ("&", 4),
    "add": ("+", 5),
    "sub": ("-", 5),
    "mul": ("*", 6),
    "true_div": ("/", 6),
    "int_div": ("//", 6),
    "mod": ("%", 6),
    "pow": ("**", 8),
}
COMPARISONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "neq": "!="}
PREFIX = {"neg": ("-", 7), "invert": ("~", 7)}
ATOM = 9


def pprint(*graph_like) -> str:
    """Each variable as a formula (one per line); PyTensor's `pprint`/`pp`."""
    return "\n".join(_formula(v.value)[0] for v in _variables(graph_like))


pp = pprint


def _formula(value: SSAValue) -> tuple[str, int]:
    """The text of `value` and the precedence of its outermost operator."""
    named = _given_name(value)
    if named:
        return named, ATOM
    op = value.owner
    if not isinstance(op, Operation) or isinstance(op, st.PlaceholderOp):
        return _input_label(value), ATOM
    if isinstance(op, ConstantOp):
        return _constant_text(op, value), ATOM
    if isinstance(op, st.ExpandDimsOp):  # broadcasting, which the formula implies
        return _formula(op.input)
    args = [_formula(v) for v in op.operands]
    if isinstance(op, st.ElementwiseOp):
        fn = op.fn.data
        if fn in INFIX:
            symbol, level = INFIX[fn]
            symbol = symbol or COMPARISONS[fn]
            chained = fn in COMPARISONS  # a < b < c would chain in Python
            left = _wrapped(args[0], level, fn == "pow" or chained)
            right = _wrapped(args[1], level, fn != "pow")
            return f"{left} {symbol} {right}", level
        if fn in PREFIX:
            symbol, level = PREFIX[fn]
            return symbol + _wrapped(args[0], level, True), level
    texts = ", ".join(text for text, _ in args)
    return f"{_op_label(op, value).lower()}({texts})", ATOM


def _wrapped(arg: tuple[str, int], level: int, strict: bool) -> str:
    text, inner = arg
    return f"({text})" if inner < level or (strict and inner == level) else text


def debugprint(
    graph_like,
    depth: int = -1,
    print_type: bool = False,
    file=None,
    ids: str = "CHAR",
    stop_on_name: bool = False,
    **_display_options,
):
    """The graph as an indented tree of ops, PyTensor's `debugprint`: each line
    is an op (or input, or constant) with its id, and its name in quotes when it
    has one; a node met again is printed once more without its inputs. The step
    graphs of scans follow under "Inner graphs:". `depth` limits the levels
    (-1: all), `print_type` adds each value's type, `ids` is "CHAR", "int",
    "id" or "" (none), `stop_on_name` stops at named variables. With
    `file="str"` the text is returned, else written to `file` (standard output
    by default) and `file` returned. PyTensor's other display options are
    accepted and change nothing."""
    printer = _TreePrinter(depth, print_type, ids, stop_on_name)
    for variable in _variables([graph_like]):
        printer.tree(variable.value, "", "", 0)
    printer.inner_graphs()
    text = "\n".join(printer.lines) + "\n"
    if file == "str":
        return text
    out = file or sys.stdout
    out.write(text)
    return out


class _TreePrinter:
    def __init__(self, depth: int, print_type: bool, ids: str, stop_on_name: bool):
        self.depth, self.print_type, self.stop_on_name = depth, print_type, stop_on_name
        if ids not in ("CHAR", "int", "id", ""):
            raise ValueError(
                f'debugprint: ids must be "CHAR", "int", "id" or "", got {ids!r}'
            )
        self.ids = ids
        self.lines: list[str] = []
        self.labels: dict[object, str] = {}
        self.expanded: set[object] = set()
        self.loops: list[scan.LoopOp] = []

    def tree(self, value: SSAValue, first: str, rest: str, level: int) -> None:
        op = value.owner if isinstance(value.owner, Operation) else None
        node = op if op is not None else value
        self.lines.append(first + self._line(value, op, node))
        inputs = list(op.operands) if op is not None else []
        stop = (self.stop_on_name and _given_name(value)) or isinstance(op, ConstantOp)
        if node in self.expanded or stop or level == self.depth - 1 or not inputs:
            return
        self.expanded.add(node)
        if isinstance(op, scan.LoopOp) and op not in self.loops:
            self.loops.append(op)
        for k, operand in enumerate(inputs):
            last = k == len(inputs) - 1
            self.tree(
                operand,
                rest + (" └─ " if last else " ├─ "),
                rest + ("   " if last else " │ "),
                level + 1,
            )

    def inner_graphs(self) -> None:
        done = 0
        while done < len(self.loops):
            loop = self.loops[done]
            done += 1
            if done == 1:
                self.lines += ["", "Inner graphs:"]
            self.lines.append("")
            self.lines.append(self._line(loop.results[0], loop, loop))
            for value in loop.yield_op().operands:
                self.tree(value, " ← ", "   ", 1)

    def _line(self, value: SSAValue, op: Operation | None, node) -> str:
        label = _node_label(value, op)
        ident = self._id(node)
        name = _given_name(value)
        text = label + (f" [id {ident}]" if ident else "")
        if name and name != label:
            text += f" '{name}'"
        if self.print_type:
            text += f" <{TensorVariable(value).type!r}>"
        return text

    def _id(self, node) -> str:
        if not self.ids:
            return ""
        if node not in self.labels:
            n = len(self.labels)
            self.labels[node] = (
                _letters(n)
                if self.ids == "CHAR"
                else str(n if self.ids == "int" else id(node))
            )
        return self.labels[node]


def _node_label(value: SSAValue, op: Operation | None) -> str:
    if op is None or isinstance(op, st.PlaceholderOp):
        return _given_name(value) or _input_label(value)
    if isinstance(op, ConstantOp):
        return _constant_text(op, value)
    label = _op_label(op, value)
    return f"{label}.{value.index}" if len(op.results) > 1 else label  # type: ignore[attr-defined]


def _op_label(op: Operation, value: SSAValue) -> str:
    if isinstance(op, st.ElementwiseOp):
        return op.fn.data.capitalize()
    if isinstance(op, st.ReduceOp):
        return f"{op.fn.data.capitalize()}{{axes={tuple(op.axes.get_values())}}}"
    if isinstance(op, st.CastOp):
        return f"Cast{{{dtypes.dtype_of(value.type)}}}"
    if isinstance(op, scan.LoopOp):
        return "Scan"
    kind = op.name.split(".", 1)[1]
    return "".join(part.capitalize() for part in kind.split("_"))


def _given_name(value: SSAValue) -> str:
    op = value.owner
    if isinstance(op, st.PlaceholderOp):
        return op.var_name.data
    return value.name_hint or ""


def _input_label(value: SSAValue) -> str:
    return f"<{TensorVariable(value).type!r}>"


def _constant_text(op: ConstantOp, value: SSAValue) -> str:
    if not isinstance(op.value, DenseIntOrFPElementsAttr):
        return "constant"
    array = np.asarray(op.value.get_values(), dtype=dtypes.dtype_of(value.type))
    if array.size == 1:
        return str(array.reshape(()).item())
    if array.size <= 8:
        return np.array2string(array, separator=", ")
    return f"<constant of {array.size} elements>"


def _letters(n: int) -> str:
    text = ""
    while True:
        text = chr(ord("A") + n % 26) + text
        n = n // 26
        if n == 0:
            return text


def _variables(graph_like: Iterable) -> list[TensorVariable]:
    found: list[TensorVariable] = []
    for item in graph_like:
        if isinstance(item, TensorVariable):
            found.append(item)
        elif isinstance(item, Apply):
            found += item.outputs
        elif isinstance(item, (list, tuple)):
            found += _variables(item)
        elif hasattr(item, "outputs") and hasattr(item, "inputs"):  # a Function
            found += _variables(item.outputs)
        else:
            raise TypeError(
                f"printing: expected variables or a compiled function, got {type(item).__name__}"
            )
    return found


# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
