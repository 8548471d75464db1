"""A differential fuzzer: random programs run by scanc and by NumPy, compared.

    python3 tools/dev.py fuzz --minutes N [--seed S]

Each program is Python source over a namespace `T` and its inputs: op chains
over random shapes (sizes 0 and 1 included) and dtypes, slices with negative
steps, index arrays with repeated and negative entries, boolean masks,
set/inc_subtensor, products of every rank pair, and scans with random taps,
`n_steps`, `go_backwards` and `until`. scanc runs it with `T` = `scanc.tensor`
(compiled, passes on or off by the seed); NumPy with `T` = `NumpyOps`, a
reference interpreter of the same names. A float program ending in a scalar
also has its gradient checked against central finite differences.

Programs run in batches in child processes, so a crash is caught: the parent
reports the program the child was running and goes on with the next seed.
Batches alternate between settings (`CONFIGURATIONS`): shape-specialized
variants made at the first call or not, and `SCANC_CHECK_BOUNDS=1`, which
makes every load, store and view of the compiled code check its indices, so an
out-of-bounds access is reported even where it would not crash. Inputs are
passed as non-contiguous views now and then.
Every report prints the seed and the program, which reproduce it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import traceback

import numpy as np

FLOAT_UNARY = ["T.tanh({})", "T.exp(-abs({}))", "T.sin({})", "abs({})", "-({})"]
FLOAT_BINARY = ["({} + {})", "({} - {})", "({} * {})", "T.maximum({}, {})"]


class Program:
    """One random program: `source` defines `out` from the inputs `names`."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.lines: list[str] = []
        self.inputs: dict[str, np.ndarray] = {}
        self.mode = "FAST_RUN" if self.rng.random() < 0.5 else "FAST_COMPILE"
        kind = self.rng.choice(["chain", "chain", "scan", "nested", "int"])
        getattr(self, f"_{kind}")()
        self.source = "\n".join(self.lines)

    # -- pieces ------------------------------------------------------------------------
    def _size(self) -> int:
        return int(self.rng.choice([0, 1, 1, 2, 3, 4, 5, 7]))

    def _input(self, shape, dtype="float64") -> str:
        name = f"x{len(self.inputs)}"
        if dtype.startswith("float"):
            value = self.rng.uniform(-1.5, 1.5, shape).astype(dtype)
        else:
            info = np.iinfo(dtype) if dtype != "bool" else None
            low, high = (
                (0, 2) if info is None else (max(info.min, -50), min(info.max, 50))
            )
            value = self.rng.integers(low, high, shape).astype(dtype)
        self.inputs[name] = value
        return name

    def _emit(self, expr: str) -> str:
        name = f"v{len(self.lines)}"
        self.lines.append(f"{name} = {expr}")
        return name

    def _slice(self, size: int) -> str:
        step = int(self.rng.choice([1, 2, -1, -2, 3, -3]))
        start = (
            int(self.rng.integers(-size - 1, size + 2))
            if self.rng.random() < 0.5
            else None
        )
        stop = (
            int(self.rng.integers(-size - 1, size + 2))
            if self.rng.random() < 0.5
            else None
        )
        fmt = lambda v: "" if v is None else str(v)  # noqa: E731
        return f"{fmt(start)}:{fmt(stop)}:{step}"

    # -- kinds -------------------------------------------------------------------------
    def _chain(self) -> None:
        shape = (self._size(), self._size())
        dtype = "float32" if self.rng.random() < 0.25 else "float64"
        v = self._input(shape, dtype)
        other = self._input(shape, dtype)
        for _ in range(int(self.rng.integers(1, 6))):
            if not shape:  # a scalar: nothing more to index or multiply
                break
            v, shape = self._step(v, shape, other)
        self.lines.append(f"out = {v}")

    def _step(self, v: str, shape: tuple, other: str):
        r = self.rng.random()
        rows = shape[0]
        if r < 0.25:
            return self._emit(str(self.rng.choice(FLOAT_UNARY)).format(v)), shape
        if r < 0.4 and len(shape) == 2:
            # only static size-1 axes broadcast: the other operand has the same
            # shape or is a number
            same = shape == self.inputs[other].shape and self.rng.random() < 0.7
            with_ = other if same else "0.5"
            op = str(self.rng.choice(FLOAT_BINARY))
            return self._emit(op.format(v, with_)), shape
        if r < 0.5:
            s = self._slice(rows)
            return self._emit(f"{v}[{s}]"), (len(range(rows)[_py_slice(s)]), *shape[1:])
        if r < 0.6 and rows:
            k = int(self.rng.integers(1, 5))
            idx = self.rng.integers(-rows, rows, k).tolist()
            return self._emit(f"{v}[{idx}]"), (k, *shape[1:])
        if r < 0.68:
            mask = self.rng.integers(0, 2, rows).astype(bool).tolist()
            return self._emit(f"{v}[np.array({mask})]"), (sum(mask), *shape[1:])
        if r < 0.78 and rows:
            fn = str(self.rng.choice(["set", "inc"]))
            index = self._update_index(rows)
            value = f"T.tanh({v}[{index}]) * 2"
            return self._emit(f"T.{fn}_subtensor({v}[{index}], {value})"), shape
        if r < 0.83 and len(shape) == 2:
            return self._emit(f"{v}.T"), shape[::-1]
        if r < 0.88:
            return self._composed(v, shape)
        if r < 0.93:
            return self._product(v, shape)
        if len(shape) == 2:
            axis = int(self.rng.integers(0, 2))
            return self._emit(f"{v}.sum(axis={axis})"), shape[:axis] + shape[axis + 1 :]
        return self._emit(f"T.exp(-abs({v}))"), shape

    def _composed(self, v: str, shape: tuple):
        """One of the functions composed from the core ops (extra_ops, special)."""
        k = int(self.rng.integers(-3, 4))
        choices = [
            (f"T.flip({v}, 0)", shape),
            (f"T.roll({v}, {k}, 0)", shape),
            (f"T.cumsum({v}, axis=0)", shape),
            (f"T.diff({v}, axis=0)", (max(shape[0] - 1, 0), *shape[1:])),
            (f"T.softmax({v}, axis=-1)", shape),
        ]
        expr, new_shape = choices[int(self.rng.integers(len(choices)))]
        return self._emit(expr), new_shape

    def _update_index(self, rows: int) -> str:
        r = self.rng.random()
        if r < 0.4:
            return self._slice(rows)
        if r < 0.7:
            return str(
                self.rng.integers(-rows, rows, int(self.rng.integers(1, 4))).tolist()
            )
        return f"np.array({self.rng.integers(0, 2, rows).astype(bool).tolist()})"

    def _product(self, v: str, shape: tuple):
        n = self._size()
        if len(shape) == 2:
            w = self._input((shape[1], n) if self.rng.random() < 0.5 else (shape[1],))
        else:
            w = self._input((shape[0], n) if self.rng.random() < 0.5 else (shape[0],))
        out_shape = shape[:-1] + self.inputs[w].shape[1:]
        return self._emit(f"T.dot({v}, {w})"), out_shape

    def _int(self) -> None:
        dtype = str(
            self.rng.choice(["uint8", "int8", "int16", "int32", "int64", "bool"])
        )
        shape = (self._size(),)
        a, b = self._input(shape, dtype), self._input(shape, dtype)
        ops = [
            "T.maximum({}, {})",
            "T.minimum({}, {})",
            "({} & {})",
            "({} | {})",
            "({} < {})",
            "abs({})",
            "~({})",
        ]
        if dtype != "bool":
            ops += ["({} + {})", "({} * {})", "({} // {})", "({} % {})", "({} - {})"]
        v = a
        for _ in range(int(self.rng.integers(1, 4))):
            op = str(self.rng.choice(ops))
            v = self._emit(op.format(v, b) if op.count("{}") == 2 else op.format(v))
        if shape[0] and self.rng.random() < 0.5:
            v = self._emit(f"{v}.max()" if self.rng.random() < 0.5 else f"{v}.min()")
        self.lines.append(f"out = {v}")

    def _scan(self) -> None:
        steps, width = int(self.rng.integers(0, 7)), self._size()
        taps = [-1] if self.rng.random() < 0.6 else [-2, -1]
        seq_taps = [0] if self.rng.random() < 0.6 else [-1, 0]
        rows = steps + (1 if seq_taps == [-1, 0] else 0)
        seq = self._input((rows, width))
        init = self._input((len(taps), width) if taps == [-2, -1] else (width,))
        w = self._input((width, width))
        back = bool(self.rng.random() < 0.3)
        n_steps = (
            int(self.rng.integers(0, steps + 1)) if self.rng.random() < 0.4 else None
        )
        until = self.rng.random() < 0.3
        xs = ", ".join(f"x{i}_" for i in range(len(seq_taps)))
        hs = ", ".join(f"h{i}_" for i in range(len(taps)))
        state = "h0_" if len(taps) == 1 else "h1_ - h0_"
        inputs = " + ".join(f"x{i}_" for i in range(len(seq_taps)))
        body = f"T.tanh(T.dot({state}, {w}) + {inputs})"
        # a second, map-like output (a scalar per step) now and then
        mapped = self.rng.random() < 0.4
        returned = f"[{body}, T.tanh({body}).sum()]" if mapped else body
        if until:
            returned = f"({returned}, T.until(abs({body}).sum() > 2.5))"
        info = f"[dict(initial={init}, taps={taps})" + (", None]" if mapped else "]")
        self.lines += [
            f"h, _ = T.scan(lambda {xs}, {hs}, W: {returned},",
            f"    sequences=[dict(input={seq}, taps={seq_taps})],",
            f"    outputs_info={info}, non_sequences=[{w}],",
            f"    n_steps={n_steps}, go_backwards={back})",
            f"out = h[{int(self.rng.integers(0, 2))}]" if mapped else "out = h",
        ]

    def _nested(self) -> None:
        """An outer scan over the rows of a matrix whose step scans the row."""
        steps, width = int(self.rng.integers(0, 5)), self._size()
        seq, init = self._input((steps, width)), self._input((width,))
        scale = self._input(())
        back = bool(self.rng.random() < 0.5)
        inner = (
            "T.scan(lambda e, c, s: T.tanh(c * s + e), "
            "sequences=[dict(input=x_t, taps=[0])], "
            "outputs_info=[dict(initial=h_.sum(), taps=[-1])], "
            f"non_sequences=[S], n_steps=None, go_backwards={back})[0]"
        )
        self.lines += [
            f"h, _ = T.scan(lambda x_t, h_, S: h_ * 0.5 + {inner},",
            f"    sequences=[dict(input={seq}, taps=[0])],",
            f"    outputs_info=[dict(initial={init}, taps=[-1])],",
            f"    non_sequences=[{scale}], n_steps=None, go_backwards=False)",
            "out = h",
        ]


