"""The `scan` dialect: a loop over time steps with sequences, taps and states.

`scan.loop` is PyTensor's `scan` as one op. It reads, at step `t`:

- each sequence `s` at its taps: `s[t + tap - min(taps, 0)]` (negative taps read
  earlier rows, so the loop starts `-min(taps)` rows in);
- each recurrent output `o` at its (negative) taps: `o[t + tap]`, where the rows
  before step 0 come from its initial value (`init[abs(min(taps)) + tap]`);
- the invariants, unchanged.

The body yields one value per output, and optionally `until %cond`: the loop stops
after the step whose condition is true. Results are the traces: row `t` of result
`i` is output `i` at step `t`, for the executed steps. `keep N` (set by
`trim-memory`) says that only the last `N` rows are kept and returned; the final
state of an output is row -1 of its trace.

    %x = scan.loop steps(%k : tensor<i64>)
           outs(%init taps [-1] : tensor<?x?xf64>)
           invariants(%A : tensor<?xf64>) -> (tensor<?x?xf64>) {
    ^bb0(%prior : tensor<?xf64>, %a : tensor<?xf64>):
      %p = st.elementwise "mul"(%prior, %a) : (...) -> tensor<?xf64>
      scan.yield %p : tensor<?xf64>
    }

`{keep_buffers}` (scan's `allow_gc=False`) asks that the function's scratch
buffers be kept and reused from one call to the next.

The number of steps is `steps` when given (it must not exceed what the sequences
allow), else the most the sequences allow. Block arguments come in the order of
PyTensor's step function: sequence taps, output taps, invariants.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    DenseArrayBase,
    IntegerType,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Dialect, Region, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsTerminator, Pure, RecursiveMemoryEffect
from xdsl.utils.exceptions import VerifyException

ALL_ROWS = 0  # `keep` value of an untrimmed output


def drop_leading_dim(type_: Attribute) -> TensorType:
    assert isinstance(type_, TensorType) and type_.get_num_dims() >= 1
    return TensorType(type_.element_type, type_.get_shape()[1:])


def with_leading_dim(type_: Attribute, size: int = DYNAMIC_INDEX) -> TensorType:
    assert isinstance(type_, TensorType)
    return TensorType(type_.element_type, (size, *type_.get_shape()))


def sequence_offset(taps: Sequence[int]) -> int:
    """The row of a sequence that step 0 reads at tap 0 (past taps read before it)."""
    return -min(min(taps), 0)


def sequence_span(taps: Sequence[int]) -> int:
    """How many rows a sequence read at `taps` needs beyond the number of steps."""
    return max(max(taps), 0) + sequence_offset(taps)


def _taps_attr(taps_list: Sequence[Sequence[int]]) -> ArrayAttr:
    return ArrayAttr([DenseArrayBase.from_list(i64, list(t)) for t in taps_list])


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a `scan.loop` body: this step's outputs, then an optional stop flag."""

    name = "scan.yield"
    values = var_operand_def(TensorType)
    until = opt_operand_def(TensorType)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(LoopOp)))
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    assembly_format = (
        "$values (`until` $until^ `:` type($until))? attr-dict `:` type($values)"
    )

    def __init__(self, values: Sequence[SSAValue], until: SSAValue | None = None):
        super().__init__(operands=[values, [until] if until else []])


