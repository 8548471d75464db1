"""`scanc.function`: clone the graph slice into a `func.func` and compile it."""

from __future__ import annotations

import functools
import pickle

import threading
import time

from scanc import config, cuda, pipeline
from scanc.runtime.cuda_launch import GpuFunction
from scanc.codegen.target import host
from scanc.frontend import shared_code
from scanc.frontend.signature import (
    as_output,
    build_module,
    check_inputs,
    check_unused,
    default_updates,
    param,
    fresh_symbol,
    target_of,
)
from scanc.frontend.replace import clone_replace
from scanc.frontend.io import unwrap_inputs, unwrap_outputs
from scanc.frontend.shared import checked_updates
from scanc.frontend.specialization import Variants, small_sizes
from scanc.passes.specialize_shapes import SpecializeShapesPass, format_shapes
from scanc.runtime import fast_calls
from scanc.runtime.call import NativeFunction
from scanc.runtime.fast_calls import FastCalls
from scanc.runtime.generators import as_generator
from scanc.runtime.inputs import check_shared_value, convert_input
from scanc.runtime.jit import load, load_kernel_library, load_object
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.parser import Parser

#: callbacks `hook(name, stage, module_text)` that `scanc dump` installs
dump_hooks: list = []


class Function:
    """A compiled function; call it with numpy arrays or Python values.

    From its second call, a function without shared variables or random
    generators is called through a native entry (`scanc.runtime.fast_calls`)
    for the argument kinds and shapes it has seen; everything else takes
    `_call`, which that entry also falls back to."""

    #: the address of the native entry's plan, or None (read by the entry)
    _fast_plan = None

    def __init__(
        self,
        inputs,
        outputs,
        *,
        name=None,
        allow_input_downcast=None,
        on_unused_input="raise",
        optimize=True,
        updates=None,
        no_default_updates=False,
        target=None,
        defaults=None,
        input_names=None,
    ):
        self.target = target_of(target)
        self.inputs = check_inputs(inputs)
        #: values of the inputs a call may omit, by position (`In(x, value=...)`)
        self.defaults = dict(defaults or {})
        self.single = outputs is not None and not isinstance(outputs, (list, tuple))
        out_list = (
            [] if outputs is None else ([outputs] if self.single else list(outputs))
        )
        self.outputs = [as_output(o) for o in out_list]
        self.updates = checked_updates(updates, "function")
        if not no_default_updates:
            self.updates += default_updates(self.outputs, self.updates)
        self.allow_input_downcast = allow_input_downcast
        self.name = fresh_symbol(name)
        computed = self.outputs + [expr for _, expr in self.updates]
        module, self.shared_inputs = build_module(self.inputs, computed, self.name)
        check_unused(module, self.inputs, on_unused_input)
        self.optimize = optimize
        names = input_names or [v.name for v in self.inputs]
        self.params = [
            param(v, name or f"input {n}")
            for n, (v, name) in enumerate(zip(self.inputs, names))
        ]
        self.all_params = self.params + [
            param(v, v.name or "shared") for v in self.shared_inputs
        ]
        self.out_params = [
            param(v, v.name or f"output {n}") for n, v in enumerate(computed)
        ]
        self.updated = [var for var, _ in self.updates]
        self.generator_outputs = any(p.generator for p in self.out_params)
        self._build(module)

    def _build(self, module: ModuleOp, text: str | None = None) -> None:
        """Compile the graph-stage `module` (`text`: its name-free text, when
        known), keeping a copy of it (compiling rewrites `module` in place) for
        variants and pickling."""
        self.graph = module.clone()
        start = time.perf_counter()
        self.native = self._compile(module, self.name, text)
        takes_arrays = any(p.rank for p in self.all_params)
        self.variants = Variants(
            self._specialized, time.perf_counter() - start, takes_arrays
        )
        self._fast: FastCalls | None = None
        self._python_calls = 0

    def __reduce__(self):
        """A function pickles as its graph-stage IR and its signature, and is
        compiled again where it is unpickled (shared variables travel with their
        values, as copies)."""
        state = {
            "graph": self._graph_text,
            "name": self.name,
            "optimize": self.optimize,
            "single": self.single,
            "params": self.params,
            "all_params": self.all_params,
            "out_params": self.out_params,
            "shared_inputs": self.shared_inputs,
            "updated": self.updated,
            "generator_outputs": self.generator_outputs,
            "allow_input_downcast": self.allow_input_downcast,
            "defaults": self.defaults,
            # the host where it is unpickled, unless a target was given
            "target": None if self.target == host() else self.target,
        }
        return _unpickled_function, (state,)

    @functools.cached_property
    def _graph_text(self) -> str:
        """The graph printed once (a function shipped with every task of a
        cluster is pickled many times)."""
        return str(self.graph)

    def _compile(
        self, module: ModuleOp, name: str, text: str | None = None
    ) -> NativeFunction:
        """The native function of `module`: machine code compiled before for an
        identical graph (`scanc.frontend.shared_code`: in this process or in the
        compile cache), else compiled now."""
        reentrant = not shared_code.keeps_buffers(module)
        shareable = reentrant and not dump_hooks and not self.target.is_gpu
        key = (
            shared_code.key(module, self.optimize, self.target, text)
            if shareable
            else None
        )
        code = shared_code.find(key)
        if code is None:
            code = self._compile_code(module, name, reentrant, key)
        return NativeFunction(
            code.address,
            code.layout,
            code.checks,
            self.all_params,
            self.out_params,
            name,
            code.reentrant,
        )

    def _compile_code(
        self, module: ModuleOp, name: str, reentrant: bool, key: str | None
    ) -> shared_code.Code:
        """Run the pipeline on `module`; shared code (a `key`) is compiled under
        the key's symbol, loaded from object code and kept for sharing."""
        for hook in dump_hooks:
            hook(name, "graph", str(module))
        symbol = name if key is None else shared_code.symbol(key)
        fn = next(iter(module.ops))
        assert isinstance(fn, func.FuncOp)
        fn.sym_name = StringAttr(symbol)
        compiled = pipeline.compile_module(
            module,
            optimize_graph=self.optimize,
            hooks=dump_hooks,
            name=name,
            target=self.target,
        )
        emitted = compiled.functions[0]
        if self.target.is_gpu:
            #: the PTX of the function's kernel (a call needs `scanc.cuda`)
            self.ptx = compiled.assembly()
            return shared_code.Code(0, emitted.layout, emitted.checks, reentrant)
        kernels = self.target if emitted.uses_kernels else None
        if kernels is not None:
            load_kernel_library(kernels)
        if key is None:
            address = load(compiled.optimized, [symbol])[symbol]
            return shared_code.Code(address, emitted.layout, emitted.checks, reentrant)
        object_code = compiled.object_code()
        address = load_object(object_code, symbol)
        code = shared_code.Code(address, emitted.layout, emitted.checks, reentrant)
        shared_code.keep(key, code, object_code, kernels)
        return code

    def _specialized(self, shapes: tuple) -> NativeFunction:
        """A variant of the function for arrays with the given known sizes."""
        assert self.graph is not None  # only functions of arrays have variants
        module = self.graph.clone()
        fn = next(iter(module.ops))
        assert isinstance(fn, func.FuncOp)
        name = fresh_symbol(f"{self.name}_variant")
        fn.sym_name = StringAttr(name)
        SpecializeShapesPass(format_shapes(list(shapes))).apply(
            pipeline.context(), module
        )
        return self._compile(module, name)

    def specialize(self, *args) -> None:
        """Compile now the variant for the small sizes of these inputs (which
        otherwise comes when calls with those sizes have run as long as
        compiling took); see `scanc.frontend.specialization`."""
        arrays = self._arrays(args, {})
        key = small_sizes(arrays, config.specialize_max_size)
        if key is not None:
            self.variants.make(key)

    def _call(self, *args, **kwargs):
        arrays = self._arrays(args, kwargs)
        if self.target.is_gpu:
            results = self._on_gpu(arrays)
        else:
            results = self.variants(arrays, self.native)
            if self._servable_natively and config.fast_calls:
                self._serve_natively(arrays)
        if self.updated:
            n = len(results) - len(self.updated)
            # every output exists before any shared value changes: a failed call
            # raised above and changed nothing; the updates land together
            with SHARED_VALUES:
                for var, value in zip(self.updated, results[n:]):
                    var.store_raw(value)
            results = results[:n]
        if self.generator_outputs:
            results = [
                as_generator(r) if p.generator else r
                for r, p in zip(results, self.out_params)
            ]
        return results[0] if self.single else results

    __call__ = _call

    def _on_gpu(self, arrays: list) -> list:
        """Run the kernel through `scanc.cuda`'s driver (loaded at the first
        call, again when the driver changes)."""
        driver = cuda.driver(self.name)
        if getattr(self, "_gpu", None) is None or self._gpu.driver is not driver:
            native = self.native
            self._gpu = GpuFunction(
                driver,
                self.ptx,
                native.layout,
                native.checks,
                self.all_params,
                self.out_params,
                self.name,
                self.target.block_threads,
            )
        return self._gpu(arrays)

    @functools.cached_property
    def _servable_natively(self) -> bool:
        """Whether a call may skip Python (nothing to read or update around
        the native code, which threads may run at once)."""
        return (
            not self.shared_inputs
            and not self.updated
            and not self.generator_outputs
            and not any(p.generator for p in self.params)
            and fast_calls.wrappable(self.out_params)
            and self.native.lock is None
        )

    def _serve_natively(self, arrays: list) -> None:
        """Record, for the native entry, the code that serves calls with the
        shapes of `arrays` (from the second call on)."""
        if self._fast is None:
            self._python_calls += 1
            if self._python_calls < 2 or not fast_calls.install(
                Function, Function._call
            ):
                return
            with _FAST_PLANS:  # made once: a native call may be reading it
                if self._fast is None:
                    self._fast = FastCalls(
                        self.params, self.out_params, self.native.layout, self.single
                    )
                    self._fast_plan = self._fast.address
        native = self.variants.settled(arrays, self.native)
        if native is not None:
            self._fast.record(arrays, native.address)

    @property
    def native_calls(self) -> int:
        """How many calls the native entry served without Python code."""
        return 0 if self._fast is None else self._fast.served

    def _arrays(self, args: tuple, kwargs: dict) -> list:
        """The checked inputs followed by the shared variables' values."""
        if kwargs or (self.defaults and len(args) < len(self.params)):
            args = (*args, *self._keyword_args(kwargs, len(args)))
        params = self.params
        if len(args) != len(params):
            names = ", ".join(p.name for p in params) or "none"
            raise TypeError(
                f"function {self.name!r} takes {len(params)} inputs ({names}), "
                f"got {len(args)}"
            )
        allow = self.allow_input_downcast
        device = self.target.is_gpu
        arrays = [
            a if device and cuda.is_device_array(a) else convert_input(a, p, allow)
            for a, p in zip(args, params)
        ]
        if self.shared_inputs:
            shared_params = self.all_params[len(params) :]
            with SHARED_VALUES:  # a snapshot: no other call's updates half applied
                values = [var.raw_value() for var in self.shared_inputs]
            arrays += [check_shared_value(v, p) for v, p in zip(values, shared_params)]
        return arrays

    def _keyword_args(self, kwargs: dict, given: int) -> list:
        names = [p.name for p in self.params]
        extra = []
        for n, name in enumerate(names[given:], given):
            if name in kwargs:
                extra.append(kwargs.pop(name))
            elif n in self.defaults:
                extra.append(self.defaults[n])
            else:
                raise TypeError(f"function {self.name!r}: missing input {name!r}")
        if kwargs:
            raise TypeError(f"function {self.name!r}: unknown inputs {sorted(kwargs)}")
        return extra


