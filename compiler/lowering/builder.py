"""A small builder for the `loops` stage: scalar arithmetic, loops, checks.

Every method appends upstream ops (`arith`, `math`, `scf`, `memref`, `cf`) at the
current insertion block and returns the SSA value they define.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager

from scanc import dtypes
from scanc.dialects import buffer
from xdsl.dialects import arith, cf, math, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    Signedness,
    StridedLayoutAttr,
    UnitAttr,
    f64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue

index = IndexType()

#: the attribute of an `scf.for` whose iterations are independent
PARALLEL = "scanc.parallel"


def element_type(dtype: str) -> Attribute:
    """The `loops`-stage type of `dtype`'s elements. Integers are signless, as
    `arith` wants them (uint8 is i8): each op picks its unsigned form from the
    dtype that the lowered value carries."""
    return signless(dtypes.element_type(dtype))


def signless(type_: Attribute) -> Attribute:
    if isinstance(type_, IntegerType) and type_.signedness.data != Signedness.SIGNLESS:
        return IntegerType(type_.width.data)
    return type_


class Builder:
    def __init__(self, block: Block, live_buffers: Callable[[], list[SSAValue]] = list):
        self.block = block
        #: the blocks being filled, outermost first (the current one is last)
        self.open_blocks: list[Block] = [block]
        #: the buffers allocated so far and not freed yet, which a failing check
        #: frees before it stops the call
        self.live_buffers = live_buffers

    def add(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0] if op.results else None  # type: ignore[return-value]

    @contextmanager
    def at(self, block: Block):
        saved, self.block = self.block, block
        self.open_blocks.append(block)
        try:
            yield
        finally:
            self.open_blocks.pop()
            self.block = saved

    # -- constants ------------------------------------------------------------------
    def const(self, value: float | int, type_: Attribute = index) -> SSAValue:
        if isinstance(type_, AnyFloat):
            return self.add(arith.ConstantOp(FloatAttr(float(value), type_)))
        if isinstance(type_, IntegerType) and type_.width.data == 1:
            value = -1 if value else 0  # i1 attributes are signed
        return self.add(arith.ConstantOp(IntegerAttr(int(value), type_)))

    # -- index arithmetic --------------------------------------------------------------
    def addi(self, a, b):
        return self.add(arith.AddiOp(a, b))

    def subi(self, a, b):
        return self.add(arith.SubiOp(a, b))

    def muli(self, a, b):
        return self.add(arith.MuliOp(a, b))

    def cmpi(self, pred: str, a, b):
        return self.add(arith.CmpiOp(a, b, pred))

    def select(self, c, a, b):
        return self.add(arith.SelectOp(c, a, b))

    def mini(self, a, b):
        return self.add(arith.MinSIOp(a, b))

    def maxi(self, a, b):
        return self.add(arith.MaxSIOp(a, b))

    def checked_product(self, sizes: Sequence[SSAValue], message: str) -> SSAValue:
        """The product of the non-negative index values `sizes`, after a check
        (failing with `message`) that it does not overflow a signed 64-bit size."""
        total = self.const(1)
        for size in sizes:
            product = arith.MulSIExtendedOp(total, size)
            self.add(product)
            high, total = product.high, product.low
            fits = self.add(
                arith.AndIOp(
                    self.cmpi("eq", high, self.const(0)),
                    self.cmpi("sge", total, self.const(0)),
                )
            )
            self.check(fits, message)
        return total

    def range_length(self, first, last, step, neg) -> SSAValue:
        """ceil(|last - first| / |step|) when `step` runs from `first` towards
        `last`, else 0, in unsigned arithmetic that no 64-bit bounds overflow
        (|-2**63| is 2**63 unsigned). Negative, as a signed number, from 2**63."""
        zero, one = self.const(0, first.type), self.const(1, first.type)
        towards = self.select(
            neg, self.cmpi("sgt", first, last), self.cmpi("sgt", last, first)
        )
        distance = self.select(neg, self.subi(first, last), self.subi(last, first))
        magnitude = self.select(neg, self.subi(zero, step), step)
        safe = self.select(towards, self.subi(distance, one), zero)
        length = self.addi(self.add(arith.DivUIOp(safe, magnitude)), one)
        return self.select(towards, length, zero)

    def to_index(self, v: SSAValue) -> SSAValue:
        if isinstance(v.type, IndexType):
            return v
        return self.add(arith.IndexCastOp(v, index))

    def from_index(self, v: SSAValue, type_: Attribute) -> SSAValue:
        return self.add(arith.IndexCastOp(v, type_))

    def all_of(self, conditions: Sequence[SSAValue]) -> SSAValue:
        """The i1 `and` of one or more `conditions`."""
        result = conditions[0]
        for condition in conditions[1:]:
            result = self.add(arith.AndIOp(result, condition))
        return result

    def check(self, cond: SSAValue, message: str) -> None:
        """Stop the call with `message` ("ExceptionClass: text") unless `cond`,
        after freeing the live buffers defined where this check can see them,
        so a call that fails leaks nothing."""
        live = [ref for ref in self.live_buffers() if self._visible(ref)]
        if live:
            failed = self.add(arith.XOrIOp(cond, self.const(1, IntegerType(1))))

            def free_all() -> None:
                self.add(buffer.FreeOnErrorOp(live))

            self.if_(failed, free_all)
        self.add(cf.AssertOp(cond, message))

    def _visible(self, value: SSAValue) -> bool:
        """Whether `value` is defined before the insertion point: in the current
        block or one enclosing it (ops are appended, so an enclosing block's op
        that holds the current one comes after everything defined there now). A
        loop's preheader is open inside its body, but only blocks up to the
        current one's first appearance enclose it."""
        block = defining_block(value)
        for open_block in self.open_blocks:
            if open_block is block:
                return True
            if open_block is self.block:
                return False
        return False

    def known_sizes(
        self, sizes: Sequence[SSAValue], shape: Sequence[int], what: str
    ) -> list[SSAValue]:
        """`sizes` with a constant for each static size of `shape`, after a run-time
        check that the array has it (a constant that already agrees needs none)."""
        known = []
        for axis, (size, static) in enumerate(zip(sizes, shape)):
            if static == DYNAMIC_INDEX or constant_index(size) == static:
                known.append(size)
                continue
            constant = self.const(static)
            self.check(
                self.cmpi("eq", size, constant),
                f"ValueError: {what} must have size {static} on axis {axis}",
            )
            known.append(constant)
        return known

    # -- memory -------------------------------------------------------------------------
    def alloc(self, element: Attribute, sizes: Sequence[SSAValue]) -> SSAValue:
        type_ = MemRefType(element, [DYNAMIC_INDEX] * len(sizes))
        return self.add(memref.AllocOp(list(sizes), [], type_))

    def load(self, ref: SSAValue, idx: Sequence[SSAValue]) -> SSAValue:
        return self.add(memref.LoadOp.get(ref, list(idx)))

    def store(self, value: SSAValue, ref: SSAValue, idx: Sequence[SSAValue]) -> None:
        self.add(memref.StoreOp.get(value, ref, list(idx)))

    # -- control flow ----------------------------------------------------------------------
    def for_(
        self,
        lb: SSAValue,
        ub: SSAValue,
        body: Callable[[SSAValue, list[SSAValue]], Sequence[SSAValue] | None],
        iter_args: Sequence[SSAValue] = (),
        step: SSAValue | None = None,
        parallel: bool = False,
    ) -> list[SSAValue]:
        """`scf.for`; `body(iv, carried)` returns the next carried values.
        `parallel`: no iteration reads what another writes, nor writes where
        another does (marked `PARALLEL`: the `gpu` stage shares such loops
        among threads)."""
        step = step if step is not None else self.const(1)
        block = Block(arg_types=[index, *[v.type for v in iter_args]])
        with self.at(block):
            carried = body(block.args[0], list(block.args[1:])) or []
            self.add(scf.YieldOp(*carried))
        op = scf.ForOp(lb, ub, step, list(iter_args), Region(block))
        if parallel:
            op.attributes[PARALLEL] = UnitAttr()
        self.block.add_op(op)
        return list(op.results)

    def repeat(
        self,
        init: Sequence[SSAValue],
        body: Callable[[list[SSAValue]], tuple[SSAValue, Sequence[SSAValue]]],
    ) -> list[SSAValue]:
        """A do-while loop (`scf.while` with an empty after-region): `body(carried)`
        returns (again, next carried); the carried values of the last run."""
        types = [v.type for v in init]
        before = Block(arg_types=types)
        with self.at(before):
            again, carried = body(list(before.args))
            self.add(scf.ConditionOp(again, *carried))
        after = Block(arg_types=types)
        with self.at(after):
            self.add(scf.YieldOp(*after.args))
        op = scf.WhileOp(list(init), types, Region(before), Region(after))
        self.block.add_op(op)
        return list(op.results)

    def loop_nest(
        self,
        sizes: Sequence[SSAValue],
        body: Callable[[list[SSAValue]], None],
        parallel: bool = False,
    ) -> None:
        """Nested `scf.for` over every index of `sizes`, innermost last
        (`parallel`: as `for_`'s, for every index of the nest)."""

        def level(depth: int, idx: list[SSAValue]) -> None:
            if depth == len(sizes):
                body(idx)
                return
            self.for_(
                self.const(0),
                sizes[depth],
                lambda iv, _: level(depth + 1, idx + [iv]),
                parallel=parallel,
            )

        level(0, [])

    def fold_nest(
        self,
        sizes: Sequence[SSAValue],
        step: Callable[[list[SSAValue], SSAValue], SSAValue],
        init: SSAValue,
    ) -> SSAValue:
        """`acc = step(idx, acc)` over every index of `sizes` in row-major order."""

        def level(depth: int, idx: list[SSAValue], acc: SSAValue) -> SSAValue:
            if depth == len(sizes):
                return step(idx, acc)
            return self.for_(
                self.const(0),
                sizes[depth],
                lambda iv, c: [level(depth + 1, idx + [iv], c[0])],
                [acc],
            )[0]

        return level(0, [], init)

    def if_(
        self,
        cond: SSAValue,
        then: Callable[[], Sequence[SSAValue] | None],
        otherwise: Callable[[], Sequence[SSAValue] | None] | None = None,
        result_types: Sequence[Attribute] = (),
    ) -> list[SSAValue]:
        regions = []
        for branch in (then, otherwise):
            block = Block()
            with self.at(block):
                values = (branch() if branch else None) or []
                self.add(scf.YieldOp(*values))
            regions.append(Region(block))
        op = scf.IfOp(cond, list(result_types), regions[0], regions[1])
        self.block.add_op(op)
        return list(op.results)