@irdl_op_definition
class LoopOp(IRDLOperation):
    """One `scan`: see the module docstring for the semantics."""

    name = "scan.loop"
    n_steps = opt_operand_def(TensorType)
    sequences = var_operand_def(TensorType)
    initials = var_operand_def(TensorType)
    invariants = var_operand_def(TensorType)
    seq_taps = prop_def(ArrayAttr)
    out_taps = prop_def(ArrayAttr)
    keep = prop_def(DenseArrayBase)
    traces = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(RecursiveMemoryEffect())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self,
        n_steps: SSAValue | None,
        sequences: Sequence[SSAValue],
        seq_taps: Sequence[Sequence[int]],
        initials: Sequence[SSAValue],
        out_taps: Sequence[Sequence[int]],
        invariants: Sequence[SSAValue],
        trace_types: Sequence[Attribute],
        body: Region,
        keep: Sequence[int] | None = None,
    ):
        keep = list(keep) if keep is not None else [ALL_ROWS] * len(out_taps)
        super().__init__(
            operands=[[n_steps] if n_steps else [], sequences, initials, invariants],
            result_types=[trace_types],
            properties={
                "seq_taps": _taps_attr(seq_taps),
                "out_taps": _taps_attr(out_taps),
                "keep": DenseArrayBase.from_list(i64, keep),
            },
            regions=[body],
        )

    # -- structure ---------------------------------------------------------------

    def sequence_taps(self) -> list[tuple[int, ...]]:
        return [t.get_values() for t in self.seq_taps.data]  # type: ignore[attr-defined]

    def output_taps(self) -> list[tuple[int, ...]]:
        return [t.get_values() for t in self.out_taps.data]  # type: ignore[attr-defined]

    def keep_rows(self) -> list[int]:
        return list(self.keep.get_values())

    def rebuilt(
        self,
        new_sequences: Sequence[SSAValue] = (),
        new_invariants: Sequence[SSAValue] = (),
    ) -> LoopOp:
        """Replace this loop by an equal one with more sequences (tap 0) and
        invariants, whose body arguments the caller has already inserted. Moves
        the body and the attributes, redirects the uses of the traces."""
        new = LoopOp(
            self.n_steps,
            [*self.sequences, *new_sequences],
            [*self.sequence_taps(), *([0],) * len(new_sequences)],
            list(self.initials),
            self.output_taps(),
            [*self.invariants, *new_invariants],
            [r.type for r in self.traces],
            self.detach_region(self.body),
            keep=self.keep_rows(),
        )
        new.attributes |= self.attributes
        self.parent_block().insert_op_before(new, self)  # type: ignore[union-attr]
        for old, fresh in zip(self.traces, new.traces):
            old.replace_all_uses_with(fresh)
        self.detach()
        self.erase()
        return new

    # -- the body's arguments by role: per sequence tap, per output tap, invariant

    def sequence_arguments(self) -> list[list[BlockArgument]]:
        """Per sequence, its body arguments (one per tap, in tap order)."""
        return _grouped(self.body.block.args, self.sequence_taps())

    def output_arguments(self) -> list[list[BlockArgument]]:
        """Per output, its body arguments (one per tap; none for map-like ones)."""
        first = sum(len(taps) for taps in self.sequence_taps())
        return _grouped(self.body.block.args[first:], self.output_taps())

    def invariant_arguments(self) -> list[BlockArgument]:
        """The body arguments that stand for `invariants`, in the same order."""
        args = self.body.block.args
        return list(args[len(args) - len(self.invariants) :])

    def invariant_operand(self, value: SSAValue) -> SSAValue | None:
        """The operand behind `value` if it is one of the invariant arguments."""
        if isinstance(value, BlockArgument) and value.block is self.body.block:
            first = len(value.block.args) - len(self.invariants)
            if value.index >= first:
                return self.invariants[value.index - first]
        return None

    def sequence_of(self, operand_index: int) -> int | None:
        """The sequence that operand `operand_index` is, if it is one."""
        position = operand_index - (0 if self.n_steps is None else 1)
        return position if 0 <= position < len(self.sequences) else None

    def recurrent_outputs(self) -> list[int]:
        """Indices of the outputs that have taps (and so an initial value)."""
        return [i for i, taps in enumerate(self.output_taps()) if taps]

    def yield_op(self) -> YieldOp:
        last = self.body.block.last_op
        assert isinstance(last, YieldOp)
        return last

    def expected_block_types(self) -> list[Attribute]:
        types: list[Attribute] = []
        for seq, taps in zip(self.sequences, self.sequence_taps()):
            types += [drop_leading_dim(seq.type)] * len(taps)
        for trace, taps in zip(self.traces, self.output_taps()):
            types += [drop_leading_dim(trace.type)] * len(taps)
        return types + [inv.type for inv in self.invariants]

    # -- verification --------------------------------------------------------------

    def verify_(self) -> None:
        self._verify_taps()
        if not self.sequences and self.n_steps is None:
            raise VerifyException("scan.loop needs `steps` or at least one sequence")
        if self.n_steps is not None and not _is_int_scalar(self.n_steps.type):
            raise VerifyException(
                f"steps must be an integer scalar, got {self.n_steps.type}"
            )
        self._verify_initials()
        self._verify_body()

    def _verify_taps(self) -> None:
        if len(self.seq_taps.data) != len(self.sequences):
            raise VerifyException("one taps list per sequence expected")
        if len(self.out_taps.data) != len(self.traces):
            raise VerifyException("one taps list per output (trace) expected")
        if len(self.keep.get_values()) != len(self.traces):
            raise VerifyException("one keep value per output expected")
        for i, taps in enumerate(self.sequence_taps()):
            if not taps or len(set(taps)) != len(taps):
                raise VerifyException(
                    f"sequence {i} needs distinct taps, got {list(taps)}"
                )
        for i, taps in enumerate(self.output_taps()):
            if any(t >= 0 for t in taps) or len(set(taps)) != len(taps):
                raise VerifyException(
                    f"output {i} taps must be distinct and negative, got {list(taps)}"
                )
        if any(k < 0 for k in self.keep_rows()):
            raise VerifyException("keep values must be >= 0")

    def _verify_initials(self) -> None:
        recurrent = self.recurrent_outputs()
        if len(self.initials) != len(recurrent):
            raise VerifyException(
                f"{len(recurrent)} outputs have taps but {len(self.initials)} "
                "initial values were given"
            )
        for init, i in zip(self.initials, recurrent):
            want = drop_leading_dim(self.traces[i].type)
            got = init.type
            if (
                not isinstance(got, TensorType)
                or got.get_num_dims() < 1
                or (
                    drop_leading_dim(got).element_type != want.element_type
                    or drop_leading_dim(got).get_num_dims() != want.get_num_dims()
                )
            ):
                raise VerifyException(
                    f"initial value of output {i} must be rows of {want}, got {got}"
                )

    def _verify_body(self) -> None:
        block = self.body.block
        expected = self.expected_block_types()
        got = [a.type for a in block.args]
        if len(got) != len(expected):
            raise VerifyException(
                f"body takes {len(got)} arguments, expected {len(expected)} "
                "(sequence taps, output taps, invariants)"
            )
        for n, (g, e) in enumerate(zip(got, expected)):
            if not _compatible(g, e):
                raise VerifyException(f"body argument {n} has type {g}, expected {e}")
        yielded = self.yield_op()
        if len(yielded.values) != len(self.traces):
            raise VerifyException(
                f"body yields {len(yielded.values)} values for {len(self.traces)} outputs"
            )
        for n, (value, trace) in enumerate(zip(yielded.values, self.traces)):
            if not _compatible(value.type, drop_leading_dim(trace.type)):
                raise VerifyException(
                    f"output {n}: body yields {value.type} but the trace holds "
                    f"rows of {drop_leading_dim(trace.type)}"
                )
        if yielded.until is not None and not _is_int_scalar(yielded.until.type):
            raise VerifyException("until condition must be a boolean or integer scalar")

    # -- custom assembly -------------------------------------------------------------

    def print(self, printer: Printer) -> None:
        if self.n_steps is not None:
            printer.print_string(" steps(")
            _print_typed(printer, self.n_steps)
            printer.print_string(")")
        if self.sequences:
            printer.print_string(" seqs(")
            printer.print_list(
                zip(self.sequences, self.sequence_taps()),
                lambda p: _print_tapped(printer, p[0], p[1]),
            )
            printer.print_string(")")
        if self.traces:
            printer.print_string(" outs(")
            inits = iter(self.initials)
            printer.print_list(
                zip(self.output_taps(), self.keep_rows()),
                lambda p: _print_output(printer, inits, p[0], p[1]),
            )
            printer.print_string(")")
        if self.invariants:
            printer.print_string(" invariants(")
            printer.print_list(self.invariants, lambda v: _print_typed(printer, v))
            printer.print_string(")")
        printer.print_string(" -> (")
        printer.print_list(self.traces, lambda r: printer.print_attribute(r.type))
        printer.print_string(") ")
        printer.print_region(self.body, print_entry_block_args=True)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> LoopOp:
        n_steps = None
        if parser.parse_optional_keyword("steps"):
            parser.parse_punctuation("(")
            n_steps = _parse_typed(parser)
            parser.parse_punctuation(")")
        seqs: list[tuple[SSAValue, list[int]]] = []
        if parser.parse_optional_keyword("seqs"):
            seqs = parser.parse_comma_separated_list(
                parser.Delimiter.PAREN, lambda: _parse_tapped(parser)
            )
        outs: list[tuple[SSAValue | None, list[int], int]] = []
        if parser.parse_optional_keyword("outs"):
            outs = parser.parse_comma_separated_list(
                parser.Delimiter.PAREN, lambda: _parse_output(parser)
            )
        invariants: list[SSAValue] = []
        if parser.parse_optional_keyword("invariants"):
            invariants = parser.parse_comma_separated_list(
                parser.Delimiter.PAREN, lambda: _parse_typed(parser)
            )
        parser.parse_punctuation("->")
        trace_types = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, parser.parse_type
        )
        body = parser.parse_region()
        loop = cls(
            n_steps,
            [s for s, _ in seqs],
            [t for _, t in seqs],
            [init for init, _, _ in outs if init is not None],
            [taps for _, taps, _ in outs],
            invariants,
            trace_types,
            body,
            keep=[k for _, _, k in outs],
        )
        loop.attributes |= parser.parse_optional_attr_dict()
        return loop


