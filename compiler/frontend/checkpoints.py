"""`scan_checkpoints`: a scan whose gradient keeps one state in every N steps.

The loop runs as two nested scans, as PyTensor builds it: an outer scan over
chunks of `save_every_N` steps whose body runs an inner scan over one chunk and
returns only its last state. The outer trace (one row per chunk) is all that is
kept; the gradient's reverse loop recomputes each chunk's inner trace from the
chunk's first state before running back through it (the scan gradient rule
recomputes whatever its trace does not hold). Memory for the states falls from T
rows to about T/N + N; the forward pass runs once more inside the gradient.

Differences from PyTensor's function, which are fixes:
- sequences shorter than `n_steps` raise ValueError, as in `scan` (the zero rows
  added to fill the last chunk are never read as data);
- any length works: the last chunk runs the remaining steps (PyTensor's padding
  has the wrong size for some lengths), and `padding` changes nothing;
- without `n_steps`, the loop runs for the shortest sequence, as `scan` does.
"""

from __future__ import annotations

from scanc.dialects.scan import LoopOp
from scanc.graph import TensorVariable
from scanc.frontend.scan import _as_list, _output_specs, _sequence_specs, scan
from scanc.tensor import basic as T
from scanc.tensor import shape as S


def _plain_sequences(sequences) -> list[TensorVariable]:
    specs = _sequence_specs(sequences)
    if any(taps != [0] for _, taps in specs):
        raise ValueError(
            "scan_checkpoints: sequences take no taps (each step reads its own row)"
        )
    return [seq for seq, _ in specs]


def _plain_outputs(outputs_info) -> list[TensorVariable | None]:
    """The initial state of each output, None for a map-like one."""
    if outputs_info is None:
        return [None]
    specs = _output_specs(outputs_info)
    if any(taps not in ([], [-1]) for _, taps in specs):
        raise ValueError(
            "scan_checkpoints: outputs take no taps other than [-1] (the "
            "state after each step is all it keeps)"
        )
    return [init for init, _ in specs]


def _chunks(seq: TensorVariable, used, chunks, size: int) -> TensorVariable:
    """The first `used` rows of `seq`, zero-filled to `chunks * size` rows and
    cut into `chunks` blocks of `size` rows."""
    rows = seq[:used]
    rest = [T.dim(seq, a) for a in range(1, seq.ndim)]
    fill = S.zeros([chunks * size - T.dim(rows, 0), *rest], dtype=seq.dtype)
    return S.reshape(S.concatenate([rows, fill]), [chunks, size, *rest])


def scan_checkpoints(
    fn,
    sequences=None,
    outputs_info=None,
    non_sequences=None,
    name="checkpointscan_fn",
    n_steps=None,
    save_every_N=10,
    padding=True,
    return_updates=True,
):
    """Like `scan`, but the result holds the state after every `save_every_N`
    steps (and after the last one), and a gradient through it stores one state
    per chunk of `save_every_N` steps, recomputing the others. Sequences and
    outputs take no taps; see the module docstring."""
    if isinstance(save_every_N, bool) or not isinstance(save_every_N, int):
        raise TypeError("scan_checkpoints: save_every_N must be a positive int")
    if save_every_N < 1:
        raise ValueError("scan_checkpoints: save_every_N must be at least 1")
    seqs = _plain_sequences(sequences)
    outs = _plain_outputs(outputs_info)
    non_seqs = _as_list(non_sequences)
    if n_steps is None and not seqs:
        raise ValueError("scan_checkpoints: give sequences or n_steps")
    N = save_every_N
    available = None
    for seq in seqs:
        length = T.dim(seq, 0)
        available = length if available is None else T.minimum(available, length)
    given = T.cast(available if n_steps is None else n_steps, "int64")
    steps = T.maximum(given, 0)  # a negative count reaches the outer scan, which raises
    chunks = T.int_div(steps + (N - 1), N)
    starts = S.arange(chunks, dtype="int64") * N
    counts = T.minimum(steps - starts, N)  # the steps of each chunk
    if seqs:
        # a chunk whose sequences have fewer rows than its steps (n_steps beyond
        # the sequences) runs N + 1 steps over N rows: the inner scan raises
        present = T.clip(available - starts, 0, N)
        counts = T.switch(T.le(counts, present), counts, N + 1)
    blocks = [_chunks(seq, steps, chunks, N) for seq in seqs]
    recurrent = sum(out is not None for out in outs)

    def chunk(*args):
        chunk_rows, count = list(args[: len(seqs)]), args[len(seqs)]
        states = iter(args[len(seqs) + 1 :][:recurrent])
        results, updates = scan(
            fn,
            sequences=chunk_rows,
            outputs_info=[None if out is None else next(states) for out in outs],
            non_sequences=list(args[len(seqs) + 1 + recurrent :]),
            n_steps=count,
            name=f"{name}_inner",
            return_list=True,
        )
        loop = results[0].value.owner
        if isinstance(loop, LoopOp) and loop.yield_op().until is not None:
            raise NotImplementedError(
                "scan_checkpoints: fn returns `until`; a loop that may stop early "
                "cannot be cut into chunks of save_every_N steps (use scan)"
            )
        return [r[-1] for r in results], updates

    return scan(
        chunk,
        sequences=[*blocks, counts],
        outputs_info=outs,
        non_sequences=non_seqs,
        n_steps=T.switch(T.lt(given, 0), given, chunks),
        name=f"{name}_outer",
        return_updates=return_updates,
    )
