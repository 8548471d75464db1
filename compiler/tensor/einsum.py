"""`einsum`: NumPy's Einstein summation, composed from the core ops.

Each operand first sums the indices no other operand and not the output has;
operands then combine left to right: a pair with shared indices that nothing
later needs is one `tensordot`; a pair that also shares kept indices (a batch)
is multiplied with broadcasting and summed over the rest. The result is
transposed to the output's order. Not supported (NotImplementedError): `...`,
and an index repeated within one operand (a diagonal or trace).
"""

from __future__ import annotations

from scanc.graph import TensorVariable
from scanc.tensor.basic import as_tensor_variable, expand_dims
from scanc.tensor.extra_ops import tensordot
from scanc.tensor.reductions import sum as sum_
from scanc.tensor.shape import transpose


def einsum(subscripts: str, *operands) -> TensorVariable:
    """Sum of products of `operands` over the indices `subscripts` names, as
    `numpy.einsum("ij,jk->ik", a, b)` (also without `->`: the indices that
    appear once, in alphabetical order)."""
    inputs, output = _parse(subscripts, len(operands))
    terms = []
    for x, indices in zip(operands, inputs):
        x = as_tensor_variable(x)
        if x.ndim != len(indices):
            raise ValueError(
                f"einsum: operand {x} has {x.ndim} dimensions but subscripts "
                f"{indices!r} name {len(indices)}"
            )
        terms.append((x, indices))
    terms = [
        _sum_private(x, indices, output, terms[:n] + terms[n + 1 :])
        for n, (x, indices) in enumerate(terms)
    ]
    x, indices = terms[0]
    for n, (y, y_indices) in enumerate(terms[1:], start=1):
        later = output + "".join(i for _, i in terms[n + 1 :])
        x, indices = _combine(x, indices, y, y_indices, later)
    x, indices = _sum_private(x, indices, output, [])
    return transpose(x, [indices.index(i) for i in output])


def _parse(subscripts: str, count: int) -> tuple[list[str], str]:
    text = subscripts.replace(" ", "")
    if "." in text:
        raise NotImplementedError("einsum: '...' in subscripts is not supported yet")
    inputs_text, arrow, output = text.partition("->")
    inputs = inputs_text.split(",")
    if len(inputs) != count:
        raise ValueError(
            f"einsum: {subscripts!r} names {len(inputs)} operands, got {count}"
        )
    named = "".join(inputs)
    if not arrow:
        output = "".join(sorted(i for i in set(named) if named.count(i) == 1))
    for indices in [*inputs, output]:
        if not indices.isalpha() and indices:
            raise ValueError(f"einsum: indices must be letters, got {indices!r}")
        if len(set(indices)) != len(indices):
            raise NotImplementedError(
                f"einsum: an index repeated in {indices!r} (a diagonal) is not "
                "supported yet"
            )
    if set(output) - set(named):
        raise ValueError(f"einsum: output indices {output!r} not in the inputs")
    return inputs, output


def _sum_private(x, indices: str, output: str, others) -> tuple:
    """`x` summed over the indices neither `output` nor `others` has."""
    shared = output + "".join(i for _, i in others)
    private = [a for a, i in enumerate(indices) if i not in shared]
    if not private:
        return x, indices
    kept = "".join(i for i in indices if i in shared)
    return sum_(x, axis=private), kept


def _combine(x, x_indices: str, y, y_indices: str, later: str) -> tuple:
    """The product of two terms, summed over their shared indices that
    `later` (the output and the terms still to come) does not need."""
    shared = [i for i in x_indices if i in y_indices]
    summed = [i for i in shared if i not in later]
    if len(summed) == len(shared):  # no batch index: one tensordot
        axes = [
            [x_indices.index(i) for i in summed],
            [y_indices.index(i) for i in summed],
        ]
        indices = "".join(i for i in x_indices if i not in summed)
        indices += "".join(i for i in y_indices if i not in summed)
        return tensordot(x, y, axes), indices
    union = x_indices + "".join(i for i in y_indices if i not in x_indices)
    product = _aligned(x, x_indices, union) * _aligned(y, y_indices, union)
    kept = "".join(i for i in union if i not in summed)
    if summed:
        product = sum_(product, axis=[union.index(i) for i in summed])
    return product, kept


def _aligned(x, indices: str, union: str) -> TensorVariable:
    """`x` with its axes in `union`'s order and size-1 axes for the others."""
    present = [i for i in union if i in indices]
    x = transpose(x, [indices.index(i) for i in present])
    missing = [a for a, i in enumerate(union) if i not in indices]
    return expand_dims(x, missing) if missing else x
