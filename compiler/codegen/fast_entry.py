"""The native `__call__` of compiled functions: Python calls it directly, and it
reads the arguments from their objects, fills the call frame on its stack, runs
the function's code without the GIL and wraps the outputs as NumPy arrays,
without Python code in between (`scanc.runtime.fast_calls` installs it).

It is one function for every compiled function, driven by each function's
*plan*: int64 words that describe the parameters, the outputs and the entry
points chosen for the argument shapes seen so far (`Plan` gives the layout).
Whatever the plan does not cover (another type, dtype, rank or shape, a view
that is not C-contiguous, keywords, a failed check in the compiled code) goes
to the Python `__call__` with the same arguments, which converts, checks and
raises as it always does; so the fast path changes no result and no error,
only the time a call takes.

The code calls Python and NumPy through a table of addresses (`API`) that
`scanc_fast_set_api` receives once per process, and reads the fields of
Python's and NumPy's objects at offsets (`Offsets`) checked against live
objects before use, so the object code holds no address of this process and
can be cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from llvmlite import ir
from scanc.codegen.llvm_types import f32, f64, i1, i8, i32, i64, ptr

#: the entries of the address table, in order
API = (
    "ndarray_type",
    "float_type",
    "float64_type",
    "float32_type",
    "long_type",
    "long_as_long_long_and_overflow",
    "save_thread",
    "restore_thread",
    "get_attr",
    "plan_attribute",
    "dec_ref",
    "long_as_void_ptr",
    "err_clear",
    "array_new",
    "array_set_base",
    "capsule_new",
    "capsule_get_pointer",
    "free",
    "list_new",
    "list_set_item",
    "vectorcall",
    "method_new",
    "none",
    "python_call",
    "settings_epoch",
)


class Plan:
    """The layout of a plan's int64 words: a header, a record per parameter
    and per output, the static sizes, then the slots. A slot holds an epoch,
    an entry point and the sizes of every array axis; it serves a call whose
    arrays have exactly those sizes while its epoch is the settings' epoch."""

    PARAMS, FRAME, OUTPUTS, SINGLE, SLOTS, AXES, SERVED = range(7)
    OUTPUTS_AT, STATIC_AT, SLOTS_AT = 7, 8, 9
    HEADER = 10
    #: words per parameter and per output record
    RECORD = 8
    # parameter record: kind, dtype object, rank, frame offset, low, high
    KIND, DTYPE, RANK, OFFSET, LOW, HIGH = range(6)
    # output record: kind, NumPy type number, rank, frame offset, item size
    TYPENUM, ITEMSIZE = 1, 4
    # parameter kinds (UNSUPPORTED: every call goes to Python)
    ARRAY, FLOAT64, FLOAT32, INT, UNSUPPORTED = range(5)
    # output kinds (a rank-0 output is a 0-d array of its dtype)
    OUT_ARRAY, OUT_FLOAT, OUT_INT, OUT_BOOL = range(4)


@dataclass(frozen=True)
class Offsets:
    """Byte offsets of the object fields the entry reads (checked by
    `scanc.runtime.fast_calls` on live objects)."""

    ob_type: int
    float_value: int
    scalar_value: int
    array_data: int
    array_nd: int
    array_dims: int
    array_descr: int
    array_flags: int


#: NumPy's C_CONTIGUOUS | ALIGNED, and what a wrapped output gets (| WRITEABLE)
_READABLE_FLAGS = 0x1 | 0x100
_OUTPUT_FLAGS = _READABLE_FLAGS | 0x400

ENTRY = "scanc_fast_call"
SET_API = "scanc_fast_set_api"


def build(module: ir.Module, offsets: Offsets) -> list[str]:
    """Define the entry (`ENTRY`, a METH_FASTCALL | METH_KEYWORDS method) and
    its API setter in `module`; their names."""
    api = ir.GlobalVariable(module, ptr, name="scanc_fast_api")
    api.linkage, api.initializer = "internal", ir.Constant(ptr, None)
    setter = ir.Function(module, ir.FunctionType(ir.VoidType(), [ptr]), SET_API)
    b = ir.IRBuilder(setter.append_basic_block())
    b.store(setter.args[0], api)
    b.ret_void()
    _Entry(module, api, offsets).define()
    return [ENTRY, SET_API]


