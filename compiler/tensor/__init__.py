"""`scanc.tensor`: the symbolic tensor API (PyTensor's `pytensor.tensor`)."""

from scanc.graph import TensorVariable
from scanc.tensor.basic import *  # noqa: F403
from scanc.tensor.basic import CONSTRUCTORS
from scanc.tensor.indexing import *  # noqa: F403
from scanc.tensor.products import *  # noqa: F403
from scanc.tensor.reductions import *  # noqa: F403
from scanc.tensor.shape import *  # noqa: F403
from scanc.tensor.extra_ops import *  # noqa: F403
from scanc.tensor.special import *  # noqa: F403
from scanc.tensor.composed import *  # noqa: F403
from scanc.tensor.einsum import einsum  # noqa: F401

globals().update(CONSTRUCTORS)


def grad(*args, **kwargs):
    """`scanc.grad`, reachable from `scanc.tensor` as in older PyTensor code."""
    from scanc.gradient import grad as _grad

    return _grad(*args, **kwargs)


def jacobian(*args, **kwargs):
    """`scanc.jacobian`, reachable from `scanc.tensor` as `pt.jacobian`."""
    from scanc.gradient import jacobian as _jacobian

    return _jacobian(*args, **kwargs)


def hessian(*args, **kwargs):
    """`scanc.hessian`, reachable from `scanc.tensor` as `pt.hessian`."""
    from scanc.gradient import hessian as _hessian

    return _hessian(*args, **kwargs)


# the guides reach random streams as scanc.tensor.random(.utils).RandomStream;
# PyTensor's code reaches functions as pt.math.* and pt.linalg.* (pt.special.*
# and pt.extra_ops.* are bound by the star imports above)
import scanc.tensor.random.utils  # noqa: E402, F401, I001
import scanc.tensor.math  # noqa: E402, F401, I001
import scanc.tensor.linalg  # noqa: E402, F401, I001

# after the star imports, which bring the IR's type of the same name
from scanc.tensor.type import TensorType  # noqa: E402, I001

__all__ = ["TensorType", "TensorVariable", *CONSTRUCTORS]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
