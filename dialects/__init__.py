"""The dialects scanc defines: `st` (tensor ops of the graph stage) and `scan`."""

from scanc.dialects.scan import SCAN
from scanc.dialects.st import ST

__all__ = ["SCAN", "ST"]
