"""The `specialize-shapes` pass: sizes known for one call become constants.

Expects: graph-stage `func.func`s (run it first, before `grad`). The option
`shapes` gives, per function argument and comma-separated, the sizes to assume:
`2x?` for a matrix with two rows, `*` (or nothing) for an argument left as is;
a rank-0 argument takes `*`. A size 1 leaves an unknown size unknown: static
size-1 axes broadcast and unknown ones do not, so making it static would let
a variant accept calls that the function itself rejects. Each argument with a
known size is cast to the refined type once, at the top of the function, and
every use reads the cast (but a `func.return` of the argument itself, so the
result types stay the generic function's):

    func.func @f(%X: tensor<?x?xf64>, %n: tensor<i32>) {            shapes="2x?,*"
      ... %X ...
  becomes
    func.func @f(%X: tensor<?x?xf64>, %n: tensor<i32>) {
      %X_1 = st.cast %X : tensor<?x?xf64> to tensor<2x?xf64>
      ... %X_1 ...

`lower-to-loops` turns such a cast into constant sizes plus one run-time check
that the array has them (a mismatch raises ValueError; nothing is read out of
bounds), so LLVM sees loops with constant trip counts and unrolls and
vectorizes them. `scanc.function` runs this pass when it compiles a variant for
the small sizes of the arrays it is called with (see docs/guide.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanc.dialects import st
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DYNAMIC_INDEX, ModuleOp, TensorType
from xdsl.ir import Block
from xdsl.passes import ModulePass

Shape = tuple[int | None, ...] | None


def parse_shapes(text: str) -> list[Shape]:
    """`"2x?,*,"` -> `[(2, None), None, None]`."""
    return [_parse_shape(part.strip()) for part in text.split(",")]


def _parse_shape(part: str) -> Shape:
    if part in ("", "*"):
        return None
    try:
        return tuple(None if d == "?" else int(d) for d in part.split("x"))
    except ValueError:
        raise ValueError(f"specialize-shapes: bad shape {part!r}") from None


def format_shapes(shapes: list[Shape]) -> str:
    """The inverse of `parse_shapes`."""
    return ",".join(
        "*" if s is None else "x".join("?" if d is None else str(d) for d in s)
        for s in shapes
    )


def _refined(type_: TensorType, shape: tuple[int | None, ...], n: int) -> TensorType:
    old = type_.get_shape()
    if len(shape) != len(old):
        raise ValueError(
            f"specialize-shapes: argument {n} has rank {len(old)}, got shape {shape}"
        )
    dims = []
    for axis, (have, want) in enumerate(zip(old, shape)):
        if want is not None and have not in (DYNAMIC_INDEX, want):
            raise ValueError(
                f"specialize-shapes: argument {n} has size {have} on axis {axis}, "
                f"not {want}"
            )
        # a static size 1 broadcasts where a dynamic one must match: kept dynamic,
        # a variant accepts exactly the calls the generic function accepts
        keep = want is None or (want == 1 and have == DYNAMIC_INDEX)
        dims.append(have if keep else want)
    return TensorType(type_.element_type, dims)


def specialize(block: Block, shapes: list[Shape]) -> None:
    if len(shapes) != len(block.args):
        raise ValueError(
            f"specialize-shapes: {len(shapes)} shapes for {len(block.args)} arguments"
        )
    first = block.first_op
    assert first is not None  # a function body ends with its return
    for n, (arg, shape) in enumerate(zip(block.args, shapes)):
        if shape is None or not arg.uses:
            continue
        assert isinstance(arg.type, TensorType)
        refined = _refined(arg.type, shape, n)
        if refined == arg.type:
            continue
        cast = st.CastOp(arg, refined)
        block.insert_op_before(cast, first)
        cast.result.name_hint = arg.name_hint
        # the function still returns the argument itself where it returns it:
        # its result types stay those of the generic function
        arg.replace_uses_with_if(
            cast.result,
            lambda use: (
                use.operation is not cast
                and not isinstance(use.operation, func.ReturnOp)
            ),
        )


@dataclass(frozen=True)
class SpecializeShapesPass(ModulePass):
    name = "specialize-shapes"

    shapes: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        shapes = parse_shapes(self.shapes)
        for fn in op.ops:
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                specialize(fn.body.block, shapes)
