"""The LSTM sentiment classifier of the Deep Learning Tutorials (`code/lstm.py`,
lisa-lab/DeepLearningTutorials): `lstm_layer` (one scan over time, a mini-batch
of masked sequences, the four gates sliced from one product), `build_model`
(embedding lookup, mean pooling under the mask, softmax, the negative
log-likelihood `-log(pred[arange(n_samples), y] + off).mean()`, dropout by a
random stream switched by a shared flag) and the `sgd` optimizer's two
functions (gradients into shared buffers, then the update). In PyTensor's
spelling (`tensor.nnet.sigmoid` -> `tensor.sigmoid`, `tensor.nnet.softmax` ->
`tensor.special.softmax(..., axis=-1)`, MRG's `trng.binomial(shape, p=, n=)` ->
`RandomStream.binomial(n, p, size=)`); parameters made small and initialised
from a seeded generator instead of `ortho_weight`."""

from collections import OrderedDict

import numpy
import numpy as np
import pytest

import scanc as theano
import scanc.tensor as tensor
from scanc import config
from scanc.tensor.random.utils import RandomStream


def numpy_floatX(data):
    return numpy.asarray(data, dtype=config.floatX)


def _p(pp, name):
    return "%s_%s" % (pp, name)


def init_params(options, rng):
    params = OrderedDict()
    params["Wemb"] = (
        0.01 * rng.standard_normal((options["n_words"], options["dim_proj"]))
    ).astype(config.floatX)
    d = options["dim_proj"]
    params[_p("lstm", "W")] = 0.3 * rng.standard_normal((d, 4 * d))
    params[_p("lstm", "U")] = 0.3 * rng.standard_normal((d, 4 * d))
    params[_p("lstm", "b")] = numpy.zeros((4 * d,)).astype(config.floatX)
    params["U"] = 0.01 * rng.standard_normal((d, options["ydim"])).astype(config.floatX)
    params["b"] = numpy.zeros((options["ydim"],)).astype(config.floatX)
    return params


def init_tparams(params):
    tparams = OrderedDict()
    for kk, pp in params.items():
        tparams[kk] = theano.shared(params[kk], name=kk)
    return tparams


def dropout_layer(state_before, use_noise, trng):
    proj = tensor.switch(
        use_noise,
        (
            state_before
            * trng.binomial(1, 0.5, size=state_before.shape, dtype=state_before.dtype)
        ),
        state_before * 0.5,
    )
    return proj


def lstm_layer(tparams, state_below, options, prefix="lstm", mask=None):
    nsteps = state_below.shape[0]
    if state_below.ndim == 3:
        n_samples = state_below.shape[1]
    else:
        n_samples = 1

    assert mask is not None

    def _slice(_x, n, dim):
        if _x.ndim == 3:
            return _x[:, :, n * dim : (n + 1) * dim]
        return _x[:, n * dim : (n + 1) * dim]

    def _step(m_, x_, h_, c_):
        preact = tensor.dot(h_, tparams[_p(prefix, "U")])
        preact += x_

        i = tensor.sigmoid(_slice(preact, 0, options["dim_proj"]))
        f = tensor.sigmoid(_slice(preact, 1, options["dim_proj"]))
        o = tensor.sigmoid(_slice(preact, 2, options["dim_proj"]))
        c = tensor.tanh(_slice(preact, 3, options["dim_proj"]))

        c = f * c_ + i * c
        c = m_[:, None] * c + (1.0 - m_)[:, None] * c_

        h = o * tensor.tanh(c)
        h = m_[:, None] * h + (1.0 - m_)[:, None] * h_

        return h, c

    state_below = (
        tensor.dot(state_below, tparams[_p(prefix, "W")]) + tparams[_p(prefix, "b")]
    )

    dim_proj = options["dim_proj"]
    rval, updates = theano.scan(
        _step,
        sequences=[mask, state_below],
        outputs_info=[
            tensor.alloc(numpy_floatX(0.0), n_samples, dim_proj),
            tensor.alloc(numpy_floatX(0.0), n_samples, dim_proj),
        ],
        name=_p(prefix, "_layers"),
        n_steps=nsteps,
    )
    return rval[0]


def build_model(tparams, options):
    trng = RandomStream(1234)

    # Used for dropout.
    use_noise = theano.shared(numpy_floatX(0.0))

    x = tensor.matrix("x", dtype="int64")
    mask = tensor.matrix("mask", dtype=config.floatX)
    y = tensor.vector("y", dtype="int64")

    n_timesteps = x.shape[0]
    n_samples = x.shape[1]

    emb = tparams["Wemb"][x.flatten()].reshape(
        [n_timesteps, n_samples, options["dim_proj"]]
    )
    proj = lstm_layer(tparams, emb, options, prefix="lstm", mask=mask)
    proj = (proj * mask[:, :, None]).sum(axis=0)
    proj = proj / mask.sum(axis=0)[:, None]
    if options["use_dropout"]:
        proj = dropout_layer(proj, use_noise, trng)

    pred = tensor.special.softmax(
        tensor.dot(proj, tparams["U"]) + tparams["b"], axis=-1
    )

    f_pred_prob = theano.function([x, mask], pred, name="f_pred_prob")
    f_pred = theano.function([x, mask], pred.argmax(axis=1), name="f_pred")

    off = 1e-8
    cost = -tensor.log(pred[tensor.arange(n_samples), y] + off).mean()

    return use_noise, x, mask, y, f_pred_prob, f_pred, cost


