"""Computing tanh(x(t).dot(W) + b) elementwise (the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# defining the tensor variables
X = st.matrix("X")
W = st.matrix("W")
b_sym = st.vector("b_sym")

results, updates = scanc.scan(lambda v: st.tanh(st.dot(v, W) + b_sym), sequences=X)
compute_elementwise = scanc.function(inputs=[X, W, b_sym], outputs=results)

# test values
x = np.eye(2, dtype=scanc.config.floatX)
w = np.ones((2, 2), dtype=scanc.config.floatX)
b = np.ones((2), dtype=scanc.config.floatX)
b[1] = 2

print(compute_elementwise(x, w, b))

# comparison with numpy
print(np.tanh(x.dot(w) + b))
