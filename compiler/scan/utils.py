"""`scanc.scan.utils`: the guides' home of `until`."""

from scanc.frontend.scan import until

__all__ = ["until"]
