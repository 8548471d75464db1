"""Accumulate the number of loop steps in a shared variable (the scan tutorial)."""

import scanc
import scanc.tensor as st

# define shared variables
k = scanc.shared(0)
n_sym = st.iscalar("n_sym")

results, updates = scanc.scan(lambda: {k: (k + 1)}, n_steps=n_sym)
accumulator = scanc.function([n_sym], [], updates=updates, allow_input_downcast=True)

print(k.get_value())
accumulator(5)
print(k.get_value())
