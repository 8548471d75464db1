"""scanc: a compiler for loops over tensors, with PyTensor's `scan` API.

import scanc
import scanc.tensor as st

k = st.iscalar("k"); A = st.vector("A")
result, updates = scanc.scan(lambda prior, A: prior * A,
                             outputs_info=st.ones_like(A), non_sequences=A, n_steps=k)
power = scanc.function([A, k], result[-1], updates=updates)
"""

# `scanc.scan` is the callable module compiler/scan/__init__.py
import scanc.scan  # noqa: E402, F401, I001
from scanc import config, cuda, gradient, tensor
from scanc.frontend.function import Function, function, get_mode
from scanc.frontend.signature import UnusedInputError
from scanc.frontend.io import In, Out
from scanc.frontend.replace import clone_replace
from scanc.gradient import grad, hessian, jacobian, verify_grad
from scanc.frontend.loop_builder import MissingInputError
from scanc.frontend.scan import until
from scanc.frontend.shared import SharedVariable, shared
from scanc.frontend.views import foldl, foldr, map, reduce  # noqa: A004
from scanc.printing import debugprint as dprint, pp, pprint
from scanc.ifelse import ifelse  # the function, as `pytensor.ifelse` is
from scanc.tensor import dot
from scanc.codegen.target import Target, default_target, host

__all__ = [
    "Function",
    "In",
    "Out",
    "clone_replace",
    "MissingInputError",
    "UnusedInputError",
    "config",
    "cuda",
    "dot",
    "dprint",
    "foldl",
    "foldr",
    "function",
    "get_mode",
    "grad",
    "gradient",
    "hessian",
    "ifelse",
    "jacobian",
    "verify_grad",
    "map",
    "pp",
    "pprint",
    "reduce",
    "scan",
    "shared",
    "SharedVariable",
    "tensor",
    "Target",
    "default_target",
    "host",
    "until",
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
