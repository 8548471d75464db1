"""A**k by a loop (the scan guide's first example)."""

import scanc
import scanc.tensor as st

k = st.iscalar("k")
A = st.vector("A")

# Symbolic description of the result
result, updates = scanc.scan(
    fn=lambda prior_result, A: prior_result * A,
    outputs_info=st.ones_like(A),
    non_sequences=A,
    n_steps=k,
)

# We only care about A**k, but scan has provided us with A**1 through A**k.
# Only result[-1] is used, so the trim-memory pass keeps two rows, not k.
final_result = result[-1]

# compiled function that returns A**k
power = scanc.function(inputs=[A, k], outputs=final_result, updates=updates)

print(power(range(10), 2))
print(power(range(10), 4))