def _grouped(args: Sequence[BlockArgument], taps) -> list[list[BlockArgument]]:
    groups, position = [], 0
    for group_taps in taps:
        groups.append(list(args[position : position + len(group_taps)]))
        position += len(group_taps)
    return groups


def outside_value(value: SSAValue) -> SSAValue:
    """`value` followed out of every loop where it is an invariant argument: the
    value as defined outside the outermost of them."""
    while isinstance(value, BlockArgument) and isinstance(
        value.block.parent_op(), LoopOp
    ):
        outer = value.block.parent_op().invariant_operand(value)  # type: ignore[union-attr]
        if outer is None:
            break
        value = outer
    return value


def _is_int_scalar(type_: Attribute) -> bool:
    return (
        isinstance(type_, TensorType)
        and type_.get_num_dims() == 0
        and isinstance(type_.element_type, IntegerType)
    )


def _compatible(got: Attribute, expected: Attribute) -> bool:
    """Same element type and rank; static dims must agree where both are known."""
    if not (isinstance(got, TensorType) and isinstance(expected, TensorType)):
        return got == expected
    if got.element_type != expected.element_type:
        return False
    if got.get_num_dims() != expected.get_num_dims():
        return False
    return all(
        a == b or DYNAMIC_INDEX in (a, b)
        for a, b in zip(got.get_shape(), expected.get_shape())
    )


