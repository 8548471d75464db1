"""Variants of a compiled function for the small sizes it is called with.

A function is compiled once for arrays of any size. Loops over small sizes are
mostly overhead there: a 2x2 matrix-vector product is a loop nest with a
trip count of 2 known only at run time. When a function keeps being called with
arrays whose sizes are small (at most `config.specialize_max_size`), it compiles
a variant in which those sizes are constants (the `specialize-shapes` pass: LLVM
then unrolls and vectorizes those loops) and calls it whenever the arrays have
them; larger sizes stay free, so a variant for (T, 2) arrays serves every T.

When, by `config.specialize`:
- "auto" (default): once the calls with the same small sizes have spent as long
  in the generic code as compiling the function took (the rule of tiered JIT
  compilers: specializing never costs more than the calls it speeds up);
- "eager": at the first call with new small sizes (as JAX compiles for every
  new shape);
- "off": never.
At most `MAX_VARIANTS` variants per function; other calls use the generic code.
A variant that fails to compile is not tried again; the generic code serves
those calls, and a `SpecializationWarning` reports the failure once the generic
code has handled such a call.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable

from scanc import config
from scanc.passes.specialize_shapes import Shape
from scanc.runtime.call import NativeFunction

MAX_VARIANTS = 8
MAX_REMEMBERED_SHAPES = 256

Key = tuple[Shape, ...]


class SpecializationWarning(UserWarning):
    """A specialized variant could not be compiled; the generic code is used."""


def small_sizes(arrays: list, limit: int) -> Key | None:
    """Per array, its sizes up to `limit` (larger ones as None); None when no
    array has a small size."""
    key = tuple(_small(array, limit) for array in arrays)
    return key if any(shape is not None for shape in key) else None


def _small(array, limit: int) -> Shape:
    shape = getattr(array, "shape", ())
    dims = tuple(d if d <= limit else None for d in shape)
    return dims if any(d is not None for d in dims) else None


class Variants:
    """The specialized variants of one function, made by `compile(key)`."""

    #: variants compiled in this process, by every function (for reports)
    made = 0

    def __init__(
        self,
        compile: Callable[[Key], NativeFunction],
        compile_seconds: float,
        takes_arrays: bool = True,
    ):
        self.compile = compile
        self.takes_arrays = takes_arrays  # without arrays, there is nothing to do
        self.compile_seconds = compile_seconds
        self.native: dict[Key, NativeFunction | None] = {}  # None: failed
        self.spent: dict[Key, float] = {}
        self.failures: dict[Key, Exception] = {}  # not reported yet
        self.keys: dict[tuple, Key | None] = {}
        self.lock = threading.Lock()

    def __call__(self, arrays: list, generic: NativeFunction) -> list:
        mode = config.specialize
        if mode == "off" or not self.takes_arrays:
            return generic(arrays)
        key = self._key(arrays)
        if key is None:
            return generic(arrays)
        variant = self.native.get(key)
        if variant is None and key not in self.native and self._due(key, mode):
            variant = self.make(key)
        if variant is not None:
            return variant(arrays)
        start = time.perf_counter()
        results = generic(arrays)
        self.spent[key] = self.spent.get(key, 0.0) + time.perf_counter() - start
        if key in self.failures:
            self._report(key)
        return results

    def settled(self, arrays: list, generic: NativeFunction) -> NativeFunction | None:
        """The code that will serve every later call with the shapes of
        `arrays` under the current settings, with nothing left to count or
        report; None while that is still open (a variant not made yet)."""
        if config.specialize == "off" or not self.takes_arrays:
            return generic
        key = self._key(arrays)
        if key is None:
            return generic
        if key in self.native and key not in self.failures:
            return self.native[key] or generic
        return None

    def _key(self, arrays: list) -> Key | None:
        """`small_sizes`, remembered for the exact shapes of the call."""
        shapes = tuple([getattr(a, "shape", None) for a in arrays])
        limit = config.specialize_max_size
        try:
            return self.keys[shapes, limit]
        except KeyError:
            if len(self.keys) >= MAX_REMEMBERED_SHAPES:
                self.keys.clear()
            key = self.keys[shapes, limit] = small_sizes(arrays, limit)
            return key

    def _due(self, key: Key, mode: str) -> bool:
        return mode == "eager" or self.spent.get(key, 0.0) >= self.compile_seconds

    def make(self, key: Key) -> NativeFunction | None:
        with self.lock:
            if key not in self.native and len(self.native) < MAX_VARIANTS:
                try:
                    self.native[key] = self.compile(key)
                    Variants.made += 1
                except Exception as exc:  # an optimization must not break the call
                    self.native[key] = None
                    self.failures[key] = exc
            return self.native.get(key)

    def _report(self, key: Key) -> None:
        """Warn about a variant that failed to compile for sizes the generic code
        handles. (Sizes it rejects, such as a product of a 2x3 and a 4x2 matrix,
        fail the variant too: the call's own error says what is wrong.)"""
        exc = self.failures.pop(key)
        warnings.warn(
            f"could not compile a variant for sizes {key}: {exc}; the generic "
            "code is used",
            SpecializationWarning,
            stacklevel=4,
        )
