"""`scanc.tensor.einsum` against NumPy's: one, two and three operands, batch
indices, implicit outputs, inside a scan, gradients by finite differences,
and what it refuses."""

import numpy as np
import pytest

import scanc
import scanc.tensor as st
from scanc.gradient import verify_grad

rng = np.random.default_rng(11)
SHAPES = {"i": 3, "j": 4, "k": 5, "l": 2, "b": 6}

#: subscripts whose operands take the shapes their letters name
CASES = [
    "ij,jk->ik",
    "ij,jk",
    "ij->ji",
    "ij->",
    "ij->j",
    "bij,bjk->bik",
    "ij,jk,kl->il",
    "i,i->",
    "i,j->ij",
    "bij,j->bi",
    "ij,ij->i",
    "ij,ij->ij",
    "bij->b",
    "ij,kl->ijkl",
    "jk,ij->ki",
]


def operands(subscripts: str) -> list[np.ndarray]:
    inputs = subscripts.partition("->")[0].split(",")
    return [rng.normal(size=[SHAPES[i] for i in indices]) for indices in inputs]


def variables(values: list[np.ndarray]) -> list:
    return [st.tensor(f"x{n}", shape=(None,) * v.ndim) for n, v in enumerate(values)]


@pytest.mark.parametrize("subscripts", CASES)
def test_matches_numpy(subscripts, mode):
    values = operands(subscripts)
    xs = variables(values)
    f = scanc.function(xs, st.einsum(subscripts, *xs), mode=mode)
    np.testing.assert_allclose(
        f(*values), np.einsum(subscripts, *values), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("subscripts", ["ij,jk->ik", "bij,bjk->bik", "ij,ij->i"])
def test_gradients(subscripts):
    verify_grad(lambda *xs: st.einsum(subscripts, *xs), operands(subscripts))


def test_inside_a_scan():
    X, W = st.tensor3("X"), st.matrix("W")
    out, _ = scanc.scan(
        lambda m, W: st.einsum("ij,jk->ik", m, W), sequences=X, non_sequences=W
    )
    f = scanc.function([X, W], out)
    xs, w = rng.normal(size=(4, 3, 2)), rng.normal(size=(2, 5))
    np.testing.assert_allclose(f(xs, w), np.einsum("tij,jk->tik", xs, w))


@pytest.mark.parametrize(
    "subscripts, count, error, message",
    [
        ("ii->i", 1, NotImplementedError, "repeated"),
        ("i...->i", 1, NotImplementedError, "'...'"),
        ("ij->k", 1, ValueError, "not in the inputs"),
        ("ij", 2, ValueError, "names 1 operands, got 2"),
        ("i1->i", 1, ValueError, "must be letters"),
    ],
)
def test_refusals(subscripts, count, error, message):
    with pytest.raises(error, match=message):
        st.einsum(subscripts, *[st.matrix()] * count)


def test_rank_must_match_the_subscripts():
    with pytest.raises(ValueError, match="has 1 dimensions but subscripts 'ij'"):
        st.einsum("ij->i", st.vector())
