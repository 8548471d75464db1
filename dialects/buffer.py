"""The `buffer` dialect: the memory policy `lower-to-loops` decides, as ops of
the `loops` stage (the emitter implements them).

    buffer.free_on_error %b : memref<?xf64>
        // on the path of a failing check, before its cf.assert: free %b, so a
        // call that stops with an error leaks nothing
    %b = buffer.pooled_alloc(%n) site 0 : memref<?xf64>
        // a scratch buffer kept from one call to the next, one per allocation
        // site, grown when a call needs more (scan's allow_gc=False); never
        // freed by the function
"""

from __future__ import annotations

from xdsl.dialects.builtin import IndexType, IntegerAttr, MemRefType, i64
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    var_operand_def,
)


@irdl_op_definition
class FreeOnErrorOp(IRDLOperation):
    """Free a buffer on the error path of a run-time check."""

    name = "buffer.free_on_error"
    memref = operand_def(MemRefType)
    assembly_format = "$memref attr-dict `:` type($memref)"

    def __init__(self, memref: SSAValue):
        super().__init__(operands=[memref])


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