@functools.lru_cache(maxsize=64)
def _parsed(graph: str) -> tuple[ModuleOp, str]:
    """The module of a pickled function's graph and its name-free text, made
    once per process: a worker that receives the same function with every
    task parses and prints it once (xDSL takes 1-2 ms per op for each)."""
    module = Parser(pipeline.context(), graph).parse_module()
    return module, shared_code.name_free_text(module)


#: held while a call reads the shared variables' values and while it stores
#: its updates (not while it runs): each call sees every other call's updates
#: whole or not at all
SHARED_VALUES = threading.Lock()

#: held while a function makes its native-call plan
_FAST_PLANS = threading.Lock()


def _unpickled_function(state: dict) -> Function:
    """A pickled `Function`: one without shared variables (a pure function of
    its inputs) is the same object for every copy unpickled in this process
    (a worker receiving it with every task builds it once); one with them is
    a new function with its own copies of their values."""
    if state["shared_inputs"]:
        return _rebuilt(state)
    return _pure_function(pickle.dumps(state))


@functools.lru_cache(maxsize=64)
def _pure_function(state: bytes) -> Function:
    return _rebuilt(pickle.loads(state))


def _rebuilt(state: dict) -> Function:
    """The function of a pickled state, compiled again under a name of this
    process (or found compiled in this process or in the compile cache)."""
    f = Function.__new__(Function)
    graph = state.pop("graph")
    f.__dict__.update(state)
    f.name = fresh_symbol(state["name"])
    f.target = state["target"] or host()
    parsed, text = _parsed(graph)
    module = parsed.clone()
    fn = next(iter(module.ops))
    assert isinstance(fn, func.FuncOp)
    fn.sym_name = StringAttr(f.name)
    f._build(module, text)
    return f


