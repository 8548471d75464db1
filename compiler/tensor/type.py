"""`scanc.tensor.type` (PyTensor's `pytensor.tensor.type`): the tensor type and
the constructors of symbolic inputs."""

from scanc.graph import TensorType, TensorVariable
from scanc.tensor.basic import CONSTRUCTORS, tensor

globals().update(CONSTRUCTORS)

__all__ = ["TensorType", "TensorVariable", "tensor", *CONSTRUCTORS]
