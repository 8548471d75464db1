"""Norms of the rows of X, one per step (the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variable
X = st.matrix("X")
results, updates = scanc.scan(lambda x_i: st.sqrt((x_i**2).sum()), sequences=[X])
compute_norm_lines = scanc.function(inputs=[X], outputs=results)

# test value
x = np.diag(np.arange(1, 6, dtype=scanc.config.floatX), 1)
print(compute_norm_lines(x))

# comparison with numpy
print(np.sqrt((x**2).sum(1)))
