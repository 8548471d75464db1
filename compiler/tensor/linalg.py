"""`scanc.tensor.linalg`: PyTensor's `pytensor.tensor.linalg`, the functions
of `scanc.tensor.slinalg` and `scanc.tensor.nlinalg` under one name."""

from scanc.tensor.nlinalg import *  # noqa: F403
from scanc.tensor.nlinalg import __all__ as _nlinalg
from scanc.tensor.slinalg import *  # noqa: F403
from scanc.tensor.slinalg import __all__ as _slinalg

__all__ = [*_nlinalg, *_slinalg]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
