"""`scanc.scan.checkpoints`: PyTensor's home of `scan_checkpoints`."""

from scanc.frontend.checkpoints import scan_checkpoints

__all__ = ["scan_checkpoints"]
