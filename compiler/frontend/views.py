"""`map`, `reduce`, `foldl`, `foldr`: `scan` with one output, as PyTensor defines them."""

from __future__ import annotations

from scanc.frontend.scan import scan, with_updates


def map(
    fn,
    sequences,
    non_sequences=None,
    truncate_gradient=-1,
    go_backwards=False,
    mode=None,
    name=None,
    return_updates=True,
):  # noqa: A001 - PyTensor's name
    """`fn` applied to each step of `sequences`; returns (outputs, updates), or
    the outputs alone with `return_updates=False`."""
    return scan(
        fn,
        sequences=sequences,
        outputs_info=None,
        non_sequences=non_sequences,
        truncate_gradient=truncate_gradient,
        go_backwards=go_backwards,
        mode=mode,
        name=name,
        return_updates=return_updates,
    )


def reduce(
    fn,
    sequences,
    outputs_info,
    non_sequences=None,
    go_backwards=False,
    mode=None,
    name=None,
    return_updates=True,
):
    """Fold `fn` over `sequences` from `outputs_info`; returns (last values,
    updates), or the last values alone with `return_updates=False`."""
    outputs, updates = scan(
        fn,
        sequences=sequences,
        outputs_info=outputs_info,
        non_sequences=non_sequences,
        go_backwards=go_backwards,
        mode=mode,
        name=name,
    )
    last = [o[-1] for o in outputs] if isinstance(outputs, list) else outputs[-1]
    return with_updates(last, updates, return_updates, "reduce")


def _fold(go_backwards: bool, name_: str, doc: str):
    def fold(
        fn,
        sequences,
        outputs_info,
        non_sequences=None,
        mode=None,
        name=None,
        return_updates=True,
    ):
        return reduce(
            fn,
            sequences,
            outputs_info,
            non_sequences,
            go_backwards=go_backwards,
            mode=mode,
            name=name,
            return_updates=return_updates,
        )

    fold.__name__ = fold.__qualname__ = name_
    fold.__doc__ = doc
    return fold


foldl = _fold(False, "foldl", "`reduce` from the first step to the last.")
foldr = _fold(True, "foldr", "`reduce` from the last step to the first.")
