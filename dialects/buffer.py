"""The `buffer` dialect: the memory policy `lower-to-loops` decides, as ops of
the `loops` stage (the emitter implements them).

    buffer.free_on_error %a, %b : memref<?xf64>, memref<?x?xf64>
        // on the path of a failing check, before its cf.assert: free the
        // buffers live there, so a call that stops with an error leaks nothing
    %b = buffer.pooled_alloc(%n) site 0 : memref<?xf64>
        // a scratch buffer kept from one call to the next, one per allocation
        // site, grown when a call needs more (scan's allow_gc=False); never
        // freed by the function
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IndexType, IntegerAttr, MemRefType, i64
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.utils.exceptions import VerifyException


@irdl_op_definition
class FreeOnErrorOp(IRDLOperation):
    """Free buffers on the error path of a run-time check (one op for all the
    buffers live there: a function with many checks and buffers would
    otherwise hold an op per pair)."""

    name = "buffer.free_on_error"
    memrefs = var_operand_def(MemRefType)
    assembly_format = "$memrefs attr-dict `:` type($memrefs)"

    def __init__(self, memrefs: Sequence[SSAValue]):
        super().__init__(operands=[list(memrefs)])

    def verify_(self) -> None:
        if not self.memrefs:
            raise VerifyException("buffer.free_on_error frees at least one buffer")


@irdl_op_definition
class PooledAllocOp(IRDLOperation):
    """A buffer of the given sizes kept between calls at allocation site `site`."""

    name = "buffer.pooled_alloc"
    dynamic_sizes = var_operand_def(IndexType)
    site = prop_def(IntegerAttr)
    memref = result_def(MemRefType)
    assembly_format = "`(` $dynamic_sizes `)` `site` $site attr-dict `:` type($memref)"

    def __init__(self, sizes: list[SSAValue], site: int, type_: MemRefType):
        super().__init__(
            operands=[sizes],
            properties={"site": IntegerAttr(site, i64)},
            result_types=[type_],
        )


BUFFER = Dialect("buffer", [FreeOnErrorOp, PooledAllocOp], [])
