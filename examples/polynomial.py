"""Evaluating a polynomial by a scan over its coefficients (the scan guide)."""

import numpy

import scanc
import scanc.tensor as st

coefficients = scanc.tensor.vector("coefficients")
x = st.scalar("x")
max_coefficients_supported = 10000

# Generate the components of the polynomial
components, updates = scanc.scan(
    fn=lambda coefficient, power, free_variable: coefficient * (free_variable**power),
    outputs_info=None,
    sequences=[coefficients, scanc.tensor.arange(max_coefficients_supported)],
    non_sequences=x,
)
# Sum them up
polynomial = components.sum()

# Compile a function
calculate_polynomial = scanc.function(inputs=[coefficients, x], outputs=polynomial)

# Test
test_coefficients = numpy.asarray([1, 0, 2], dtype=numpy.float32)
test_value = 3
print(calculate_polynomial(test_coefficients, test_value))
print(1.0 * (3**0) + 0.0 * (3**1) + 2.0 * (3**2))
