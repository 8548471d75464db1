"""The Jacobian of y = tanh(v.dot(A)) with respect to v, by a scan over grad
(the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variables
v = st.vector()
A = st.matrix()
y = st.tanh(st.dot(v, A))
results, updates = scanc.scan(
    lambda i: st.grad(y[i], v), sequences=[st.arange(y.shape[0])]
)
compute_jac_t = scanc.function(
    [A, v], results, allow_input_downcast=True
)  # shape (d_out, d_in)

# test values
x = np.eye(5, dtype=scanc.config.floatX)[0]
w = np.eye(5, 3, dtype=scanc.config.floatX)
w[2] = np.ones((3), dtype=scanc.config.floatX)
print(compute_jac_t(w, x))

# compare with numpy
print(((1 - np.tanh(x.dot(w)) ** 2) * w).T)
