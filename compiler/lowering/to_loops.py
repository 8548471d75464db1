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
from scanc.dialects import buffer as buffer_ops
from scanc.dialects import scan, st
from scanc import dtypes
from scanc.lowering import tensor_ops
from scanc.lowering.builder import (
    Builder,
    element_type,
    signless,
    strided_type,
)
from scanc.lowering.control import lower_if
from scanc.lowering.random import lower_random
from scanc.lowering.scan_loop import lower_final, lower_loop
from scanc.lowering.sizes import SizeInference
from scanc.passes.sink_into_branches import sink_into_branches
from scanc.lowering.values import (
    Buffer,
    Lazy,
    Lowered,
    Scalar,
    Scope,
    store_into,
)
from xdsl.context import Context
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    MemRefType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter


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
            elif isinstance(op, st.IfOp):
                results = lower_if(self, op)
            elif isinstance(op, st.RandomOp):
                results = lower_random(self, op)
            elif type(op) in tensor_ops.MULTI_LOWERINGS:
                results = tensor_ops.MULTI_LOWERINGS[type(op)](self, op)
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
    """Every buffer the function frees itself (its scratch buffers, not its
    outputs) becomes a `buffer.pooled_alloc` and its frees go: the emitter keeps
    one buffer per allocation site for the life of the compiled function, grown
    when a call needs more. (Each site's buffer dies before the site runs again,
    so one suffices.)"""
    frees = [op for op in block.walk() if isinstance(op, memref.DeallocOp)]
    for site, free in enumerate(frees):
        alloc = free.memref.owner
        if isinstance(alloc, memref.AllocOp):
            pooled = buffer_ops.PooledAllocOp(
                list(alloc.dynamic_sizes), site, alloc.memref.type
            )
            Rewriter.replace_op(alloc, pooled)
            free.detach()
            free.erase()
    for op in list(block.walk()):  # a failing call keeps the pooled buffers too
        if isinstance(op, buffer_ops.FreeOnErrorOp):
            _keep_pooled(op)


def _keep_pooled(free: buffer_ops.FreeOnErrorOp) -> None:
    """`free` without the pooled buffers (gone when it frees nothing else)."""
    owned = [
        ref
        for ref in free.memrefs
        if not isinstance(ref.owner, buffer_ops.PooledAllocOp)
    ]
    if len(owned) < len(free.memrefs):
        if owned:
            Rewriter.replace_op(free, buffer_ops.FreeOnErrorOp(owned), [])
        else:
            free.detach()
            free.erase()


def _costly(op: Operation) -> bool:
    """Lazy values worth storing when used twice (fills and aranges are cheap)."""
    return isinstance(op, (st.ElementwiseOp, st.CastOp, st.RandomOp))


@dataclass(frozen=True)
class LowerToLoopsPass(ModulePass):
    """Rewrite every graph-stage `func.func` of the module to the loops stage,
    for `target` (`scanc.codegen.target.default()` when None), after making
    `ifelse` lazy (`sink-into-branches`)."""

    name = "lower-to-loops"

    target: Target | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sink_into_branches(op)
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp) and not fn.is_declaration:
                lowered = Lowering(fn, self.target or default()).run()
                op.body.block.insert_op_before(lowered, fn)
                fn.detach()
                fn.erase()