def sgd(lr, tparams, grads, x, mask, y, cost):
    gshared = [
        theano.shared(p.get_value() * 0.0, name="%s_grad" % k)
        for k, p in tparams.items()
    ]
    gsup = [(gs, g) for gs, g in zip(gshared, grads)]

    f_grad_shared = theano.function(
        [x, mask, y], cost, updates=gsup, name="sgd_f_grad_shared"
    )

    pup = [(p, p - lr * g) for p, g in zip(tparams.values(), gshared)]

    f_update = theano.function([lr], [], updates=pup, name="sgd_f_update")

    return f_grad_shared, f_update


# -- the test ------------------------------------------------------------------------

OPTIONS = dict(n_words=20, dim_proj=6, ydim=3, use_dropout=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference(params, x, mask, y):
    """The tutorial's forward pass without dropout (use_noise = 0: proj * 0.5)."""
    d = OPTIONS["dim_proj"]
    emb = params["Wemb"][x.flatten()].reshape(x.shape + (d,))
    state_below = emb @ params["lstm_W"] + params["lstm_b"]
    h = c = np.zeros((x.shape[1], d))
    hs = []
    for m_, x_ in zip(mask, state_below):
        preact = h @ params["lstm_U"] + x_
        i, f, o = (sigmoid(preact[:, k * d : (k + 1) * d]) for k in range(3))
        c_new = f * c + i * np.tanh(preact[:, 3 * d :])
        c_new = m_[:, None] * c_new + (1 - m_)[:, None] * c
        h_new = o * np.tanh(c_new)
        h = m_[:, None] * h_new + (1 - m_)[:, None] * h
        c = c_new
        hs.append(h)
    proj = (np.array(hs) * mask[:, :, None]).sum(axis=0) / mask.sum(axis=0)[:, None]
    logits = (proj * 0.5) @ params["U"] + params["b"]
    pred = np.exp(logits - logits.max(axis=1, keepdims=True))
    pred /= pred.sum(axis=1, keepdims=True)
    return pred, -np.log(pred[np.arange(x.shape[1]), y] + 1e-8).mean()


def batch(rng):
    lengths = [5, 3, 4, 1]
    x = rng.integers(0, OPTIONS["n_words"], size=(5, len(lengths)))
    mask = (np.arange(5)[:, None] < np.array(lengths)[None, :]).astype("float64")
    return (
        x * mask.astype("int64"),
        mask,
        rng.integers(0, OPTIONS["ydim"], size=len(lengths)),
    )


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    params = init_params(OPTIONS, rng)
    tparams = init_tparams(params)
    use_noise, x, mask, y, f_pred_prob, f_pred, cost = build_model(tparams, OPTIONS)
    grads = tensor.grad(cost, wrt=list(tparams.values()))
    lr = tensor.scalar(name="lr")
    f_grad_shared, f_update = sgd(lr, tparams, grads, x, mask, y, cost)
    f_cost = theano.function([x, mask, y], cost)
    f_grads = theano.function([x, mask, y], grads)
    return dict(
        params=params,
        tparams=tparams,
        use_noise=use_noise,
        f_pred_prob=f_pred_prob,
        f_pred=f_pred,
        f_cost=f_cost,
        f_grads=f_grads,
        f_grad_shared=f_grad_shared,
        f_update=f_update,
    )


def test_predictions_and_cost_match_numpy(model):
    x, mask, y = batch(np.random.default_rng(1))
    params = {k: p.get_value() for k, p in model["tparams"].items()}
    pred, cost = reference(params, x, mask, y)
    np.testing.assert_allclose(model["f_pred_prob"](x, mask), pred, rtol=1e-10)
    np.testing.assert_array_equal(model["f_pred"](x, mask), pred.argmax(axis=1))
    np.testing.assert_allclose(model["f_cost"](x, mask, y), cost, rtol=1e-10)


def test_gradients_against_finite_differences(model):
    x, mask, y = batch(np.random.default_rng(2))
    params = {k: p.get_value() for k, p in model["tparams"].items()}
    grads = dict(zip(params, model["f_grads"](x, mask, y)))
    eps = 1e-6
    for name, index in [
        ("lstm_U", (2, 7)),
        ("lstm_W", (1, 20)),
        ("lstm_b", (5,)),
        ("U", (4, 1)),
        ("Wemb", (x[0, 0], 3)),
    ]:
        up = {k: v.copy() for k, v in params.items()}
        down = {k: v.copy() for k, v in params.items()}
        up[name][index] += eps
        down[name][index] -= eps
        numeric = (reference(up, x, mask, y)[1] - reference(down, x, mask, y)[1]) / (
            2 * eps
        )
        np.testing.assert_allclose(
            grads[name][index], numeric, rtol=1e-5, atol=1e-9, err_msg=name
        )


def test_a_training_step_lowers_the_cost(model):
    x, mask, y = batch(np.random.default_rng(3))
    before = model["f_cost"](x, mask, y)
    model["f_grad_shared"](x, mask, y)
    model["f_update"](0.5)
    assert model["f_cost"](x, mask, y) < before


def test_dropout_draws_a_mask_when_switched_on(model):
    x, mask, y = batch(np.random.default_rng(4))
    model["use_noise"].set_value(numpy_floatX(1.0))
    try:
        first, second = model["f_pred_prob"](x, mask), model["f_pred_prob"](x, mask)
    finally:
        model["use_noise"].set_value(numpy_floatX(0.0))
    assert not np.allclose(first, second)  # the stream advances between calls
    np.testing.assert_allclose(first.sum(axis=1), 1.0)


def test_bad_input_is_refused(model):
    x, mask, y = batch(np.random.default_rng(5))
    with pytest.raises(IndexError):
        model["f_cost"](x, mask, y + 10)  # a label beyond the classes
    with pytest.raises(ValueError):
        model["f_cost"](x, mask[:3], y)  # a mask shorter than the sequences