def _py_slice(text: str) -> slice:
    return slice(*[int(p) if p else None for p in text.split(":")])


class NumpyOps:
    """The reference: `scanc.tensor`'s names as NumPy computes them."""

    tanh, exp, sin, dot = np.tanh, np.exp, np.sin, np.dot
    maximum, minimum = np.maximum, np.minimum
    flip, roll, cumsum, diff = np.flip, np.roll, np.cumsum, np.diff

    @staticmethod
    def softmax(x, axis):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    class until:  # noqa: N801 - the name programs use
        def __init__(self, condition):
            self.condition = bool(condition)

    @staticmethod
    def set_subtensor(view, value):
        return view.update(value, add=False)

    @staticmethod
    def inc_subtensor(view, value):
        return view.update(value, add=True)

    @staticmethod
    def scan(fn, sequences, outputs_info, non_sequences, n_steps, go_backwards):
        """One sequence, one recurrent output first, then map-like scalar ones."""
        seq, out = sequences[0], outputs_info[0]
        x, seq_taps, taps = seq["input"], seq["taps"], out["taps"]
        span = seq_taps[-1] - seq_taps[0]
        steps = len(x) - span if n_steps is None else n_steps
        if steps > len(x) - span:
            raise ValueError("sequence too short")
        if go_backwards:  # the whole sequence reversed, then read from its start
            x = x[::-1]
        history = list(out["initial"]) if len(taps) > 1 else [out["initial"]]
        rows: list[list] = [[] for _ in outputs_info]
        for t in range(steps):
            args = [x[t + k - seq_taps[0]] for k in seq_taps]
            result = fn(*args, *history[-len(taps) :], non_sequences[0])
            stop = False
            if isinstance(result, tuple):
                result, stop = result[0], result[1].condition
            values = result if isinstance(result, list) else [result]
            for collected, value in zip(rows, values):
                collected.append(value)
            history.append(values[0])
            if stop:
                break
        row = (
            np.shape(out["initial"])[1:] if len(taps) > 1 else np.shape(out["initial"])
        )
        traces = [np.array(rows[0]).reshape(len(rows[0]), *row)]
        traces += [np.array(r, dtype=float).reshape(len(r)) for r in rows[1:]]
        return (traces if len(traces) > 1 else traces[0]), None


