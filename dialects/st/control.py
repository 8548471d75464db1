"""`st` ops that choose between values: PyTensor's `ifelse`, and `st.check`,
which lets a value through only when a condition holds (PyTensor's `Assert`).

`st.ifelse` is what the frontend builds: a plain op whose operands are the
condition and the two values, so that every graph pass and the gradient see an
ordinary op. `st.if` is its lazy form, made by the `sink-into-branches` pass just
before lowering: the ops that only one branch needs move into that branch's
region, and only the region the condition picks runs:

    %r = st.ifelse %c, %a, %b : (tensor<i1>, tensor<?xf64>, tensor<3xf64>) -> tensor<?xf64>

    %r = st.if %c : tensor<i1> -> tensor<?xf64> {
      %a = ...
      st.yield %a : tensor<?xf64>
    } else {
      st.yield %b : tensor<3xf64>
    }

The condition is a scalar: zero is false, anything else (NaN included) true.
The two values have the same dtype and rank; their sizes may differ, and the
result has the sizes of the one chosen.

    %v = st.check %c, %x "ValueError: why" : (tensor<i1>, tensor<?xf64>) -> tensor<?xf64>

stops the call with the message ("ExceptionClass: text") unless `%c` holds
when `%x` is used; it is not pure, so no pass moves or drops it.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanc.dialects.st.core import tensor_type
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import HasParent, IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException


def _check_branches(cond: SSAValue, pairs: Sequence[tuple[Attribute, ...]]) -> None:
    if tensor_type(cond).get_num_dims() != 0:
        raise VerifyException("the condition of st.if/st.ifelse must be a scalar")
    for types in pairs:
        ranks = {t.get_num_dims() for t in types}  # type: ignore[attr-defined]
        elements = {t.element_type for t in types}  # type: ignore[attr-defined]
        if len(ranks) > 1 or len(elements) > 1:
            raise VerifyException(
                "both branches and the result of st.if/st.ifelse must have one "
                f"element type and rank, got {', '.join(map(str, types))}"
            )


@irdl_op_definition
class IfElseOp(IRDLOperation):
    """`then` when `cond` is not zero, else `else_`."""

    name = "st.ifelse"
    cond = operand_def(TensorType)
    then = operand_def(TensorType)
    else_ = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$cond `,` $then `,` $else_ attr-dict `:` `(` type($cond) `,` type($then) "
        "`,` type($else_) `)` `->` type($result)"
    )

    def __init__(
        self, cond: SSAValue, then: SSAValue, else_: SSAValue, result_type: TensorType
    ):
        super().__init__(operands=[cond, then, else_], result_types=[result_type])

    def verify_(self) -> None:
        _check_branches(
            self.cond, [(self.then.type, self.else_.type, self.result.type)]
        )


@irdl_op_definition
class CheckOp(IRDLOperation):
    """`input`, after checking at run time that `cond` holds (else `message`)."""

    name = "st.check"
    cond = operand_def(TensorType)
    input = operand_def(TensorType)
    message = prop_def(StringAttr)
    result = result_def(TensorType)
    assembly_format = (
        "$cond `,` $input $message attr-dict `:` `(` type($cond) `,` type($input) "
        "`)` `->` type($result)"
    )

    def __init__(self, cond: SSAValue, input: SSAValue, message: str):
        super().__init__(
            operands=[cond, input],
            properties={"message": StringAttr(message)},
            result_types=[input.type],
        )

    def verify_(self) -> None:
        if tensor_type(self.cond).get_num_dims() != 0:
            raise VerifyException("the condition of st.check must be a scalar")
        if self.result.type != self.input.type:
            raise VerifyException("st.check: the result has its input's type")
        if ": " not in self.message.data:
            raise VerifyException(
                "st.check: the message is 'ExceptionClass: text', got "
                f"{self.message.data!r}"
            )


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a branch of `st.if`: the values it gives."""

    name = "st.yield"
    values = var_operand_def(TensorType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(IfOp)))
    assembly_format = "$values attr-dict `:` type($values)"

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])


@irdl_op_definition
class IfOp(IRDLOperation):
    """Runs `then_region` when `cond` is not zero, else `else_region`; the
    results are what the region that ran yields. Regions read values defined
    above them; they have no arguments."""

    name = "st.if"
    cond = operand_def(TensorType)
    outs = var_result_def(TensorType)
    then_region = region_def("single_block")
    else_region = region_def("single_block")
    assembly_format = (
        "$cond `:` type($cond) `->` type($outs) $then_region `else` $else_region "
        "attr-dict"
    )

    def __init__(
        self,
        cond: SSAValue,
        result_types: Sequence[Attribute],
        then_block: Block,
        else_block: Block,
    ):
        super().__init__(
            operands=[cond],
            result_types=[list(result_types)],
            regions=[Region(then_block), Region(else_block)],
        )

    def branch_values(self, region: Region) -> list[SSAValue]:
        """What `region` (one of the two) yields."""
        return list(region.block.last_op.operands)  # type: ignore[union-attr]

    def verify_(self) -> None:
        then = self.branch_values(self.then_region)
        else_ = self.branch_values(self.else_region)
        if not len(then) == len(else_) == len(self.outs):
            raise VerifyException("both branches of st.if yield one value per result")
        _check_branches(
            self.cond,
            [(t.type, e.type, r.type) for t, e, r in zip(then, else_, self.outs)],
        )
