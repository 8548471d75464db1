"""Elman recurrent network for slot filling, from the Deep Learning Tutorials
(`code/rnnslu.py`, class `RNNSLU`, lisa-lab/DeepLearningTutorials), in its
PyTensor spelling (`T.nnet.sigmoid` -> `pt.sigmoid`, `T.nnet.softmax` ->
`pt.special.softmax`): word embeddings of a context window, the recurrence,
the sentence's negative log-likelihood, its gradient step on every parameter
and the embeddings' normalization. Sizes made small."""

from collections import OrderedDict

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as T


class RNNSLU:
    """elman neural net model"""

    def __init__(self, nh, nc, ne, de, cs, seed=1234):
        rng = np.random.default_rng(seed)

        def init(*shape):
            return 0.2 * rng.uniform(-1.0, 1.0, shape)

        self.emb = pytensor.shared(name="embeddings", value=init(ne + 1, de))
        self.wx = pytensor.shared(name="wx", value=init(de * cs, nh))
        self.wh = pytensor.shared(name="wh", value=init(nh, nh))
        self.w = pytensor.shared(name="w", value=init(nh, nc))
        self.bh = pytensor.shared(name="bh", value=np.zeros(nh))
        self.b = pytensor.shared(name="b", value=np.zeros(nc))
        self.h0 = pytensor.shared(name="h0", value=np.zeros(nh))

        self.params = [self.emb, self.wx, self.wh, self.w, self.bh, self.b, self.h0]

        idxs = T.imatrix()
        x = self.emb[idxs].reshape((idxs.shape[0], de * cs))
        y_sentence = T.ivector("y_sentence")  # labels

        def recurrence(x_t, h_tm1):
            h_t = T.sigmoid(T.dot(x_t, self.wx) + T.dot(h_tm1, self.wh) + self.bh)
            s_t = T.special.softmax(T.dot(h_t, self.w) + self.b)
            return [h_t, s_t]

        [h, s], _ = pytensor.scan(
            fn=recurrence,
            sequences=x,
            outputs_info=[self.h0, None],
            n_steps=x.shape[0],
        )

        p_y_given_x_sentence = s
        y_pred = T.argmax(p_y_given_x_sentence, axis=1)

        # cost and gradients and learning rate
        lr = T.scalar("lr")

        sentence_nll = -T.mean(
            T.log(p_y_given_x_sentence)[T.arange(x.shape[0]), y_sentence]
        )
        sentence_gradients = T.grad(sentence_nll, self.params)
        sentence_updates = OrderedDict(
            (p, p - lr * g) for p, g in zip(self.params, sentence_gradients)
        )

        # pytensor functions to compile
        self.classify = pytensor.function(inputs=[idxs], outputs=y_pred)
        self.probabilities = pytensor.function([idxs], p_y_given_x_sentence)
        self.nll = pytensor.function([idxs, y_sentence], sentence_nll)
        self.sentence_train = pytensor.function(
            inputs=[idxs, y_sentence, lr],
            outputs=sentence_nll,
            updates=sentence_updates,
        )
        self.normalize = pytensor.function(
            inputs=[],
            updates={
                self.emb: self.emb
                / T.sqrt((self.emb**2).sum(axis=1)).dimshuffle(0, "x")
            },
        )


NH, NC, NE, DE, CS = 6, 4, 10, 3, 3


def reference_probabilities(model, idxs):
    v = {p.name: p.get_value() for p in model.params}
    x = v["embeddings"][idxs].reshape(len(idxs), DE * CS)
    h, out = v["h0"], []
    for x_t in x:
        h = 1 / (1 + np.exp(-(x_t @ v["wx"] + h @ v["wh"] + v["bh"])))
        a = h @ v["w"] + v["b"]
        out.append(np.exp(a - a.max()) / np.exp(a - a.max()).sum())
    return np.array(out)


def _sentence(seed=0, n=7):
    rng = np.random.default_rng(seed)
    return rng.integers(0, NE + 1, (n, CS)).astype(np.int32), rng.integers(
        0, NC, n
    ).astype(np.int32)


def test_forward_matches_numpy():
    model = RNNSLU(NH, NC, NE, DE, CS)
    idxs, _ = _sentence()
    want = reference_probabilities(model, idxs)
    np.testing.assert_allclose(model.probabilities(idxs), want, rtol=1e-12)
    np.testing.assert_array_equal(model.classify(idxs), want.argmax(axis=1))


def test_training_steps_lower_the_loss_and_match_a_finite_difference_step():
    model = RNNSLU(NH, NC, NE, DE, CS)
    idxs, labels = _sentence()
    before = model.nll(idxs, labels)
    wh = model.wh.get_value()
    # the update of wh is -lr * gradient: compare with central differences
    lr, eps = 0.1, 1e-6
    numeric = np.zeros_like(wh)
    for i in np.ndindex(wh.shape):
        for sign in (1, -1):
            shifted = wh.copy()
            shifted[i] += sign * eps
            model.wh.set_value(shifted)
            numeric[i] += sign * model.nll(idxs, labels) / (2 * eps)
    model.wh.set_value(wh)
    loss = model.sentence_train(idxs, labels, lr)
    assert loss == pytest.approx(before, rel=1e-12)
    np.testing.assert_allclose((wh - model.wh.get_value()) / lr, numeric, atol=1e-8)
    for _ in range(20):
        model.sentence_train(idxs, labels, lr)
    assert model.nll(idxs, labels) < before


def test_normalize_gives_unit_embeddings():
    model = RNNSLU(NH, NC, NE, DE, CS)
    model.normalize()
    np.testing.assert_allclose(
        np.linalg.norm(model.emb.get_value(), axis=1), np.ones(NE + 1)
    )


def test_bad_input_is_refused():
    model = RNNSLU(NH, NC, NE, DE, CS)
    idxs, labels = _sentence()
    with pytest.raises(IndexError):
        model.classify(np.full_like(idxs, NE + 5))
    with pytest.raises(TypeError, match="expected 2 dimensions"):
        model.classify(idxs[0])