def numpy_namespace(inputs):
    """Inputs wrapped so that `x[index]` remembers `(x, index)` for updates."""

    class Array(np.ndarray):
        def __getitem__(self, index):
            result = np.asarray(np.ndarray.__getitem__(self, index)).view(Array)
            result._source = (self, index)
            return result

        def update(self, value, add: bool):
            base, index = self._source
            copy = np.array(base)
            if add and isinstance(index, list):
                np.add.at(copy, index, value)
            elif add:
                copy[index] += value
            else:
                copy[index] = value
            return copy.view(Array)

    return {k: v.view(Array) for k, v in inputs.items()}


def run_scanc(program: Program):
    import scanc
    import scanc.tensor as st

    symbols = {
        k: st.tensor(k, dtype=str(v.dtype), shape=(None,) * v.ndim)
        for k, v in program.inputs.items()
    }
    scope = {"T": _ScancOps(), "np": np, **symbols}
    exec(program.source, scope)
    out = scope["out"]
    f = scanc.function(
        list(symbols.values()), out, mode=program.mode, on_unused_input="ignore"
    )
    result = f(*[_maybe_strided(v, program.rng) for v in program.inputs.values()])
    gradient = None
    doubles = all(v.dtype == np.float64 for v in program.inputs.values())
    if doubles and out.ndim <= 2 and program.rng.random() < 0.3:
        x = next(iter(symbols))
        cost = (st.tanh(out) * 1.3).sum()
        g = scanc.function(
            list(symbols.values()),
            scanc.grad(cost, symbols[x]),
            mode=program.mode,
            on_unused_input="ignore",
        )
        gradient = (x, g(*program.inputs.values()))
    return result, gradient


