"""`scanc.tensor.math`: the elementwise functions, reductions, products and
special functions under the module name PyTensor gives them
(`pytensor.tensor.math`)."""

from scanc.tensor.basic import *  # noqa: F403
from scanc.tensor.products import *  # noqa: F403
from scanc.tensor.reductions import *  # noqa: F403
from scanc.tensor.special import *  # noqa: F403
