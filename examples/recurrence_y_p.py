"""x(t) = tanh(x(t - 1).dot(W) + y(t).dot(U) + p(T - t).dot(V)) (the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variables
X = st.vector("X")
W = st.matrix("W")
b_sym = st.vector("b_sym")
U = st.matrix("U")
Y = st.matrix("Y")
V = st.matrix("V")
P = st.matrix("P")

results, updates = scanc.scan(
    lambda y, p, x_tm1: st.tanh(st.dot(x_tm1, W) + st.dot(y, U) + st.dot(p, V)),
    sequences=[Y, P[::-1]],
    outputs_info=[X],
)
compute_seq = scanc.function(inputs=[X, W, Y, U, P, V], outputs=results)

# test values
x = np.zeros((2), dtype=scanc.config.floatX)
x[1] = 1
w = np.ones((2, 2), dtype=scanc.config.floatX)
y = np.ones((5, 2), dtype=scanc.config.floatX)
y[0, :] = -3
u = np.ones((2, 2), dtype=scanc.config.floatX)
p = np.ones((5, 2), dtype=scanc.config.floatX)
p[0, :] = 3
v = np.ones((2, 2), dtype=scanc.config.floatX)

print(compute_seq(x, w, y, u, p, v))

# comparison with numpy
x_res = np.zeros((5, 2), dtype=scanc.config.floatX)
x_res[0] = np.tanh(x.dot(w) + y[0].dot(u) + p[4].dot(v))
for i in range(1, 5):
    x_res[i] = np.tanh(x_res[i - 1].dot(w) + y[i].dot(u) + p[4 - i].dot(v))
print(x_res)
