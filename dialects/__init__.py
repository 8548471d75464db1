"""The dialects scanc defines: `st` (tensor ops of the graph stage), `scan` (the
loop) and `ad` (requested gradients)."""

from scanc.dialects.ad import AD
from scanc.dialects.scan import SCAN
from scanc.dialects.st import ST

__all__ = ["AD", "SCAN", "ST"]
