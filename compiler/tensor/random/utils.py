"""`scanc.tensor.random.utils`: where the guides import `RandomStream` from."""

from scanc.tensor.random import RandomStream

__all__ = ["RandomStream"]
