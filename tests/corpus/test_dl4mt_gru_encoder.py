"""The bidirectional GRU encoder of dl4mt (the "dl4mt-tutorial" neural machine
translation code, `session*/nmt.py`: `gru_layer` and the encoder part of
`build_model`): input projections of the whole sequence computed before the
scan (`tensor.dot` of a 3-d embedding by a matrix), a step with reset and
update gates sliced from one product, the mask carrying a sentence's last state
over its padding, a second GRU over the reversed sentence, the two concatenated
and mean-pooled under the mask into the decoder's initial state. In PyTensor's
spelling (`tensor.nnet.sigmoid` -> `tensor.sigmoid`); sizes made small and
weights drawn from a seeded generator instead of `norm_weight`/`ortho_weight`."""

import numpy as np
import pytest

import scanc as theano
import scanc.tensor as tensor


def _p(pp, name):
    return "%s_%s" % (pp, name)


def param_init_gru(params, rng, prefix, nin, dim):
    def weight(*shape):
        return 0.4 * rng.standard_normal(shape)

    params[_p(prefix, "W")] = weight(nin, 2 * dim)
    params[_p(prefix, "b")] = np.zeros((2 * dim,))
    params[_p(prefix, "U")] = weight(dim, 2 * dim)
    params[_p(prefix, "Wx")] = weight(nin, dim)
    params[_p(prefix, "Ux")] = weight(dim, dim)
    params[_p(prefix, "bx")] = np.zeros((dim,))
    return params


def gru_layer(tparams, state_below, options, prefix="gru", mask=None, **kwargs):
    nsteps = state_below.shape[0]
    if state_below.ndim == 3:
        n_samples = state_below.shape[1]
    else:
        n_samples = 1

    dim = tparams[_p(prefix, "Ux")].shape[1]

    if mask is None:
        mask = tensor.alloc(1.0, state_below.shape[0], 1)

    # utility function to slice a tensor
    def _slice(_x, n, dim):
        if _x.ndim == 3:
            return _x[:, :, n * dim : (n + 1) * dim]
        return _x[:, n * dim : (n + 1) * dim]

    # state_below is the input word embeddings
    # input to the gates, concatenated
    state_below_ = (
        tensor.dot(state_below, tparams[_p(prefix, "W")]) + tparams[_p(prefix, "b")]
    )
    # input to compute the hidden state proposal
    state_belowx = (
        tensor.dot(state_below, tparams[_p(prefix, "Wx")]) + tparams[_p(prefix, "bx")]
    )

    # step function to be used by scan
    # arguments    | sequences |outputs-info| non-seqs
    def _step_slice(m_, x_, xx_, h_, U, Ux):
        preact = tensor.dot(h_, U)
        preact += x_

        # reset and update gates
        r = tensor.sigmoid(_slice(preact, 0, dim))
        u = tensor.sigmoid(_slice(preact, 1, dim))

        # compute the hidden state proposal
        preactx = tensor.dot(h_, Ux)
        preactx = preactx * r
        preactx = preactx + xx_

        # hidden state proposal
        h = tensor.tanh(preactx)

        # leaky integrate and obtain next hidden state
        h = u * h_ + (1.0 - u) * h
        h = m_[:, None] * h + (1.0 - m_)[:, None] * h_

        return h

    # prepare scan arguments
    seqs = [mask, state_below_, state_belowx]
    init_states = [tensor.alloc(0.0, n_samples, dim)]
    _step = _step_slice
    shared_vars = [tparams[_p(prefix, "U")], tparams[_p(prefix, "Ux")]]

    rval, updates = theano.scan(
        _step,
        sequences=seqs,
        outputs_info=init_states,
        non_sequences=shared_vars,
        name=_p(prefix, "_layers"),
        n_steps=nsteps,
        strict=True,
    )
    rval = [rval]
    return rval


def build_encoder(tparams, options):
    x = tensor.matrix("x", dtype="int64")
    x_mask = tensor.matrix("x_mask", dtype="float64")

    # for the backward rnn, we just need to invert x and x_mask
    xr = x[::-1]
    xr_mask = x_mask[::-1]

    n_timesteps = x.shape[0]
    n_samples = x.shape[1]

    # word embedding for forward rnn (source)
    emb = tparams["Wemb"][x.flatten()]
    emb = emb.reshape([n_timesteps, n_samples, options["dim_word"]])
    proj = gru_layer(tparams, emb, options, prefix="encoder", mask=x_mask)
    # word embedding for backward rnn (source)
    embr = tparams["Wemb"][xr.flatten()]
    embr = embr.reshape([n_timesteps, n_samples, options["dim_word"]])
    projr = gru_layer(tparams, embr, options, prefix="encoder_r", mask=xr_mask)

    # context will be the concatenation of forward and backward rnns
    ctx = tensor.concatenate([proj[0], projr[0][::-1]], axis=proj[0].ndim - 1)

    # mean of the context (across time) will be used to initialize decoder rnn
    ctx_mean = (ctx * x_mask[:, :, None]).sum(0) / x_mask.sum(0)[:, None]
    return x, x_mask, ctx, ctx_mean


