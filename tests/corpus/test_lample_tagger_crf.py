"""The linear-chain CRF of Guillaume Lample's NER tagger (glample/tagger,
`nn.py`: `log_sum_exp` and `forward`), in its PyTensor spelling: the forward
algorithm in log space (the log-partition of all tag paths), Viterbi's best
score, and the best path recovered by a second scan that walks the argmax
back-pointers backwards (`beta_i[previous]`, started from the last argmax and
cast to int32). Unchanged apart from the imports."""

import itertools

import numpy as np
import pytest

import scanc as theano
import scanc.tensor as T


def log_sum_exp(x, axis=None):
    """
    Sum probabilities in the log-space.
    """
    xmax = x.max(axis=axis, keepdims=True)
    xmax_ = x.max(axis=axis)
    return xmax_ + T.log(T.exp(x - xmax).sum(axis=axis))


def forward(
    observations,
    transitions,
    viterbi=False,
    return_alpha=False,
    return_best_sequence=False,
):
    """
    Takes as input:
        - observations, sequence of shape (n_steps, n_classes)
        - transitions, sequence of shape (n_classes, n_classes)
    Probabilities must be given in the log space.
    Compute alpha, matrix of size (n_steps, n_classes), such that
    alpha[i, j] represents one of these 2 values:
        - the probability that the real path at node i ends in j
        - the maximum probability of a path finishing in j at node i (Viterbi)
    Returns one of these 2 values:
        - alpha
        - the final probability, which can be:
            - the sum of the probabilities of all paths
            - the probability of the best path (Viterbi)
    """
    assert not return_best_sequence or (viterbi and not return_alpha)

    def recurrence(obs, previous, transitions):
        previous = previous.dimshuffle(0, "x")
        obs = obs.dimshuffle("x", 0)
        if viterbi:
            scores = previous + obs + transitions
            out = scores.max(axis=0)
            if return_best_sequence:
                out2 = scores.argmax(axis=0)
                return out, out2
            else:
                return out
        else:
            return log_sum_exp(previous + obs + transitions, axis=0)

    initial = observations[0]
    alpha, _ = theano.scan(
        fn=recurrence,
        outputs_info=(initial, None) if return_best_sequence else initial,
        sequences=[observations[1:]],
        non_sequences=transitions,
    )

    if return_alpha:
        return alpha
    elif return_best_sequence:
        sequence, _ = theano.scan(
            fn=lambda beta_i, previous: beta_i[previous],
            outputs_info=T.cast(T.argmax(alpha[0][-1]), "int32"),
            sequences=T.cast(alpha[1][::-1], "int32"),
        )
        sequence = T.concatenate([sequence[::-1], [T.argmax(alpha[0][-1])]])
        return sequence
    else:
        if viterbi:
            return alpha[-1].max(axis=0)
        else:
            return log_sum_exp(alpha[-1], axis=0)


# -- the test: every tag path enumerated -------------------------------------------------

N_STEPS, N_TAGS = 5, 3


def path_scores(obs, trans):
    paths = list(itertools.product(range(N_TAGS), repeat=N_STEPS))
    scores = [
        obs[np.arange(N_STEPS), p].sum() + sum(trans[a, b] for a, b in zip(p, p[1:]))
        for p in paths
    ]
    return paths, np.array(scores)


@pytest.fixture(scope="module")
def crf():
    observations, transitions = T.dmatrix("observations"), T.dmatrix("transitions")
    partition = forward(observations, transitions)
    return dict(
        partition=theano.function([observations, transitions], partition),
        gradient=theano.function(
            [observations, transitions],
            theano.grad(partition, [observations, transitions]),
        ),
        alpha=theano.function(
            [observations, transitions],
            forward(observations, transitions, return_alpha=True),
        ),
        best_score=theano.function(
            [observations, transitions],
            forward(observations, transitions, viterbi=True),
        ),
        best_path=theano.function(
            [observations, transitions],
            forward(observations, transitions, viterbi=True, return_best_sequence=True),
        ),
    )


def data(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N_STEPS, N_TAGS)), rng.normal(size=(N_TAGS, N_TAGS))


def test_partition_viterbi_and_best_path_match_enumeration(crf):
    for seed in range(3):
        obs, trans = data(seed)
        paths, scores = path_scores(obs, trans)
        np.testing.assert_allclose(
            crf["partition"](obs, trans), np.log(np.exp(scores).sum()), rtol=1e-12
        )
        np.testing.assert_allclose(
            crf["best_score"](obs, trans), scores.max(), rtol=1e-12
        )
        best = crf["best_path"](obs, trans)
        assert best.dtype == np.int64
        np.testing.assert_array_equal(best, paths[int(scores.argmax())])
        assert crf["alpha"](obs, trans).shape == (N_STEPS - 1, N_TAGS)


def test_gradient_is_the_expected_tag_counts(crf):
    # d log Z / d obs[t, j] is the marginal probability of tag j at step t
    obs, trans = data(5)
    d_obs, d_trans = crf["gradient"](obs, trans)
    paths, scores = path_scores(obs, trans)
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    marginals = np.zeros_like(obs)
    pairs = np.zeros_like(trans)
    for p, w in zip(paths, weights):
        marginals[np.arange(N_STEPS), p] += w
        for a, b in zip(p, p[1:]):
            pairs[a, b] += w
    np.testing.assert_allclose(d_obs, marginals, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d_trans, pairs, rtol=1e-10, atol=1e-14)


def test_bad_input_is_refused(crf):
    obs, trans = data(6)
    with pytest.raises(ValueError):
        crf["partition"](obs, trans[:2])  # transitions for fewer tags
    with pytest.raises(TypeError):
        crf["partition"](obs[0], trans)  # one step instead of a sequence
