"""`SCANC_CHECK_BOUNDS=1` (`config.check_bounds`): every load, store and view of
the compiled code checks its indices, so a lowering defect that would read or
write outside a buffer raises RuntimeError instead. The loops-stage functions
below index without the checks lowering writes, as a defect would."""

import numpy as np
import pytest
from xdsl.parser import Parser

from scanc import config, pipeline
from scanc.runtime.abi import Param
from scanc.runtime.call import NativeFunction
from scanc.runtime.jit import load

LOAD = """
func.func @element(%A: memref<?xf64>, %i: i64) -> f64 {
  %j = arith.index_cast %i : i64 to index
  %x = memref.load %A[%j] : memref<?xf64>
  func.return %x : f64
}
"""

VIEW = """
func.func @view_sum(%A: memref<?xf64>, %i: i64) -> f64 {
  %j = arith.index_cast %i : i64 to index
  %two = arith.constant 2 : index
  %one = arith.constant 1 : index
  %v = memref.subview %A[%j] [%two] [%one]
      : memref<?xf64> to memref<?xf64, strided<[?], offset: ?>>
  %zero = arith.constant 0 : index
  %x = memref.load %v[%zero] : memref<?xf64, strided<[?], offset: ?>>
  func.return %x : f64
}
"""


def compiled(text: str, name: str, check: bool, monkeypatch) -> NativeFunction:
    monkeypatch.setattr(config, "check_bounds", check)
    module = Parser(pipeline.context(), text).parse_module()
    result = pipeline.run_codegen(module)
    address = load(result.optimized, [name])[name]
    emitted = result.functions[0]
    params = [
        Param("A", np.dtype("float64"), (None,)),
        Param("i", np.dtype("int64"), ()),
    ]
    out = [Param("x", np.dtype("float64"), ())]
    return NativeFunction(address, emitted.layout, emitted.checks, params, out, name)


@pytest.mark.parametrize("text, name", [(LOAD, "element"), (VIEW, "view_sum")])
def test_an_index_outside_the_buffer_raises(text, name, monkeypatch):
    f = compiled(text, name, True, monkeypatch)
    data = np.arange(4.0)
    assert f([data, 2])[0] == 2.0
    for outside in (4, -1, 2**40):
        with pytest.raises(RuntimeError, match="out-of-bounds access"):
            f([data, outside])


def test_off_by_default(monkeypatch):
    f = compiled(LOAD, "element", False, monkeypatch)
    assert not any("out-of-bounds" in check for check in f.checks)
