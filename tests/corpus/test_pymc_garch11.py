"""GARCH(1, 1) volatility and log-likelihood, from PyMC's `pymc/distributions/
timeseries.py` (class `GARCH11`, PyMC 3.x-4.x): `get_volatility` and `logp`
unwrapped from the distribution class; `Normal.dist(0., sigma=vol).logp(x)`
written out as the normal log-density."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt
from scanc import scan


class GARCH11:
    def __init__(self, omega, alpha_1, beta_1, initial_vol):
        self.omega = omega = pt.as_tensor_variable(omega)
        self.alpha_1 = alpha_1 = pt.as_tensor_variable(alpha_1)
        self.beta_1 = beta_1 = pt.as_tensor_variable(beta_1)
        self.initial_vol = pt.as_tensor_variable(initial_vol)
        self.mean = pt.as_tensor_variable(0.0)

    def get_volatility(self, x):
        x = x[:-1]

        def volatility_update(x, vol, w, a, b):
            return pt.sqrt(w + a * pt.square(x) + b * pt.square(vol))

        vol, _ = scan(
            fn=volatility_update,
            sequences=[x],
            outputs_info=[self.initial_vol],
            non_sequences=[self.omega, self.alpha_1, self.beta_1],
        )
        return pt.concatenate([[self.initial_vol], vol])

    def logp(self, x):
        vol = self.get_volatility(x)
        return pt.sum(
            -0.5 * np.log(2 * np.pi) - pt.log(vol) - 0.5 * pt.square((x - 0.0) / vol)
        )


def reference(x, omega, alpha, beta, vol0):
    vol = [vol0]
    for x_t in x[:-1]:
        vol.append(np.sqrt(omega + alpha * x_t**2 + beta * vol[-1] ** 2))
    vol = np.array(vol)
    return np.sum(-0.5 * np.log(2 * np.pi) - np.log(vol) - 0.5 * (x / vol) ** 2)


def _model():
    x = pt.vector("x")
    omega, alpha, beta = pt.dscalars("omega", "alpha", "beta")
    logp = GARCH11(omega, alpha, beta, 0.1).logp(x)
    return [x, omega, alpha, beta], logp


def test_log_likelihood_matches_numpy():
    inputs, logp = _model()
    f = pytensor.function(inputs, logp)
    x = np.random.default_rng(0).normal(0, 0.3, 200)
    np.testing.assert_allclose(f(x, 0.01, 0.2, 0.7), reference(x, 0.01, 0.2, 0.7, 0.1))


def test_gradient_by_finite_differences():
    x = np.random.default_rng(1).normal(0, 0.3, 50)

    def logp(omega, alpha, beta):
        return GARCH11(omega, alpha, beta, 0.1).logp(pt.as_tensor_variable(x))

    pytensor.verify_grad(logp, [0.01, 0.2, 0.7], rng=np.random.default_rng(2))


def test_bad_input_is_refused():
    inputs, logp = _model()
    f = pytensor.function(inputs, logp)
    with pytest.raises(TypeError, match="expected 1 dimensions"):
        f(np.zeros((3, 2)), 0.01, 0.2, 0.7)
