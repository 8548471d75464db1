"""The `threads` dialect: how the threads of one GPU block share a function's
work, as ops of the `gpu` stage (`scanc.lowering.to_gpu`), beside xDSL's
upstream `gpu` ops (`gpu.func`, `gpu.thread_id`, `gpu.block_dim`,
`gpu.barrier`).

Code outside these ops is *uniform*: every thread of the block runs it and
computes the same values (it only reads memory). Memory is written only inside
them:

    threads.each %n, %m thread %tid of %ntid {
    ^bb0(%i: index, %j: index):
      ...   // the iterations of the index space (%n, %m), row-major; thread
            // %tid runs the flat indices %tid, %tid + %ntid, ...
    }
    threads.single thread %tid {
      ...   // run by thread 0 alone
    }
    gpu.barrier              // before and after each of them
    threads.stop_if_failed   // after the barrier of a region holding checks:
                             // every thread leaves when one of them failed
    %m = threads.arena_mark  // the allocation arena's top ...
    threads.arena_release %m // ... set back (the end of a loop step whose
                             // buffers do not outlive it)
    threads.results %a, %b : memref<?xf64>, f64   // the function's results

A `cf.assert` inside `threads.each` or `threads.single` records its check and
leaves the region; `memref.alloc` takes the next piece of the block's arena
(every thread computes the same piece), so it never appears inside them.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IndexType, i64
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class EachOp(IRDLOperation):
    """Every index of `sizes`, shared among the block's threads."""

    name = "threads.each"
    sizes = var_operand_def(IndexType)
    thread = operand_def(IndexType)
    threads = operand_def(IndexType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "$sizes `thread` $thread `of` $threads $body attr-dict"

    def __init__(
        self,
        sizes: Sequence[SSAValue],
        thread: SSAValue,
        threads: SSAValue,
        body: Region | None = None,
    ):
        if body is None:
            body = Region(Block(arg_types=[IndexType()] * len(sizes)))
        super().__init__(operands=[list(sizes), thread, threads], regions=[body])

    def verify_(self) -> None:
        args = self.body.block.args
        if not self.sizes or len(args) != len(self.sizes):
            raise VerifyException(
                "threads.each takes one block argument per size, at least one"
            )


@irdl_op_definition
class SingleOp(IRDLOperation):
    """Code run by thread 0 of the block alone."""

    name = "threads.single"
    thread = operand_def(IndexType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "`thread` $thread $body attr-dict"

    def __init__(self, thread: SSAValue, body: Region | None = None):
        super().__init__(operands=[thread], regions=[body or Region(Block())])


@irdl_op_definition
class StopIfFailedOp(IRDLOperation):
    """Every thread leaves the kernel when a check failed in a region."""

    name = "threads.stop_if_failed"
    assembly_format = "attr-dict"


@irdl_op_definition
class ArenaMarkOp(IRDLOperation):
    """The top of the block's allocation arena."""

    name = "threads.arena_mark"
    mark = result_def(i64)
    assembly_format = "attr-dict"

    def __init__(self):
        super().__init__(result_types=[i64])


@irdl_op_definition
class ArenaReleaseOp(IRDLOperation):
    """Free every buffer allocated since `mark`."""

    name = "threads.arena_release"
    mark = operand_def(i64)
    assembly_format = "$mark attr-dict"

    def __init__(self, mark: SSAValue):
        super().__init__(operands=[mark])


@irdl_op_definition
class ResultsOp(IRDLOperation):
    """The kernel's results (a `gpu.func` kernel returns nothing)."""

    name = "threads.results"
    values = var_operand_def(Attribute)
    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[list(values)])


THREADS = Dialect(
    "threads",
    [EachOp, SingleOp, StopIfFailedOp, ArenaMarkOp, ArenaReleaseOp, ResultsOp],
    [],
)
