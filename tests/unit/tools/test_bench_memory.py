"""The benchmark's peak-memory probe sees native allocations."""

import sys

import numpy as np
import pytest

from bench.memory import peak_bytes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_peak_of_a_call_that_touches_64_mib():
    size = 64 * 2**20

    def touch():
        a = np.ones(size // 8)  # written, so resident; freed on return
        return float(a[-1])

    peak = peak_bytes(touch)
    assert peak is not None and size * 0.9 <= peak <= size * 2
    assert peak_bytes(lambda: None) < size / 8  # nothing allocated: little growth