def _given(outputs, updates, givens):
    """`outputs` and the new values of `updates` with `givens` substituted."""
    single = outputs is not None and not isinstance(outputs, (list, tuple))
    outs = [] if outputs is None else ([outputs] if single else list(outputs))
    pairs = checked_updates(updates, "function")
    replaced = clone_replace([*outs, *(expr for _, expr in pairs)], givens)
    new_outputs = replaced[0] if single else replaced[: len(outs)]
    new_updates = [(var, expr) for (var, _), expr in zip(pairs, replaced[len(outs) :])]
    return (None if outputs is None else new_outputs), new_updates


def function(
    inputs,
    outputs=None,
    updates=None,
    givens=None,
    mode=None,
    name=None,
    allow_input_downcast=None,
    on_unused_input="raise",
    no_default_updates=False,
    target=None,
    **kwargs,
) -> Function:
    """Compile `outputs` as a function of `inputs` (PyTensor's `function`).

    `mode="FAST_COMPILE"` skips the graph optimization passes (the `opt` stage);
    results are the same, only speed and memory differ. Without a `mode`,
    `scanc.config.mode` (`SCANC_MODE`) says which. The names of PyTensor's
    backends are accepted as FAST_RUN (see `get_mode`).

    `target`: the machine to compile for, a `scanc.Target` or `"cpu"` (the CPU
    this process runs on, `scanc.host()`); None (the default) is the innermost
    `with scanc.default_target(t):` block's target, else the host. A `Target` made
    with `scanc.host().with_(...)` changes the crossovers the lowering uses (which
    products call BLAS or a kernel, which matrices are packed); results are the
    same. There is no GPU target yet.
    """
    inputs, input_names, defaults = unwrap_inputs(inputs)
    outputs = unwrap_outputs(outputs)
    if givens:
        outputs, updates = _given(outputs, updates, givens)
    unknown = set(kwargs) - {
        "profile",
        "accept_inplace",
        "rebuild_strict",
        "trust_input",
    }
    if unknown:
        raise TypeError(f"function: unexpected arguments {sorted(unknown)}")
    mode = get_mode(mode)
    return Function(
        inputs,
        outputs,
        name=name,
        allow_input_downcast=allow_input_downcast,
        on_unused_input=on_unused_input,
        optimize=mode != "FAST_COMPILE",
        updates=updates,
        no_default_updates=no_default_updates,
        target=target,
        defaults=defaults,
        input_names=input_names,
    )


#: PyTensor's mode names for its backends and linkers: scanc compiles all of
#: them itself, with the graph passes on
BACKEND_MODES = (
    "C",
    "CVM",
    "VM",
    "NUMBA",
    "JAX",
    "PYTORCH",
    "MLX",
    "DebugMode",
    "Mode",
)


def get_mode(mode=None) -> str:
    """PyTensor's `get_mode`: the mode `function` and `scan` compile with,
    "FAST_RUN" (graph passes on) or "FAST_COMPILE" (off); None is
    `scanc.config.mode`, and PyTensor's backend names mean FAST_RUN."""
    if mode is None:
        mode = config.mode
    if mode in BACKEND_MODES:
        return "FAST_RUN"
    if mode not in ("FAST_RUN", "FAST_COMPILE"):
        raise ValueError(
            f"unknown mode {mode!r}: FAST_RUN, FAST_COMPILE or one of PyTensor's "
            f"backends {BACKEND_MODES} (compiled as FAST_RUN)"
        )
    return mode
