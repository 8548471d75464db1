"""Calls in about a microsecond: the native `__call__` of compiled functions
(`scanc.codegen.fast_entry`) and the plans that drive it.

A function gets a plan (`FastCalls`) at its second call when it can be served
natively: no shared variables, updates or random generators, and code that
threads may run at once. Each call that Python handles and that ends in code
chosen for good for those argument shapes (the generic code, or a specialized
variant once made; `Variants.settled`) records the shapes and that code in a
slot of the plan; later calls with the same shapes, dtypes and kinds of
arguments run without Python code. A settings change (`scanc.config`) makes
every slot stale until a call through Python records it again.

Off with `config.fast_calls = False` (SCANC_FAST_CALLS=0), and where the
objects' fields are not where `Offsets` expects them (then calls stay in
Python; `available()` says so).
"""

from __future__ import annotations

import ctypes
import sys
import sysconfig
import threading
from functools import cache

import numpy as np

from scanc import config
from scanc.codegen.fast_entry import API, Offsets, Plan
from scanc.runtime.abi import FrameLayout, Param

#: slots per plan (argument shapes served natively at once)
SLOTS = 4

#: the attribute of a function that holds its plan's address (or None)
PLAN_ATTRIBUTE = "_fast_plan"

_METH_FASTCALL, _METH_KEYWORDS = 0x80, 0x2


class _MethodDef(ctypes.Structure):
    _fields_ = [
        ("ml_name", ctypes.c_char_p),
        ("ml_meth", ctypes.c_void_p),
        ("ml_flags", ctypes.c_int),
        ("ml_doc", ctypes.c_char_p),
    ]


def _object_field(obj, offset: int, ctype):
    return ctype.from_address(id(obj) + offset).value


def offsets() -> Offsets | None:
    """Where the entry reads the fields of Python's and NumPy's objects, each
    checked on a live object; None when one is not where expected."""
    header = object.__basicsize__
    found = Offsets(
        ob_type=header - 8,
        float_value=header,
        scalar_value=header,
        array_data=header,
        array_nd=header + 8,
        array_dims=header + 16,
        array_descr=header + 40,
        array_flags=header + 48,
    )
    return found if _offsets_hold(found) else None


def _offsets_hold(o: Offsets) -> bool:
    probe = np.empty((3, 5))
    view = probe[:, ::2]
    dims = _object_field(probe, o.array_dims, ctypes.c_void_p)
    flags = [_object_field(a, o.array_flags, ctypes.c_int) for a in (probe, view)]
    return (
        _object_field(probe, o.ob_type, ctypes.c_void_p) == id(np.ndarray)
        and _object_field(1.5, o.float_value, ctypes.c_double) == 1.5
        and _object_field(np.float64(2.5), o.scalar_value, ctypes.c_double) == 2.5
        and _object_field(np.float32(3.5), o.scalar_value, ctypes.c_float) == 3.5
        and _object_field(probe, o.array_data, ctypes.c_void_p) == probe.ctypes.data
        and _object_field(probe, o.array_nd, ctypes.c_int) == 2
        and list((ctypes.c_int64 * 2).from_address(dims)) == [3, 5]
        and _object_field(probe, o.array_descr, ctypes.c_void_p) == id(probe.dtype)
        and [f & 0x101 for f in flags] == [0x101, 0x100]
    )