class Floats:
    """Float arithmetic on a builder, spelled briefly (`type_`: f64 or f32)."""

    def __init__(self, b: Builder, type_: Attribute = f64):
        self.b, self.type = b, type_

    def c(self, x: float) -> SSAValue:
        return self.b.const(float(x), self.type)

    def add(self, x, y):
        return self.b.add(arith.AddfOp(x, y))

    def sub(self, x, y):
        return self.b.add(arith.SubfOp(x, y))

    def mul(self, x, y):
        return self.b.add(arith.MulfOp(x, y))

    def div(self, x, y):
        return self.b.add(arith.DivfOp(x, y))

    def log(self, x):
        return self.b.add(math.LogOp(x))

    def exp(self, x):
        return self.b.add(math.ExpOp(x))

    def sqrt(self, x):
        return self.b.add(math.SqrtOp(x))

    def abs(self, x):
        return self.b.add(math.AbsFOp(x))

    def floor(self, x):
        return self.b.add(math.FloorOp(x))

    def lt(self, x, y):
        return self.b.add(arith.CmpfOp(x, y, "olt"))

    def le(self, x, y):
        return self.b.add(arith.CmpfOp(x, y, "ole"))

    def ge(self, x, y):
        return self.b.add(arith.CmpfOp(x, y, "oge"))

    def and_(self, x, y):
        return self.b.add(arith.AndIOp(x, y))

    def or_(self, x, y):
        return self.b.add(arith.OrIOp(x, y))

    def not_(self, x):
        return self.b.add(arith.XOrIOp(x, self.b.const(1, IntegerType(1))))


def defining_block(value: SSAValue) -> Block | None:
    """The block whose argument or op defines `value`."""
    if isinstance(value, BlockArgument):
        return value.block
    return value.owner.parent_block()  # type: ignore[union-attr]


def strided_type(element, rank: int) -> MemRefType:
    """The type of every view: dynamic sizes, strides and offset."""
    return MemRefType(
        element, [DYNAMIC_INDEX] * rank, StridedLayoutAttr([None] * rank, None)
    )


def subview(b, ref, offsets, sizes, strides, rank: int) -> SSAValue:
    result_type = strided_type(ref.type.element_type, rank)
    return b.add(memref.SubviewOp.get(ref, offsets, sizes, strides, result_type))


def constant_index(value: SSAValue) -> int | None:
    """The integer `value` is a constant of, or None."""
    op = value.owner
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        return op.value.value.data
    return None
