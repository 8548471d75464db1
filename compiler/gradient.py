"""`scanc.gradient`: gradients as PyTensor users spell them.

`grad` records a request that the `construct-gradients` pass expands;
`jacobian` and `hessian` are scans over `grad` (as PyTensor builds them);
`verify_grad` checks a gradient against central finite differences.
"""

from __future__ import annotations

import numpy as np
from scanc.frontend.gradient import DisconnectedInputError, grad


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """d expression[i] / d wrt, one row per element of the vector `expression`."""
    from scanc import scan
    from scanc.tensor import arange, as_tensor_variable

    expression = as_tensor_variable(expression)
    if expression.ndim != 1:
        raise TypeError("jacobian: the expression must be a vector")
    single = not isinstance(wrt, (list, tuple))
    variables = [wrt] if single else list(wrt)

    def row(i, *args):
        return grad(
            expression[i],
            variables,
            consider_constant=consider_constant,
            disconnected_inputs=disconnected_inputs,
        )

    rows, _ = scan(row, sequences=arange(expression.shape[0]), return_list=True)
    return rows[0] if single else rows


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The matrix of second derivatives of the scalar `cost` (for each `wrt`)."""
    single = not isinstance(wrt, (list, tuple))
    variables = [wrt] if single else list(wrt)
    result = []
    for var in variables:
        g = grad(
            cost,
            var,
            consider_constant=consider_constant,
            disconnected_inputs=disconnected_inputs,
        )
        result.append(jacobian(g, var, consider_constant=consider_constant))
    return result[0] if single else result


def verify_grad(
    fun, pt, n_tests=2, rng=None, eps=1e-7, abs_tol=1e-6, rel_tol=1e-6, mode=None
):
    """Check the gradient of `fun` at the points `pt` (a list of arrays) against
    central finite differences, projecting the output on a random direction (as
    PyTensor's `verify_grad`). Raises AssertionError with the worst mismatch."""
    import scanc
    import scanc.tensor as st

    rng = rng or np.random.default_rng(0)
    pt = [np.asarray(p, dtype="float64") for p in pt]
    inputs = [
        st.tensor(f"x{n}", dtype="float64", shape=(None,) * p.ndim)
        for n, p in enumerate(pt)
    ]
    output = fun(*inputs)
    for _ in range(n_tests):
        shape_of = scanc.function(inputs, output, mode=mode)
        out_value = np.asarray(shape_of(*pt))
        direction = rng.normal(size=out_value.shape)
        cost = (
            (output * st.constant(direction)).sum()
            if out_value.ndim
            else output * float(direction)
        )
        gradients = grad(cost, inputs)
        f_cost = scanc.function(inputs, cost, mode=mode)
        f_grad = scanc.function(inputs, gradients, mode=mode)
        analytic = f_grad(*pt)
        for n, (p, g) in enumerate(zip(pt, analytic)):
            numeric = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                up, down = [q.copy() for q in pt], [q.copy() for q in pt]
                up[n][index] += eps
                down[n][index] -= eps
                numeric[index] = (f_cost(*up) - f_cost(*down)) / (2 * eps)
            error = np.abs(g - numeric)
            bound = abs_tol + rel_tol * np.abs(numeric)
            if not np.all(error <= bound):
                worst = np.unravel_index(np.argmax(error - bound), error.shape)
                raise AssertionError(
                    f"verify_grad: input {n} at {worst}: analytic {g[worst]!r} vs "
                    f"finite differences {numeric[worst]!r}"
                )


def _marked(fn: str, x, *others):
    from scanc.tensor import as_tensor_variable, cast, elementwise

    x = as_tensor_variable(x)
    others = [cast(o, x.dtype) for o in others]
    return elementwise(fn, x, *others, out_dtype=x.dtype)


def zero_grad(x):
    """`x`, through which gradients are zero (still connected)."""
    return _marked("zero_grad", x)


def disconnected_grad(x):
    """`x`, through which no gradient flows: a cost that depends on an input
    only through it is disconnected from that input."""
    return _marked("disconnected_grad", x)


def grad_scale(x, multiplier):
    """`x`, whose gradient is multiplied by `multiplier`."""
    return _marked("grad_scale", x, multiplier)


def grad_clip(x, lower_bound, upper_bound):
    """`x`, whose gradient is clipped to [lower_bound, upper_bound]."""
    return _marked("grad_clip", x, lower_bound, upper_bound)


__all__ = [
    "DisconnectedInputError",
    "disconnected_grad",
    "grad",
    "grad_clip",
    "grad_scale",
    "hessian",
    "jacobian",
    "verify_grad",
    "zero_grad",
]

# PyTensor names not provided here raise NotImplementedError (scanc.compat)
from scanc.compat import missing_names  # noqa: E402, I001

__getattr__ = missing_names(__name__)
