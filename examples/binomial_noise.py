"""tanh(v.dot(W) + b) * d with d a binomial draw (the scan tutorial).

The draw `d` is made outside the step function and used inside it without being
passed: it is drawn again at every step (pass it in `non_sequences` to keep one
draw for all steps). The numbers differ from the guide's, which come from
another generator; the pattern is the same: each row is the step's tanh values
with some entries zeroed.
"""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variables
X = st.matrix("X")
W = st.matrix("W")
b_sym = st.vector("b_sym")

# define shared random stream
trng = scanc.tensor.random.utils.RandomStream(1234)
d = trng.binomial(size=W[1].shape)

results, updates = scanc.scan(lambda v: st.tanh(st.dot(v, W) + b_sym) * d, sequences=X)
compute_with_bnoise = scanc.function(
    inputs=[X, W, b_sym], outputs=results, updates=updates, allow_input_downcast=True
)
x = np.eye(10, 2, dtype=scanc.config.floatX)
w = np.ones((2, 2), dtype=scanc.config.floatX)
b = np.ones((2), dtype=scanc.config.floatX)

print(compute_with_bnoise(x, w, b))