class _Native:
    """The loaded entry: its method descriptor and the address table it reads."""

    def __init__(self, entry: int, set_api: int, python_call):
        self.name = PLAN_ATTRIBUTE  # kept alive: the table points at it
        self.python_call = python_call
        self.api = (ctypes.c_void_p * len(API))(*self._addresses())
        ctypes.CFUNCTYPE(None, ctypes.c_void_p)(set_api)(ctypes.addressof(self.api))
        self.method = _MethodDef(
            b"__call__",
            entry,
            _METH_FASTCALL | _METH_KEYWORDS,
            b"Call the compiled function.",
        )

    def _addresses(self) -> list[int]:
        api = ctypes.pythonapi
        numpy_api = ctypes.cast(
            _capsule_pointer(_multiarray()._ARRAY_API),
            ctypes.POINTER(ctypes.c_void_p),
        )
        libc_free = ctypes.CDLL(None).free
        function = lambda name: ctypes.cast(getattr(api, name), ctypes.c_void_p).value  # noqa: E731
        table = {
            "ndarray_type": id(np.ndarray),
            "float_type": id(float),
            "float64_type": id(np.float64),
            "float32_type": id(np.float32),
            "long_type": id(int),
            "long_as_long_long_and_overflow": function("PyLong_AsLongLongAndOverflow"),
            "save_thread": function("PyEval_SaveThread"),
            "restore_thread": function("PyEval_RestoreThread"),
            "get_attr": function("PyObject_GetAttr"),
            "plan_attribute": id(self.name),
            "dec_ref": function("Py_DecRef"),
            "long_as_void_ptr": function("PyLong_AsVoidPtr"),
            "err_clear": function("PyErr_Clear"),
            "array_new": numpy_api[93],
            "array_set_base": numpy_api[282],
            "capsule_new": function("PyCapsule_New"),
            "capsule_get_pointer": function("PyCapsule_GetPointer"),
            "free": ctypes.cast(libc_free, ctypes.c_void_p).value,
            "list_new": function("PyList_New"),
            "list_set_item": function("PyList_SetItem"),
            "vectorcall": function("PyObject_Vectorcall"),
            "method_new": function("PyMethod_New"),
            "none": id(None),
            "python_call": id(self.python_call),
            "settings_epoch": ctypes.addressof(config.settings_epoch),
        }
        return [table[name] for name in API]

    def descriptor(self, cls: type):
        new = ctypes.pythonapi.PyDescr_NewMethod
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.py_object, ctypes.POINTER(_MethodDef)]
        return new(cls, ctypes.byref(self.method))


def _multiarray():
    """NumPy's C module (`numpy._core` from NumPy 2, `numpy.core` before)."""
    core = getattr(np, "_core", None) or np.core
    return core._multiarray_umath


def _capsule_pointer(capsule) -> int:
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get(capsule, None)


_INSTALL_LOCK = threading.Lock()
_installed: dict[type, _Native] = {}


def available() -> bool:
    """Whether calls can be served natively in this process (free-threaded
    Pythons and unexpected object layouts keep them in Python)."""
    return (
        config.fast_calls
        and not sysconfig.get_config_var("Py_GIL_DISABLED")
        and sys.byteorder == "little"
        and _checked_offsets() is not None
    )


@cache
def _checked_offsets() -> Offsets | None:
    return offsets()


def install(cls: type, python_call) -> bool:
    """Make the native entry `cls.__call__` (once), falling back to
    `python_call(self, *args, **kwargs)`; whether it is installed."""
    if not available():
        return False
    with _INSTALL_LOCK:
        if cls not in _installed:
            from scanc.runtime import jit

            entry, set_api = jit.load_fast_entry(_checked_offsets())
            native = _installed[cls] = _Native(entry, set_api, python_call)
            cls.__call__ = native.descriptor(cls)
    return True


def _param_kind(param: Param) -> int:
    if param.generator:
        return Plan.UNSUPPORTED
    if param.rank:
        return Plan.ARRAY
    if param.dtype == np.float64:
        return Plan.FLOAT64
    if param.dtype == np.float32:
        return Plan.FLOAT32
    if param.dtype.kind in "iu" and param.dtype.itemsize <= 8:
        return Plan.INT
    return Plan.UNSUPPORTED


def wrappable(outputs: list[Param]) -> bool:
    """Whether the entry can make every output: floats of 4 or 8 bytes,
    integers of 1 to 8, bools (what it stores a rank-0 output as)."""
    sizes = {"f": (4, 8), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8), "b": (1,)}
    return all(p.dtype.itemsize in sizes.get(p.dtype.kind, ()) for p in outputs)


