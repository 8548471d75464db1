"""The guide's RNN with taps: u(t-4), u(t), x(t-3), x(t-1), y(t-1), strict=True.

The guide gives no values; this computes it for fixed inputs and compares with a
NumPy loop written from the guide's equations.
"""

import numpy as np

import scanc
import scanc.tensor as st


def oneStep(u_tm4, u_t, x_tm3, x_tm1, y_tm1, W, W_in_1, W_in_2, W_feedback, W_out):
    x_t = st.tanh(
        scanc.dot(x_tm1, W)
        + scanc.dot(u_t, W_in_1)
        + scanc.dot(u_tm4, W_in_2)
        + scanc.dot(y_tm1, W_feedback)
    )
    y_t = scanc.dot(x_tm3, W_out)
    return [x_t, y_t]


W = st.matrix()
W_in_1 = st.matrix()
W_in_2 = st.matrix()
W_feedback = st.matrix()
W_out = st.matrix()

u = st.matrix()  # it is a sequence of vectors
x0 = st.matrix()  # initial state of x has to be a matrix, since it has to cover x[-3]
y0 = st.vector()  # y0 is just a vector since scan has only to provide y[-1]

([x_vals, y_vals], updates) = scanc.scan(
    fn=oneStep,
    sequences=dict(input=u, taps=[-4, -0]),
    outputs_info=[dict(initial=x0, taps=[-3, -1]), y0],
    non_sequences=[W, W_in_1, W_in_2, W_feedback, W_out],
    strict=True,
)
rnn = scanc.function(
    [u, x0, y0, W, W_in_1, W_in_2, W_feedback, W_out], [x_vals, y_vals]
)

rng = np.random.default_rng(42)
n_in, n_hidden, n_out = 2, 3, 2
weights = [
    rng.normal(size=s) * 0.5
    for s in [
        (n_hidden, n_hidden),
        (n_in, n_hidden),
        (n_in, n_hidden),
        (n_out, n_hidden),
        (n_hidden, n_out),
    ]
]
uvals = rng.normal(size=(9, n_in))  # uvals[0] is u[-4]: scanning starts at uvals[4]
x_init = rng.normal(size=(3, n_hidden))
y_init = rng.normal(size=n_out)
xs, ys = rnn(uvals, x_init, y_init, *weights)

w, w_in_1, w_in_2, w_feedback, w_out = weights
x_hist, y_hist = list(x_init), [y_init]
for t in range(len(uvals) - 4):
    x_t = np.tanh(
        x_hist[-1] @ w
        + uvals[t + 4] @ w_in_1
        + uvals[t] @ w_in_2
        + y_hist[-1] @ w_feedback
    )
    y_hist.append(x_hist[-3] @ w_out)
    x_hist.append(x_t)
print(xs)
print(ys)
print(
    "matches the NumPy loop:",
    np.allclose(xs, x_hist[3:]) and np.allclose(ys, y_hist[1:]),
)