class _Entry:
    def __init__(self, module: ir.Module, api: ir.GlobalVariable, offsets: Offsets):
        self.module, self.api, self.off = module, api, offsets
        fn_type = ir.FunctionType(ptr, [ptr, ptr, i64, ptr])
        self.fn = ir.Function(module, fn_type, ENTRY)
        self.b = ir.IRBuilder(self.fn.append_basic_block("entry"))
        self.destroy = self._capsule_destructor()

    # -- helpers ---------------------------------------------------------------

    def table(self, name: str, type_: ir.Type = ptr) -> ir.Value:
        """Entry `name` of the address table."""
        b = self.b
        base = b.load(self.api, typ=ptr)
        index = ir.Constant(i64, API.index(name))
        return b.load(b.gep(base, [index], source_etype=ptr), typ=type_)

    def call(self, name: str, ret: ir.Type, args: list) -> ir.Value:
        fn_type = ir.FunctionType(ret, [a.type for a in args])
        return self.b.call(self.table(name, fn_type.as_pointer()), args)

    def word(self, base: ir.Value, index) -> ir.Value:
        """Address of int64 word `index` of `base`."""
        index = ir.Constant(i64, index) if isinstance(index, int) else index
        return self.b.gep(base, [index], source_etype=i64)

    def load_word(self, base: ir.Value, index) -> ir.Value:
        return self.b.load(self.word(base, index), typ=i64)

    def field(self, obj: ir.Value, offset: int, type_: ir.Type) -> ir.Value:
        address = self.b.gep(obj, [ir.Constant(i64, offset)], source_etype=i8)
        return self.b.load(address, typ=type_)

    def record(self, plan: ir.Value, at: ir.Value, n: ir.Value) -> ir.Value:
        """Address of record `n` of the records that start at word `at`."""
        b = self.b
        index = b.add(at, b.mul(n, ir.Constant(i64, Plan.RECORD)))
        return self.word(plan, index)

    def for_range(self, count: ir.Value, body) -> None:
        """`body(i)` for i in [0, count); `body` may branch away (to the
        Python call) but must leave the builder in a block that continues."""
        b = self.b
        counter = self.entry_alloca(i64)
        b.store(ir.Constant(i64, 0), counter)
        head = b.append_basic_block("loop")
        step = b.append_basic_block("body")
        done = b.append_basic_block("done")
        b.branch(head)
        b.position_at_end(head)
        i = b.load(counter, typ=i64)
        b.cbranch(b.icmp_signed("<", i, count), step, done)
        b.position_at_end(step)
        body(i)
        b.store(b.add(i, ir.Constant(i64, 1)), counter)
        b.branch(head)
        b.position_at_end(done)

    def entry_alloca(self, type_: ir.Type) -> ir.Value:
        entry = self.fn.entry_basic_block
        with self.b.goto_block(entry):
            if entry.instructions:
                self.b.position_before(entry.instructions[0])
            return self.b.alloca(type_)

    def unless(self, condition: ir.Value, target: ir.Block) -> None:
        """Go to `target` when `condition` is false; continue otherwise."""
        go_on = self.b.append_basic_block("ok")
        self.b.cbranch(condition, go_on, target)
        self.b.position_at_end(go_on)

    # -- the entry -------------------------------------------------------------

    def define(self) -> None:
        b = self.b
        this, args, nargs, kwnames = self.fn.args
        python = self.fn.append_basic_block("python")
        plan = self.plan_of(this, python)
        self.unless(b.icmp_unsigned("==", kwnames, ir.Constant(ptr, None)), python)
        count = self.load_word(plan, Plan.PARAMS)
        self.unless(b.icmp_signed("==", nargs, count), python)
        frame = b.alloca(
            i64, size=b.add(self.load_word(plan, Plan.FRAME), ir.Constant(i64, 1))
        )
        sizes = b.alloca(
            i64, size=b.add(self.load_word(plan, Plan.AXES), ir.Constant(i64, 1))
        )
        axis = self.entry_alloca(i64)
        b.store(ir.Constant(i64, 0), axis)
        self.for_range(
            count,
            lambda p: self.read_argument(plan, args, p, frame, sizes, axis, python),
        )
        entry = self.entry_point(plan, sizes, python)
        state = self.call("save_thread", ptr, [])
        status = b.call(entry, [frame])
        self.call("restore_thread", ir.VoidType(), [state])
        self.unless(b.icmp_signed("==", status, ir.Constant(i32, 0)), python)
        served = self.word(plan, Plan.SERVED)
        b.store(b.add(b.load(served, typ=i64), ir.Constant(i64, 1)), served)
        b.ret(self.results(plan, frame))
        b.position_at_end(python)
        b.ret(self.python_call(this, args, nargs, kwnames))

    def plan_of(self, this: ir.Value, python: ir.Block) -> ir.Value:
        """The plan of the function `this` (its attribute holds the plan's
        address, or None)."""
        b = self.b
        value = self.call("get_attr", ptr, [this, self.table("plan_attribute")])
        missing = b.icmp_unsigned("==", value, ir.Constant(ptr, None))
        with b.if_then(missing, likely=False):
            self.call("err_clear", ir.VoidType(), [])
            b.branch(python)
        with b.if_then(b.icmp_unsigned("==", value, self.table("none"))):
            self.call("dec_ref", ir.VoidType(), [value])
            b.branch(python)
        address = self.call("long_as_void_ptr", ptr, [value])
        self.call("dec_ref", ir.VoidType(), [value])
        return address

    def read_argument(self, plan, args, p, frame, sizes, axis, python) -> None:
        b = self.b
        record = self.record(plan, ir.Constant(i64, Plan.HEADER), p)
        obj = b.load(b.gep(args, [p], source_etype=ptr), typ=ptr)
        kind = self.load_word(record, Plan.KIND)
        slot = self.word(frame, self.load_word(record, Plan.OFFSET))
        type_ = self.field(obj, self.off.ob_type, ptr)
        done = b.append_basic_block("argument_read")
        cases = {
            Plan.ARRAY: lambda: self.read_array(
                plan, record, obj, type_, slot, sizes, axis, python
            ),
            Plan.FLOAT64: lambda: self.read_float64(obj, type_, slot, python),
            Plan.FLOAT32: lambda: self.read_float32(obj, type_, slot, python),
            Plan.INT: lambda: self.read_int(record, obj, type_, slot, python),
        }
        switch = b.switch(kind, python)
        for value, read in cases.items():
            block = b.append_basic_block(f"kind{value}")
            switch.add_case(ir.Constant(i64, value), block)
            b.position_at_end(block)
            read()
            b.branch(done)
        b.position_at_end(done)

    def read_array(self, plan, record, obj, type_, slot, sizes, axis, python) -> None:
        b, off = self.b, self.off
        self.unless(b.icmp_unsigned("==", type_, self.table("ndarray_type")), python)
        rank = self.load_word(record, Plan.RANK)
        nd = b.sext(self.field(obj, off.array_nd, i32), i64)
        self.unless(b.icmp_signed("==", nd, rank), python)
        descr = b.ptrtoint(self.field(obj, off.array_descr, ptr), i64)
        self.unless(
            b.icmp_signed("==", descr, self.load_word(record, Plan.DTYPE)), python
        )
        flags = b.and_(
            self.field(obj, off.array_flags, i32), ir.Constant(i32, _READABLE_FLAGS)
        )
        self.unless(
            b.icmp_signed("==", flags, ir.Constant(i32, _READABLE_FLAGS)), python
        )
        data = self.field(obj, off.array_data, ptr)
        b.store(b.ptrtoint(data, i64), slot)
        dims = self.field(obj, off.array_dims, ptr)
        static = b.add(self.load_word(plan, Plan.STATIC_AT), b.load(axis, typ=i64))

        def size(i):
            n = b.load(b.gep(dims, [i], source_etype=i64), typ=i64)
            want = self.load_word(plan, b.add(static, i))
            free = b.icmp_signed("<", want, ir.Constant(i64, 0))
            self.unless(b.or_(free, b.icmp_signed("==", want, n)), python)
            b.store(n, b.gep(slot, [b.add(i, ir.Constant(i64, 1))], source_etype=i64))
            at = b.load(axis, typ=i64)
            b.store(n, b.gep(sizes, [at], source_etype=i64))
            b.store(b.add(at, ir.Constant(i64, 1)), axis)

        self.for_range(rank, size)

    def read_float64(self, obj, type_, slot, python) -> None:
        b = self.b
        is_float = b.icmp_unsigned("==", type_, self.table("float_type"))
        is_scalar = b.icmp_unsigned("==", type_, self.table("float64_type"))
        self.unless(b.or_(is_float, is_scalar), python)
        offset = b.select(
            is_float,
            ir.Constant(i64, self.off.float_value),
            ir.Constant(i64, self.off.scalar_value),
        )
        value = b.load(b.gep(obj, [offset], source_etype=i8), typ=i64)
        b.store(value, slot)

    def read_float32(self, obj, type_, slot, python) -> None:
        b = self.b
        self.unless(b.icmp_unsigned("==", type_, self.table("float32_type")), python)
        value = b.fpext(self.field(obj, self.off.scalar_value, f32), f64)
        b.store(b.bitcast(value, i64), slot)

    def read_int(self, record, obj, type_, slot, python) -> None:
        b = self.b
        self.unless(b.icmp_unsigned("==", type_, self.table("long_type")), python)
        overflow = self.entry_alloca(i32)
        value = self.call("long_as_long_long_and_overflow", i64, [obj, overflow])
        fits = b.and_(
            b.icmp_signed("==", b.load(overflow, typ=i32), ir.Constant(i32, 0)),
            b.and_(
                b.icmp_signed(">=", value, self.load_word(record, Plan.LOW)),
                b.icmp_signed("<=", value, self.load_word(record, Plan.HIGH)),
            ),
        )
        self.unless(fits, python)
        b.store(value, slot)

    def entry_point(self, plan, sizes, python) -> ir.Value:
        """The entry of the first slot whose sizes are the call's and whose
        epoch is current; to `python` when none."""
        b = self.b
        epoch = b.load(self.table("settings_epoch"), typ=i64)
        axes = self.load_word(plan, Plan.AXES)
        stride = b.add(axes, ir.Constant(i64, 2))
        found = self.entry_alloca(i64)
        b.store(ir.Constant(i64, 0), found)

        def try_slot(s):
            slot = self.word(
                plan, b.add(self.load_word(plan, Plan.SLOTS_AT), b.mul(s, stride))
            )
            entry = self.load_word(slot, 1)
            current = b.icmp_signed("==", self.load_word(slot, 0), epoch)
            wanted = b.and_(
                current,
                b.icmp_signed("==", b.load(found, typ=i64), ir.Constant(i64, 0)),
            )
            with b.if_then(wanted):
                same = self.entry_alloca(i1)
                b.store(ir.Constant(i1, 1), same)

                def compare(i):
                    n = b.load(b.gep(sizes, [i], source_etype=i64), typ=i64)
                    equal = b.icmp_signed(
                        "==", n, self.load_word(slot, b.add(i, ir.Constant(i64, 2)))
                    )
                    b.store(b.and_(b.load(same, typ=i1), equal), same)

                self.for_range(axes, compare)
                b.store(
                    b.select(b.load(same, typ=i1), entry, ir.Constant(i64, 0)), found
                )

        self.for_range(self.load_word(plan, Plan.SLOTS), try_slot)
        entry = b.load(found, typ=i64)
        self.unless(b.icmp_signed("!=", entry, ir.Constant(i64, 0)), python)
        return b.inttoptr(entry, ir.FunctionType(i32, [ptr]).as_pointer())

    def results(self, plan, frame) -> ir.Value:
        """The outputs as NumPy arrays: the only one, or a list; NULL with a
        Python error set when one cannot be made (the data no object owns
        yet is freed)."""
        b = self.b
        count = self.load_word(plan, Plan.OUTPUTS)
        single = b.icmp_signed(
            "!=", self.load_word(plan, Plan.SINGLE), ir.Constant(i64, 0)
        )
        with b.if_then(single):
            b.ret(self.wrap_output(plan, frame, ir.Constant(i64, 0)))
        result = self.call("list_new", ptr, [count])
        with b.if_then(
            b.icmp_unsigned("==", result, ir.Constant(ptr, None)), likely=False
        ):
            self.free_outputs(plan, frame, ir.Constant(i64, 0))
            b.ret(ir.Constant(ptr, None))

        def add(o):
            item = self.wrap_output(plan, frame, o)
            with b.if_then(
                b.icmp_unsigned("==", item, ir.Constant(ptr, None)), likely=False
            ):
                self.free_outputs(plan, frame, b.add(o, ir.Constant(i64, 1)))
                self.call("dec_ref", ir.VoidType(), [result])
                b.ret(ir.Constant(ptr, None))
            self.call("list_set_item", i32, [result, o, item])

        self.for_range(count, add)
        return result

    def free_outputs(self, plan, frame, first) -> None:
        """Free the data of the array outputs from `first` on."""
        b = self.b
        outputs_at = self.load_word(plan, Plan.OUTPUTS_AT)

        def free(o):
            record = self.record(plan, outputs_at, o)
            with b.if_then(
                b.icmp_signed(
                    "==",
                    self.load_word(record, Plan.KIND),
                    ir.Constant(i64, Plan.OUT_ARRAY),
                )
            ):
                data = b.load(
                    self.word(frame, self.load_word(record, Plan.OFFSET)), typ=ptr
                )
                self.call("free", ir.VoidType(), [data])

        count = b.sub(self.load_word(plan, Plan.OUTPUTS), first)
        self.for_range(count, lambda i: free(b.add(i, first)))

    def wrap_output(self, plan, frame, o) -> ir.Value:
        """Output `o` as a new array (NULL on failure, its data freed)."""
        b = self.b
        record = self.record(plan, self.load_word(plan, Plan.OUTPUTS_AT), o)
        kind = self.load_word(record, Plan.KIND)
        slot = self.word(frame, self.load_word(record, Plan.OFFSET))
        result = self.entry_alloca(ptr)
        is_array = b.icmp_signed("==", kind, ir.Constant(i64, Plan.OUT_ARRAY))
        with b.if_else(is_array) as (array, scalar):
            with array:
                b.store(self.wrap_array(record, slot), result)
            with scalar:
                b.store(self.wrap_scalar(record, kind, slot), result)
        return b.load(result, typ=ptr)

    def new_array(self, record, rank, dims, data, flags) -> ir.Value:
        typenum = self.b.trunc(self.load_word(record, Plan.TYPENUM), i32)
        null = ir.Constant(ptr, None)
        zero = ir.Constant(i32, 0)
        return self.call(
            "array_new",
            ptr,
            [
                self.table("ndarray_type"),
                rank,
                dims,
                typenum,
                null,
                data,
                zero,
                ir.Constant(i32, flags),
                null,
            ],
        )

    def wrap_array(self, record, slot) -> ir.Value:
        """An array over the output's data, which a capsule frees with it."""
        b = self.b
        result = self.entry_alloca(ptr)
        data = b.load(slot, typ=ptr)
        rank = b.trunc(self.load_word(record, Plan.RANK), i32)
        dims = b.gep(slot, [ir.Constant(i64, 1)], source_etype=i64)
        array = self.new_array(record, rank, dims, data, _OUTPUT_FLAGS)
        null = ir.Constant(ptr, None)
        b.store(null, result)
        with b.if_else(b.icmp_unsigned("==", array, null)) as (failed, made):
            with failed:
                self.call("free", ir.VoidType(), [data])
            with made:
                owner = self.call("capsule_new", ptr, [data, null, self.destroy])
                with b.if_else(b.icmp_unsigned("==", owner, null)) as (no_owner, owned):
                    with no_owner:
                        self.call("dec_ref", ir.VoidType(), [array])
                        self.call("free", ir.VoidType(), [data])
                    with owned:
                        # steals `owner`, which frees the data when it fails
                        status = self.call("array_set_base", i32, [array, owner])
                        with b.if_else(
                            b.icmp_signed("<", status, ir.Constant(i32, 0))
                        ) as (bad, good):
                            with bad:
                                self.call("dec_ref", ir.VoidType(), [array])
                            with good:
                                b.store(array, result)
        return b.load(result, typ=ptr)

    def wrap_scalar(self, record, kind, slot) -> ir.Value:
        """A 0-d array of the output's dtype holding the frame word."""
        b = self.b
        null = ir.Constant(ptr, None)
        array = self.new_array(record, ir.Constant(i32, 0), null, null, 0)
        with b.if_then(b.icmp_unsigned("!=", array, null)):
            data = self.field(array, self.off.array_data, ptr)
            word = b.load(slot, typ=i64)
            itemsize = self.load_word(record, Plan.ITEMSIZE)
            with b.if_else(
                b.icmp_signed("==", kind, ir.Constant(i64, Plan.OUT_FLOAT))
            ) as (floating, other):
                with floating:
                    value = b.bitcast(word, f64)
                    with b.if_else(
                        b.icmp_signed("==", itemsize, ir.Constant(i64, 8))
                    ) as (double, single):
                        with double:
                            b.store(value, data)
                        with single:
                            b.store(b.fptrunc(value, f32), data)
                with other:
                    is_bool = b.icmp_signed("==", kind, ir.Constant(i64, Plan.OUT_BOOL))
                    word = b.select(
                        is_bool,
                        b.zext(b.icmp_signed("!=", word, ir.Constant(i64, 0)), i64),
                        word,
                    )
                    self.store_int(word, itemsize, data)
        return array

    def store_int(self, word, itemsize, data) -> None:
        """The low `itemsize` bytes of `word` at `data`."""
        b = self.b
        done = b.append_basic_block("stored")
        switch = b.switch(itemsize, done)
        for width in (8, 16, 32, 64):
            block = b.append_basic_block(f"int{width}")
            switch.add_case(ir.Constant(i64, width // 8), block)
            b.position_at_end(block)
            b.store(b.trunc(word, ir.IntType(width)) if width < 64 else word, data)
            b.branch(done)
        b.position_at_end(done)

    def python_call(self, this, args, nargs, kwnames) -> ir.Value:
        """The Python `__call__` bound to `this`, called with the same
        arguments (the bound method puts `this` first without a copy on this
        stack, whatever the number of arguments)."""
        b = self.b
        bound = self.call("method_new", ptr, [self.table("python_call"), this])
        with b.if_then(
            b.icmp_unsigned("==", bound, ir.Constant(ptr, None)), likely=False
        ):
            b.ret(ir.Constant(ptr, None))
        result = self.call("vectorcall", ptr, [bound, args, nargs, kwnames])
        self.call("dec_ref", ir.VoidType(), [bound])
        return result

    def _capsule_destructor(self) -> ir.Function:
        """`free` of the capsule's pointer (the output data it owns)."""
        fn = ir.Function(
            self.module, ir.FunctionType(ir.VoidType(), [ptr]), "scanc_fast_free"
        )
        fn.linkage = "internal"
        saved = self.b
        self.b = ir.IRBuilder(fn.append_basic_block())
        data = self.call(
            "capsule_get_pointer", ptr, [fn.args[0], ir.Constant(ptr, None)]
        )
        self.call("free", ir.VoidType(), [data])
        self.b.ret_void()
        self.b = saved
        return fn
