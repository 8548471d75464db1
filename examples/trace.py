"""The trace of X by a scan over two aranges (the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

floatX = "float32"

# define tensor variable
X = st.matrix("X")
results, updates = scanc.scan(
    lambda i, j, t_f: st.cast(X[i, j] + t_f, floatX),
    sequences=[st.arange(X.shape[0]), st.arange(X.shape[1])],
    outputs_info=np.asarray(0.0, dtype=floatX),
)
result = results[-1]
compute_trace = scanc.function(inputs=[X], outputs=result)

# test value
x = np.eye(5, dtype=scanc.config.floatX)
x[0] = np.arange(5, dtype=scanc.config.floatX)
print(compute_trace(x))

# comparison with numpy
print(np.diagonal(x).sum())
