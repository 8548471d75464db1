"""The `lower-to-loops` pass: tensors become buffers, ops become loops.

Expects: `func.func`s of the `graph`/`opt` stages (`st`, `arith.constant`,
`scan.loop` on builtin tensors). Produces the `loops` stage: the same functions
over memrefs and scalars, written with `scf`, `arith`, `math`, `memref` and
`cf.assert` for run-time checks:

    func.func @f(%A : tensor<?xf64>) -> tensor<f64>          (graph)
    func.func @f(%A : memref<?xf64>) -> f64                   (loops)

Inputs of rank 0 become scalars, others contiguous memrefs (the runtime passes
C-contiguous arrays).
Every output is a fresh allocation the caller owns; temporaries are freed at the
end of the scope (function or loop body) that allocated them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from scanc.codegen.target import Target, default
from scanc.dialects import scan, st
from scanc.frontend import dtypes
from scanc.lowering import scalar as scalar_ops
from scanc.lowering import tensor_ops
from scanc.lowering.builder import (
    ON_ERROR,
    Builder,
    element_type,
    signless,
    strided_type,
)
from scanc.lowering.elementwise import lower_constant
from scanc.lowering.indexing import slice_bounds
from scanc.lowering.random import lower_random
from scanc.lowering.scan_loop import lower_final, lower_loop, no_data
from scanc.lowering.values import Buffer, Lazy, Lowered, Scalar, Scope, store_into
from xdsl.context import Context
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass


def loops_type(type_: Attribute, *, view: bool) -> Attribute:
    assert isinstance(type_, TensorType)
    element = signless(type_.element_type)
    if type_.get_num_dims() == 0:
        return element
    if view:
        return strided_type(element, type_.get_num_dims())
    return MemRefType(element, [DYNAMIC_INDEX] * type_.get_num_dims())


class Lowering:
    """Lowers one graph-stage function; see the module docstring."""

    def __init__(self, graph_func: func.FuncOp, target: Target):
        self.graph = graph_func
        #: the machine's facts and kernel crossovers the lowering consults
        self.target = target
        arg_types = [loops_type(a.type, view=False) for a in graph_func.args]
        self.block = Block(arg_types=arg_types)
        for old, new in zip(graph_func.args, self.block.args):
            new.name_hint = old.name_hint
        self.b = Builder(self.block, self._live_buffers)
        self.values: dict[SSAValue, Lowered] = {}
        self.scopes: list[Scope] = [Scope()]
        #: matrix products left to the loop that reads them
        #: (`scanc.lowering.input_products`)
        self.deferred: dict = {}

    # -- values -----------------------------------------------------------------------
    def get(self, value: SSAValue) -> Lowered:
        return self.values[value]

    def new_buffer(self, dtype: str, sizes: list[SSAValue]) -> Buffer:
        """A fresh buffer, freed at the end of its scope. Inside loop bodies it is
        allocated before the outermost loop its sizes do not depend on, once,
        instead of at every step."""
        depth = len(self.scopes) - 1
        while depth > 0 and self.scopes[depth].is_invariant(sizes):
            depth -= 1
        block = (
            self.b.block
            if depth == len(self.scopes) - 1
            else (self.scopes[depth + 1].preheader)
        )
        with self.b.at(block):
            ref = self.b.alloc(element_type(dtype), sizes)
        buffer = Buffer(dtype, list(sizes), ref, owned=True)
        self.scopes[depth].buffers.append(buffer)
        return buffer

    def _live_buffers(self) -> list[SSAValue]:
        """Every buffer allocated and not freed yet (those of the open scopes)."""
        return [buffer.ref for scope in self.scopes for buffer in scope.buffers]

    def step(self) -> SSAValue | None:
        """The step number of the innermost loop being lowered, if any."""
        return next((s.step for s in reversed(self.scopes) if s.step is not None), None)

    def materialize(self, value: Lowered) -> Buffer:
        return value if isinstance(value, Buffer) else self.copy(value)

    def copy(self, value: Lowered) -> Buffer:
        buffer = self.new_buffer(value.dtype, value.sizes)
        store_into(self.b, value, buffer.ref, buffer.sizes)
        return buffer

    @contextmanager
    def scope(self, loop: Scope | None = None) -> Iterator[None]:
        """Free the buffers allocated inside the `with` block at its end. For a
        loop body, `loop` is `Scope.before_loop(builder, steps)`, taken where the loop
        op will be inserted."""
        self.scopes.append(loop or Scope())
        try:
            yield
        finally:
            for buffer in self.scopes.pop().buffers:
                self.b.add(memref.DeallocOp.get(buffer.ref))

    # -- ops --------------------------------------------------------------------------
    def lower_ops(self, ops: list[Operation]) -> None:
        for op in ops:
            if isinstance(op, scan.LoopOp):
                results = lower_loop(self, op)
            elif isinstance(op, scan.FinalOp):
                results = [lower_final(self, op)]
            elif isinstance(op, st.RandomOp):
                results = lower_random(self, op)
            elif type(op) in tensor_ops.LOWERINGS:
                results = [tensor_ops.LOWERINGS[type(op)](self, op)]
            else:
                raise NotImplementedError(f"lower-to-loops: no lowering for {op.name}")
            for old, new in zip(op.results, results):
                if isinstance(new, Lazy) and old.uses.get_length() > 1 and _costly(op):
                    new = self.materialize(new)
                self.values[old] = new

    def infer_sizes(self, value: SSAValue) -> list[SSAValue]:
        """Sizes of a loop-body value computed outside the loop (before it runs)."""
        return SizeInference(self).sizes(value)

    # -- the function ------------------------------------------------------------------
    def run(self) -> func.FuncOp:
        for arg, new in zip(self.graph.args, self.block.args):
            self.values[arg] = self._input(arg, new)
        body = list(self.graph.body.block.ops)
        self.lower_ops(body[:-1])
        ret = body[-1]
        assert isinstance(ret, func.ReturnOp)
        outputs = self._outputs([self.get(v) for v in ret.arguments])
        for buffer in self.scopes.pop().buffers:
            if buffer.ref not in outputs:
                self.b.add(memref.DeallocOp.get(buffer.ref))
        self.b.add(func.ReturnOp(*outputs))
        if any("keep_buffers" in op.attributes for op in self.graph.walk()):
            _pool_scratch_buffers(self.block)
        result_types = [v.type for v in outputs]
        fn = func.FuncOp(
            self.graph.sym_name.data,
            ([a.type for a in self.block.args], result_types),
            Region(self.block),
        )
        return fn

    def _input(self, arg: SSAValue, new: SSAValue) -> Lowered:
        dtype = dtypes.dtype_of(arg.type)
        type_ = arg.type
        assert isinstance(type_, TensorType)
        if type_.get_num_dims() == 0:
            return Scalar(dtype, [], new)
        sizes = [
            self.b.add(memref.DimOp(new, self.b.const(i)))
            for i in range(type_.get_num_dims())
        ]
        sizes = self.b.known_sizes(
            sizes, type_.get_shape(), f"input {new.name_hint or '#' + str(new.index)}"
        )
        return Buffer(dtype, sizes, new)

    def _outputs(self, values: list[Lowered]) -> list[SSAValue]:
        outputs: list[SSAValue] = []
        function_scope = {id(buf) for buf in self.scopes[0].buffers}
        for value in values:
            if value.rank == 0:  # a scalar, a 0-d buffer or a 0-d expression
                outputs.append(value.load(self.b, []))
                continue
            reuse = (
                isinstance(value, Buffer)
                and value.owned
                and value.ref not in outputs
                and id(value) in function_scope
            )
            if not reuse:
                self.scopes.append(Scope())
                value = self.copy(value)
                self.scopes.pop()
            outputs.append(value.ref)  # type: ignore[union-attr]
        return outputs


def _pool_scratch_buffers(block: Block) -> None:
    """Mark every buffer the function frees itself (its scratch buffers, not its
    outputs) as pooled and drop the frees: the emitter keeps one buffer per
    allocation site for the life of the compiled function, grown when a call needs
    more. (Each site's buffer dies before the site runs again, so one suffices.)"""
    frees = [op for op in block.walk() if isinstance(op, memref.DeallocOp)]
    for n, free in enumerate(f for f in frees if ON_ERROR not in f.attributes):
        alloc = free.memref.owner
        if isinstance(alloc, memref.AllocOp):
            alloc.attributes["scanc.pool"] = IntegerAttr(n, 64)
            free.detach()
            free.erase()
    for free in frees:  # a failing call keeps the pooled buffers too
        if ON_ERROR in free.attributes and "scanc.pool" in free.memref.owner.attributes:
            free.detach()
            free.erase()


def _costly(op: Operation) -> bool:
    """Lazy values worth storing when used twice (fills and aranges are cheap)."""
    return isinstance(op, (st.ElementwiseOp, st.CastOp, st.RandomOp))


_SIZE_ARITHMETIC = ("add", "sub", "mul", "neg", "maximum", "minimum")


@dataclass
class SizeInference:
    """Evaluate, before a loop, the sizes of a value its body computes, when they
    depend only on shapes, constants and loop invariants (not on loop data)."""

    lw: Lowering

    def sizes(self, value: SSAValue) -> list[SSAValue]:
        b = self.lw.b
        type_ = value.type
        assert isinstance(type_, TensorType)
        if DYNAMIC_INDEX not in type_.get_shape():
            return [b.const(d) for d in type_.get_shape()]
        if value in self.lw.values:
            return self.lw.get(value).sizes
        op = value.owner
        if isinstance(op, (st.ElementwiseOp,)):
            return self._elementwise(op)
        if isinstance(op, (st.CastOp,)):
            return self.sizes(op.input)
        if isinstance(op, st.ExpandDimsOp):
            inner = iter(self.sizes(op.input))
            axes = set(op.axes.get_values())
            return [
                b.const(1) if a in axes else next(inner)
                for a in range(type_.get_num_dims())
            ]
        if isinstance(op, st.ReduceOp):
            axes = set(op.axes.get_values())
            return [s for a, s in enumerate(self.sizes(op.input)) if a not in axes]
        if isinstance(op, st.DotOp):
            return self.sizes(op.lhs)[:-1] + self.sizes(op.rhs)[1:]
        if isinstance(op, st.TransposeOp):
            inner = self.sizes(op.input)
            return [inner[p] for p in op.perm.get_values()]
        if isinstance(op, st.SetSubtensorOp):
            return self.sizes(op.input)
        if isinstance(op, st.SubtensorOp):
            return self._subtensor(op)
        if isinstance(op, st.TakeOp):
            axis, source = op.axis.value.data, self.sizes(op.input)
            return [*source[:axis], *self.sizes(op.indices), *source[axis + 1 :]]
        if isinstance(op, st.AllocOp):
            return [b.to_index(self.scalar(d)) for d in op.dims]
        if isinstance(op, scan.FinalOp):  # rows of trace and initial agree
            return self.row_sizes(op.initial)
        if isinstance(op, scan.LoopOp):
            return self._trace(op, value.index)  # type: ignore[attr-defined]
        if isinstance(op, st.ConcatenateOp):
            axis, parts = op.axis.value.data, [self.sizes(x) for x in op.inputs]
            joined = parts[0][axis]
            for part in parts[1:]:
                joined = b.addi(joined, part[axis])
            return parts[0][:axis] + [joined] + parts[0][axis + 1 :]
        raise NotImplementedError(
            "scan: the shape of a map-like output (outputs_info=None) must be "
            "computable before the loop from shapes and non-sequences; this one "
            f"depends on {op.name if isinstance(op, Operation) else 'loop data'}"
        )

    def _trace(self, op: scan.LoopOp, n: int) -> list[SSAValue]:
        """Sizes of a nested loop's trace: its step count (when no `until` makes it
        data-dependent), then the row sizes of its output `n`."""
        if op.yield_op().until is not None:
            raise NotImplementedError(
                "scan: a map-like output's shape depends on the steps an inner "
                "scan with `until` runs"
            )
        b = self.lw.b
        rows = None if op.n_steps is None else b.to_index(self.scalar(op.n_steps))
        if rows is None:
            for seq, taps in zip(op.sequences, op.sequence_taps()):
                span = b.const(scan.sequence_span(taps))
                room = b.subi(self.sizes(seq)[0], span)
                rows = room if rows is None else b.mini(rows, room)
        keep = op.keep_rows()[n]
        if keep:
            rows = b.mini(rows, b.const(keep))
        return [rows, *self._row_sizes(op, n)]

    def _row_sizes(self, op: scan.LoopOp, n: int) -> list[SSAValue]:
        if n in op.recurrent_outputs():
            initial = op.initials[op.recurrent_outputs().index(n)]
            return self.row_sizes(initial)
        args, stubs = op.body.block.args, []
        taps = [*op.sequence_taps(), *(t for t in op.output_taps() if t)]
        sources = [*op.sequences, *op.initials]
        for source, source_taps in zip(sources, taps):
            stubs += [self.row_sizes(source)] * len(source_taps)
        stubs += [self.sizes(v) for v in op.invariants]
        for arg, sizes in zip(args, stubs):
            self.lw.values[arg] = Lazy(dtypes.dtype_of(arg.type), sizes, no_data)
        try:
            return self.sizes(op.yield_op().values[n])
        finally:
            for arg in args:
                del self.lw.values[arg]

    def row_sizes(self, value: SSAValue) -> list[SSAValue]:
        """`sizes(value)[1:]`, without computing the leading size, which may
        depend on loop data (an inner scan's step count, a slice's bounds)."""
        if value in self.lw.values:
            return self.lw.get(value).sizes[1:]
        op = value.owner
        if isinstance(op, scan.LoopOp):
            return self._row_sizes(op, value.index)  # type: ignore[attr-defined]
        if isinstance(op, st.SubtensorOp):
            return self._subtensor(op, leading=False)
        if isinstance(op, st.SetSubtensorOp):
            return self.row_sizes(op.input)
        if isinstance(op, st.AllocOp):
            return [self.lw.b.to_index(self.scalar(d)) for d in op.dims[1:]]
        if isinstance(op, st.ConcatenateOp) and op.axis.value.data == 0:
            return self.row_sizes(op.inputs[0])
        if isinstance(op, st.CastOp):
            return self.row_sizes(op.input)
        if isinstance(op, st.ElementwiseOp):
            shape = op.result.type.get_shape()[1:]
            for operand in op.inputs:
                dims = operand.type.get_shape()[1:]  # type: ignore[attr-defined]
                if len(dims) == len(shape) and all(
                    d != 1 or s == 1 for d, s in zip(dims, shape)
                ):
                    return self.row_sizes(operand)
        return self.sizes(value)[1:]

    def _subtensor(self, op: st.SubtensorOp, leading: bool = True) -> list[SSAValue]:
        """Sizes of `input[index]`: integer-indexed axes drop, sliced ones take
        the slice's length, the rest keep the input's size. Without `leading`,
        the sizes after the result's first axis."""
        entries = op.entries()
        if not leading or entries and entries[0] == "i":
            inner = [None, *self.row_sizes(op.input)]  # input axis 0 not needed
        else:
            inner = self.sizes(op.input)
        operands, kept = iter(op.indices), []
        for axis, entry in enumerate(entries):
            if entry == "i":
                next(operands)
                continue
            fields = [next(operands) if f == "x" else None for f in entry[1:]]
            if not leading and not kept:
                kept.append(None)  # the result's leading axis: not asked for
                continue
            bounds = [None if f is None else self.scalar(f) for f in fields]
            kept.append(slice_bounds(self.lw.b, inner[axis], *bounds)[1])
        sizes = kept + inner[len(entries) :]
        return sizes if leading else sizes[1:]

    def _elementwise(self, op: st.ElementwiseOp) -> list[SSAValue]:
        shape = op.result.type.get_shape()
        for operand in op.inputs:
            dims = operand.type.get_shape()  # type: ignore[attr-defined]
            if all(d != 1 or s == 1 for d, s in zip(dims, shape)):
                return self.sizes(operand)
        return [
            self.lw.b.const(1) if d == 1 else self.sizes(op.inputs[0])[a]
            for a, d in enumerate(shape)
        ]

    def scalar(self, value: SSAValue) -> SSAValue:
        if value in self.lw.values:
            return self.lw.get(value).load(self.lw.b, [])
        op = value.owner
        if isinstance(op, st.DimOp):
            axis = op.axis.value.data
            size = (
                self.row_sizes(op.input)[axis - 1] if axis else self.sizes(op.input)[0]
            )
            return self.lw.b.from_index(size, element_type("int64"))
        if isinstance(op, st.CastOp):
            return self.scalar(op.input)
        if isinstance(op, st.ElementwiseOp) and op.fn.data in _SIZE_ARITHMETIC:
            out = dtypes.dtype_of(op.result.type)
            args = [
                scalar_ops.convert(
                    self.lw.b, self.scalar(v), dtypes.dtype_of(v.type), out
                )
                for v in op.inputs
            ]
            return scalar_ops.apply(self.lw.b, op.fn.data, args, out)
        if isinstance(op, Operation) and op.name == "arith.constant":
            return lower_constant(self.lw, op).load(self.lw.b, [])  # type: ignore
        raise NotImplementedError(
            "scan: a map-like output's shape depends on loop data "
            f"({op.name if isinstance(op, Operation) else 'a loop argument'})"
        )


@dataclass(frozen=True)
class LowerToLoopsPass(ModulePass):
    """Rewrite every graph-stage `func.func` of the module to the loops stage,
    for `target` (`scanc.codegen.target.default()` when None)."""

    name = "lower-to-loops"

    target: Target | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                lowered = Lowering(fn, self.target or default()).run()
                op.body.block.insert_op_before(lowered, fn)
                fn.detach()
                fn.erase()
