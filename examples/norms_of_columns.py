"""Norms of the columns of X, by a scan over X.T (the scan tutorial)."""

import numpy as np

import scanc
import scanc.tensor as st

# define tensor variable
X = st.matrix("X")
results, updates = scanc.scan(lambda x_i: st.sqrt((x_i**2).sum()), sequences=[X.T])
compute_norm_cols = scanc.function(inputs=[X], outputs=results)

# test value
x = np.diag(np.arange(1, 6, dtype=scanc.config.floatX), 1)
print(compute_norm_cols(x))

# comparison with numpy
print(np.sqrt((x**2).sum(0)))