# -- the test ------------------------------------------------------------------------

OPTIONS = dict(n_words=15, dim_word=4, dim=5)


def parameters(seed=0):
    rng = np.random.default_rng(seed)
    params = {
        "Wemb": 0.5 * rng.standard_normal((OPTIONS["n_words"], OPTIONS["dim_word"]))
    }
    for prefix in ("encoder", "encoder_r"):
        param_init_gru(params, rng, prefix, OPTIONS["dim_word"], OPTIONS["dim"])
    return params


def gru_reference(params, prefix, emb, mask):
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    d = OPTIONS["dim"]
    p = {k: params[_p(prefix, k)] for k in ("W", "b", "U", "Wx", "Ux", "bx")}
    h, out = np.zeros((emb.shape[1], d)), []
    for m_, e in zip(mask, emb):
        preact = h @ p["U"] + e @ p["W"] + p["b"]
        r, u = sigmoid(preact[:, :d]), sigmoid(preact[:, d:])
        proposal = np.tanh((h @ p["Ux"]) * r + e @ p["Wx"] + p["bx"])
        h_new = u * h + (1 - u) * proposal
        h = m_[:, None] * h_new + (1 - m_)[:, None] * h
        out.append(h)
    return np.array(out)


def reference(params, x, mask):
    emb = params["Wemb"][x]
    forward = gru_reference(params, "encoder", emb, mask)
    backward = gru_reference(params, "encoder_r", emb[::-1], mask[::-1])[::-1]
    ctx = np.concatenate([forward, backward], axis=-1)
    return ctx, (ctx * mask[:, :, None]).sum(0) / mask.sum(0)[:, None]


def sentences():
    lengths = [6, 2, 4]
    x = np.random.default_rng(9).integers(1, OPTIONS["n_words"], size=(6, 3))
    mask = (np.arange(6)[:, None] < np.array(lengths)[None, :]).astype("float64")
    return x * mask.astype("int64"), mask


@pytest.fixture(scope="module")
def encoder():
    params = parameters()
    tparams = {k: theano.shared(v, name=k) for k, v in params.items()}
    x, x_mask, ctx, ctx_mean = build_encoder(tparams, OPTIONS)
    cost = (ctx_mean**2).sum()
    grads = theano.grad(cost, list(tparams.values()))
    f = theano.function([x, x_mask], [ctx, ctx_mean, cost, *grads])
    return params, f


def test_context_matches_numpy(encoder):
    params, f = encoder
    x, mask = sentences()
    ctx, ctx_mean, *_ = f(x, mask)
    want_ctx, want_mean = reference(params, x, mask)
    np.testing.assert_allclose(ctx, want_ctx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ctx_mean, want_mean, rtol=1e-10)


def test_gradients_against_finite_differences(encoder):
    params, f = encoder
    x, mask = sentences()
    grads = dict(zip(params, f(x, mask)[3:]))
    eps = 1e-6
    for name, index in [
        ("encoder_U", (1, 7)),
        ("encoder_Ux", (4, 2)),
        ("encoder_r_W", (0, 3)),
        ("encoder_r_bx", (2,)),
        ("Wemb", (x[1, 0], 2)),
    ]:
        up = {k: v.copy() for k, v in params.items()}
        down = {k: v.copy() for k, v in params.items()}
        up[name][index] += eps
        down[name][index] -= eps
        numeric = (
            (reference(up, x, mask)[1] ** 2).sum()
            - (reference(down, x, mask)[1] ** 2).sum()
        ) / (2 * eps)
        np.testing.assert_allclose(
            grads[name][index], numeric, rtol=1e-6, atol=1e-10, err_msg=name
        )


def test_bad_input_is_refused(encoder):
    _, f = encoder
    x, mask = sentences()
    with pytest.raises(IndexError):
        f(x + OPTIONS["n_words"], mask)  # words beyond the vocabulary
    with pytest.raises(ValueError):
        f(x, mask[:, :2])  # a mask for fewer sentences
