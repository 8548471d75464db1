"""`scanc.tensor`: the symbolic tensor API (PyTensor's `pytensor.tensor`)."""

from scanc.frontend.graph import TensorVariable
from scanc.tensor.basic import *  # noqa: F403
from scanc.tensor.basic import CONSTRUCTORS

globals().update(CONSTRUCTORS)

__all__ = ["TensorVariable", *CONSTRUCTORS]
