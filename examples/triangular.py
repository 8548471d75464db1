"""Triangular numbers by accumulation into a scalar (the scan guide)."""

import numpy as np

import scanc
import scanc.tensor as st

up_to = st.iscalar("up_to")


# define a named function, rather than using lambda
def accumulate_by_adding(arange_val, sum_to_date):
    return sum_to_date + arange_val


seq = st.arange(up_to)

# An unauthorized implicit downcast from the dtype of 'seq', to that of
# 'st.as_tensor_variable(0)' which is of dtype 'int8' by default would occur
# if this instruction were to be used instead of the next one:
# outputs_info = st.as_tensor_variable(0)
outputs_info = st.as_tensor_variable(np.asarray(0, seq.dtype))
scan_result, scan_updates = scanc.scan(
    fn=accumulate_by_adding, outputs_info=outputs_info, sequences=seq
)
triangular_sequence = scanc.function(inputs=[up_to], outputs=scan_result)

# test
some_num = 15
print(triangular_sequence(some_num))
print([n * (n + 1) // 2 for n in range(some_num)])