def _print_typed(printer: Printer, value: SSAValue) -> None:
    printer.print_ssa_value(value)
    printer.print_string(" : ")
    printer.print_attribute(value.type)


def _print_taps(printer: Printer, taps: Sequence[int]) -> None:
    printer.print_string(" taps [" + ", ".join(str(t) for t in taps) + "]")


def _print_tapped(printer: Printer, value: SSAValue, taps: Sequence[int]) -> None:
    printer.print_ssa_value(value)
    _print_taps(printer, taps)
    printer.print_string(" : ")
    printer.print_attribute(value.type)


def _print_output(printer: Printer, inits, taps: Sequence[int], keep: int) -> None:
    if taps:
        _print_tapped(printer, next(inits), taps)
    else:
        printer.print_string("map")
    if keep != ALL_ROWS:
        printer.print_string(f" keep {keep}")


def _parse_typed(parser: Parser) -> SSAValue:
    operand: UnresolvedOperand = parser.parse_unresolved_operand()
    parser.parse_punctuation(":")
    return parser.resolve_operand(operand, parser.parse_type())


def _parse_taps(parser: Parser) -> list[int]:
    parser.parse_keyword("taps")
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, parser.parse_integer
    )


def _parse_tapped(parser: Parser) -> tuple[SSAValue, list[int]]:
    operand = parser.parse_unresolved_operand()
    taps = _parse_taps(parser)
    parser.parse_punctuation(":")
    return parser.resolve_operand(operand, parser.parse_type()), taps


def _parse_output(parser: Parser) -> tuple[SSAValue | None, list[int], int]:
    init, taps = (
        (None, []) if parser.parse_optional_keyword("map") else _parse_tapped(parser)
    )
    keep = parser.parse_integer() if parser.parse_optional_keyword("keep") else ALL_ROWS
    return init, taps, keep


@irdl_op_definition
class FinalOp(IRDLOperation):
    """The state after the last step: row -1 of `trace`, or of `initial` (the rows
    the loop started from) when the loop ran no step. Scan's updates of shared
    variables read their new values with it, so zero steps leave them unchanged."""

    name = "scan.final"
    trace = operand_def(TensorType)
    initial = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = (
        "$trace `,` $initial attr-dict `:` functional-type(operands, $result)"
    )

    def __init__(self, trace: SSAValue, initial: SSAValue):
        super().__init__(
            operands=[trace, initial], result_types=[drop_leading_dim(trace.type)]
        )

    def verify_(self) -> None:
        row = drop_leading_dim(self.trace.type)
        if not _compatible(self.result.type, row) or not _compatible(
            drop_leading_dim(self.initial.type), row
        ):
            raise VerifyException("scan.final: trace, initial rows and result disagree")


def make_body(arg_types: Sequence[Attribute]) -> tuple[Region, Block]:
    block = Block(arg_types=arg_types)
    return Region(block), block


SCAN = Dialect("scan", [LoopOp, YieldOp, FinalOp], [])
