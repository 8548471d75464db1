"""Arrays of zeros with one value set at a position per step (the scan guide)."""

import numpy

import scanc
import scanc.tensor as st

location = st.imatrix("location")
values = st.vector("values")
output_model = st.matrix("output_model")


def set_value_at_position(a_location, a_value, output_model):
    zeros = st.zeros_like(output_model)
    zeros_subtensor = zeros[a_location[0], a_location[1]]
    return st.set_subtensor(zeros_subtensor, a_value)


result, updates = scanc.scan(
    fn=set_value_at_position,
    outputs_info=None,
    sequences=[location, values],
    non_sequences=output_model,
)

assign_values_at_positions = scanc.function(
    inputs=[location, values, output_model], outputs=result
)

# test
test_locations = numpy.asarray([[1, 1], [2, 3]], dtype=numpy.int32)
test_values = numpy.asarray([42, 50], dtype=numpy.float32)
test_output_model = numpy.zeros((5, 5), dtype=numpy.float32)
print(assign_values_at_positions(test_locations, test_values, test_output_model))