def _maybe_strided(value: np.ndarray, rng) -> np.ndarray:
    """`value`, or as often a non-contiguous view of the same values."""
    if value.ndim == 0 or value.size < 2 or rng.random() < 0.7:
        return value
    spread = np.repeat(value, 2, axis=-1)  # every other element is the value
    return spread[..., ::2]


class _ScancOps:
    def __getattr__(self, name):
        import scanc
        import scanc.tensor as st

        if name in ("scan", "until"):
            return getattr(scanc, name)
        return getattr(st, name)


def run_numpy(program: Program, inputs=None):
    scope = {"T": NumpyOps, "np": np, **numpy_namespace(inputs or program.inputs)}
    with np.errstate(all="ignore"):
        exec(program.source, scope)
    return np.asarray(scope["out"])


def finite_difference(program: Program, name: str) -> np.ndarray:
    base = program.inputs[name]
    grad = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        values = []
        for delta in (1e-6, -1e-6):
            shifted = dict(program.inputs)
            shifted[name] = base.copy()
            shifted[name][i] += delta
            values.append((np.tanh(run_numpy(program, shifted)) * 1.3).sum())
        grad[i] = (values[0] - values[1]) / 2e-6
    return grad


def check(seed: int) -> str | None:
    """None when scanc agrees with NumPy on program `seed`, else a report."""
    program = Program(seed)
    try:
        want = run_numpy(program)
    except (ValueError, IndexError, TypeError) as error:
        want = error
    try:
        got, gradient = run_scanc(program)
    except NotImplementedError:
        return None  # documented as not supported
    except (ValueError, IndexError, TypeError) as error:
        if isinstance(want, Exception):
            return None
        return f"scanc raised {error!r}, NumPy gave {want!r}"
    if isinstance(want, Exception):
        return f"NumPy raised {want!r}, scanc gave {got!r}"
    single = any(v.dtype == np.float32 for v in program.inputs.values())
    rtol, atol = (1e-4, 1e-5) if single else (1e-7, 1e-9)
    close = np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if np.shape(got) != want.shape or not close:
        return f"scanc gave {got!r}, NumPy {want!r}"
    if np.asarray(got).dtype != want.dtype and want.dtype.kind != "f":
        return f"dtype {np.asarray(got).dtype}, NumPy {want.dtype}"
    if gradient is not None:
        name, g = gradient
        fd = finite_difference(program, name)
        if not np.allclose(g, fd, rtol=1e-4, atol=1e-5):
            return f"gradient wrt {name}: {g!r}, finite differences {fd!r}"
    return None