def _output_kind(param: Param) -> int:
    if param.rank:
        return Plan.OUT_ARRAY
    return {"f": Plan.OUT_FLOAT, "b": Plan.OUT_BOOL}.get(param.dtype.kind, Plan.OUT_INT)


def _builtin(dtype: np.dtype) -> np.dtype:
    """NumPy's own object for `dtype` (arrays of a built-in dtype point at it;
    an unpickled dtype is a copy), alive as long as NumPy is."""
    return np.dtype(dtype.char)


class FastCalls:
    """The plan of one function (see `scanc.codegen.fast_entry.Plan`)."""

    def __init__(
        self,
        params: list[Param],
        outputs: list[Param],
        layout: FrameLayout,
        single: bool,
    ):
        self.axes = sum(p.rank for p in params)
        at_outputs = Plan.HEADER + Plan.RECORD * len(params)
        at_static = at_outputs + Plan.RECORD * len(outputs)
        at_slots = at_static + self.axes
        self.words = np.zeros(at_slots + SLOTS * (2 + self.axes), dtype=np.int64)
        self.address = self.words.ctypes.data
        header = {
            Plan.PARAMS: len(params),
            Plan.FRAME: layout.size,
            Plan.OUTPUTS: len(outputs),
            Plan.SINGLE: int(single),
            Plan.SLOTS: SLOTS,
            Plan.AXES: self.axes,
            Plan.OUTPUTS_AT: at_outputs,
            Plan.STATIC_AT: at_static,
            Plan.SLOTS_AT: at_slots,
        }
        for index, value in header.items():
            self.words[index] = value
        self._describe_params(params, layout, Plan.HEADER, at_static)
        self._describe_outputs(outputs, layout, at_outputs)
        self.slots = self.words[at_slots:].reshape(SLOTS, 2 + self.axes)
        self.next_slot = 0

    def _describe_params(self, params, layout, at: int, at_static: int) -> None:
        axis = at_static
        for n, (param, slot) in enumerate(zip(params, layout.inputs)):
            record = self.words[at + Plan.RECORD * n :]
            record[Plan.KIND] = _param_kind(param)
            record[Plan.DTYPE] = id(_builtin(param.dtype))
            record[Plan.RANK] = param.rank
            record[Plan.OFFSET] = slot.offset
            if param.dtype.kind in "iu" and not param.rank:
                low, high = param.int_range
                record[Plan.LOW], record[Plan.HIGH] = low, min(high, 2**63 - 1)
            for size in param.shape:
                self.words[axis] = -1 if size is None else size
                axis += 1

    def _describe_outputs(self, outputs, layout, at: int) -> None:
        for n, (param, slot) in enumerate(zip(outputs, layout.outputs)):
            record = self.words[at + Plan.RECORD * n :]
            record[Plan.KIND] = _output_kind(param)
            record[Plan.TYPENUM] = param.dtype.num
            record[Plan.RANK] = param.rank
            record[Plan.OFFSET] = slot.offset
            record[Plan.ITEMSIZE] = param.dtype.itemsize

    @property
    def served(self) -> int:
        """Calls served natively so far."""
        return int(self.words[Plan.SERVED])

    def record(self, arrays: list, entry: int) -> None:
        """Serve calls whose arrays have the shapes of `arrays` by the code at
        `entry`, from now until the settings change."""
        sizes = [n for a in arrays if getattr(a, "ndim", 0) for n in a.shape]
        if len(sizes) != self.axes:
            return
        epoch = config.settings_epoch.value
        row = [epoch, entry, *sizes]
        for slot in self.slots:
            if slot.tolist() == row:
                return
        self.slots[self.next_slot] = row
        self.next_slot = (self.next_slot + 1) % SLOTS
