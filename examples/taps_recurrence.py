"""x(t) = x(t - 2).dot(U) + x(t - 1).dot(V) + tanh(x(t - 1).dot(W) + b) (the tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variables
X = st.matrix("X")
W = st.matrix("W")
b_sym = st.vector("b_sym")
U = st.matrix("U")
V = st.matrix("V")
n_sym = st.iscalar("n_sym")

results, updates = scanc.scan(
    lambda x_tm2, x_tm1: (
        st.dot(x_tm2, U) + st.dot(x_tm1, V) + st.tanh(st.dot(x_tm1, W) + b_sym)
    ),
    n_steps=n_sym,
    outputs_info=[dict(initial=X, taps=[-2, -1])],
)
compute_seq2 = scanc.function(inputs=[X, U, V, W, b_sym, n_sym], outputs=results)

# test values
x = np.zeros((2, 2), dtype=scanc.config.floatX)  # the initial value must cover x[-2]
x[1, 1] = 1
w = 0.5 * np.ones((2, 2), dtype=scanc.config.floatX)
u = 0.5 * (
    np.ones((2, 2), dtype=scanc.config.floatX) - np.eye(2, dtype=scanc.config.floatX)
)
v = 0.5 * np.ones((2, 2), dtype=scanc.config.floatX)
n = 10
b = np.ones((2), dtype=scanc.config.floatX)

print(compute_seq2(x, u, v, w, b, n))

# comparison with numpy
x_res = np.zeros((10, 2))
x_res[0] = x[0].dot(u) + x[1].dot(v) + np.tanh(x[1].dot(w) + b)
x_res[1] = x[1].dot(u) + x_res[0].dot(v) + np.tanh(x_res[0].dot(w) + b)
x_res[2] = x_res[0].dot(u) + x_res[1].dot(v) + np.tanh(x_res[1].dot(w) + b)
for i in range(2, 10):
    x_res[i] = (
        x_res[i - 2].dot(u) + x_res[i - 1].dot(v) + np.tanh(x_res[i - 1].dot(w) + b)
    )
print(x_res)