def worker(first: int, count: int) -> None:
    """Check programs first..first+count-1, one line per program."""
    for seed in range(first, first + count):
        print(f"start {seed}", flush=True)
        try:
            report = check(seed)
        except Exception:  # noqa: BLE001 - any other failure is a finding
            report = traceback.format_exc(limit=3)
        print(f"{'ok' if report is None else 'FAIL'} {seed}", flush=True)
        if report is not None:
            print("    " + report.replace("\n", "\n    "), flush=True)


#: the settings of successive batches: variants made lazily or at the first
#: call, every load and store bounds-checked or not
CONFIGURATIONS = [
    {"SCANC_SPECIALIZE": "auto", "SCANC_CHECK_BOUNDS": "1"},
    {"SCANC_SPECIALIZE": "eager", "SCANC_CHECK_BOUNDS": "0"},
    {"SCANC_SPECIALIZE": "eager", "SCANC_CHECK_BOUNDS": "1"},
    {"SCANC_SPECIALIZE": "auto", "SCANC_CHECK_BOUNDS": "0"},
]


def run(seconds: float, seed: int, batch: int = 40) -> int:
    """Batches of programs in child processes until `seconds` pass; the
    number of failures (mismatches and crashes)."""
    failures, checked, start, batches = 0, 0, time.time(), 0
    while time.time() - start < seconds:
        env = dict(os.environ, **CONFIGURATIONS[batches % len(CONFIGURATIONS)])
        batches += 1
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                str(seed),
                str(batch),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        lines = child.stdout.splitlines()
        started = [int(line.split()[1]) for line in lines if line.startswith("start")]
        finished = sum(1 for line in lines if line.startswith(("ok", "FAIL")))
        for n, line in enumerate(lines):
            if line.startswith("FAIL"):
                failures += 1
                _report(int(line.split()[1]), "\n".join(_details(lines, n)))
        if child.returncode != 0:
            failures += 1
            crashed = started[-1] if started else seed
            _report(
                crashed,
                f"the process died (status {child.returncode})\n"
                + child.stderr[-2000:],
            )
            finished = crashed - seed + 1
        checked += finished
        seed += max(finished, 1)
    print(f"fuzz: {checked} programs, {failures} failures")
    return failures


def _details(lines: list[str], n: int) -> list[str]:
    rest = []
    for line in lines[n + 1 :]:
        if not line.startswith("    "):
            break
        rest.append(line)
    return rest


def _report(seed: int, what: str) -> None:
    program = Program(seed)
    print(f"--- program {seed} ({program.mode}):\n{program.source}\n{what}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 10**6 * 1000)
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    print(f"fuzz: seed {args.seed}, {args.minutes} minutes", flush=True)
    return 1 if run(args.minutes * 60, args.seed) else 0


if __name__ == "__main__":
    sys.exit(main())
