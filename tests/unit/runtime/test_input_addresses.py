"""The frame reads each input's data address from NumPy's array struct; it
must agree with `ndarray.ctypes.data` for every kind of array a call passes."""

import numpy as np
import pytest

from scanc.runtime.call import _data_address

BASE = np.arange(24.0).reshape(4, 6)


@pytest.mark.parametrize(
    "array",
    [
        BASE,
        BASE[1:],  # a view that starts inside its base
        BASE[:, 2:],
        BASE[::-1],  # negative strides: the address of the first row read
        BASE.T,
        np.empty(0),
        np.ascontiguousarray(BASE[:, ::2]),
        np.zeros(3, dtype=np.float32),
        np.arange(5),
    ],
)
def test_address_is_the_arrays_data(array):
    assert _data_address(array) == array.ctypes.data


def test_address_follows_an_in_place_resize():
    a = np.ones(4)
    a.resize(1 << 20, refcheck=False)
    assert _data_address(a) == a.ctypes.data
