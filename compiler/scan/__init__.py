"""`scanc.scan`: call it as a function (`scanc.scan(fn, ...)`), or reach the rest
of PyTensor's scan module through it (`scanc.scan.utils.until`, `scanc.scan.map`).

PyTensor 3 no longer accepts the guides' spelling `pytensor.scan.utils.until`;
scanc keeps it working by making this module callable.
"""

from scanc.frontend.checkpoints import scan_checkpoints
from scanc.frontend.loop_builder import MissingInputError
from scanc.frontend.scan import scan, until
from scanc.frontend.views import foldl, foldr, map, reduce  # noqa: A004
from scanc.scan import checkpoints, utils
from scanc.compat import make_callable


make_callable(__name__, scan)

__all__ = [
    "MissingInputError",
    "checkpoints",
    "foldl",
    "foldr",
    "map",
    "reduce",
    "scan",
    "scan_checkpoints",
    "until",
    "utils",
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
