"""Powers of two until a bound: scan as a repeat-until loop (the scan guide)."""

import scanc
import scanc.tensor as st


def power_of_2(previous_power, max_value):
    return previous_power * 2, scanc.until(previous_power * 2 > max_value)


max_value = st.scalar()
values, _ = scanc.scan(
    power_of_2, outputs_info=st.constant(1.0), non_sequences=max_value, n_steps=1024
)
f = scanc.function([max_value], values)
print(f(45))
