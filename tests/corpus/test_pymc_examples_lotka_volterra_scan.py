"""The Lotka-Volterra ODE integrated by `pytensor.scan`, from PyMC's example
"ODE Lotka-Volterra With Bayesian Inference in Multiple Ways"
(pymc-examples, `examples/ode_models/ODE_Lotka_Volterra_multiple_ways`, section
"Pytensor Scan"): the explicit Euler update function, the scan over
`years * steps_year` steps with the parameters as non-sequences, the two
outputs stacked, one value per year picked by a boolean NumPy mask, and the
normal likelihood of the observed series. Changed to make it a test: the PyMC
model is unwrapped (priors become inputs, `pm.math.stack` is `pt.stack`, the
`Normal` likelihood is written out) and the observations are simulated."""

import numpy as np
import pytest

import scanc as pytensor
import scanc.tensor as pt

STEPS_YEAR, YEARS = 100, 21
THETA = np.array([0.52, 0.026, 0.84, 0.026, 34.0, 5.9])


def lv_scan_log_likelihood(theta, sigma, observed, steps_year=STEPS_YEAR, years=YEARS):
    n_steps = years * steps_year
    dt = 1 / steps_year

    segment = [True] + [False] * (steps_year - 1)
    boolist_idxs = []
    for _ in range(years):
        boolist_idxs += segment

    alpha, beta, gamma, delta, xt0, yt0 = (theta[k] for k in range(6))

    def ode_update_function(x, y, alpha, beta, gamma, delta):
        x_new = x + (alpha * x - beta * x * y) * dt
        y_new = y + (-gamma * y + delta * x * y) * dt
        return x_new, y_new

    result, updates = pytensor.scan(
        fn=ode_update_function,
        outputs_info=[xt0, yt0],
        non_sequences=[alpha, beta, gamma, delta],
        n_steps=n_steps,
    )

    final_result = pt.stack([result[0], result[1]], axis=1)
    annual_value = final_result[np.array(boolist_idxs), :]

    logp = (
        -0.5 * np.log(2 * np.pi)
        - pt.log(sigma)
        - 0.5 * ((observed - annual_value) / sigma) ** 2
    )
    return final_result, logp.sum()


def euler(theta, steps_year=STEPS_YEAR, years=YEARS):
    alpha, beta, gamma, delta, x, y = theta
    dt, path = 1 / steps_year, []
    for _ in range(years * steps_year):
        x, y = (
            x + (alpha * x - beta * x * y) * dt,
            y + (-gamma * y + delta * x * y) * dt,
        )
        path.append((x, y))
    return np.array(path)


def reference_logp(theta, sigma, observed):
    annual = euler(theta)[::STEPS_YEAR]
    return np.sum(
        -0.5 * np.log(2 * np.pi)
        - np.log(sigma)
        - 0.5 * ((observed - annual) / sigma) ** 2
    )


def observations():
    rng = np.random.default_rng(1234)
    return euler(THETA)[::STEPS_YEAR] + rng.normal(0, 2.0, size=(YEARS, 2))


@pytest.fixture(scope="module")
def model():
    theta, sigma, observed = (
        pt.dvector("theta"),
        pt.dscalar("sigma"),
        pt.dmatrix("observed"),
    )
    path, logp = lv_scan_log_likelihood(theta, sigma, observed)
    return pytensor.function(
        [theta, sigma, observed], [path, logp, pytensor.grad(logp, [theta, sigma])[0]]
    )


def test_path_and_likelihood_match_numpy(model):
    observed = observations()
    path, logp, _ = model(THETA, 2.0, observed)
    np.testing.assert_allclose(path, euler(THETA), rtol=1e-12)
    np.testing.assert_allclose(logp, reference_logp(THETA, 2.0, observed), rtol=1e-12)


def test_gradient_against_finite_differences(model):
    observed = observations()
    _, _, d_theta = model(THETA, 2.0, observed)
    for k in range(6):
        eps = 1e-7 * max(1.0, abs(THETA[k]))
        up, down = THETA.copy(), THETA.copy()
        up[k] += eps
        down[k] -= eps
        numeric = (
            reference_logp(up, 2.0, observed) - reference_logp(down, 2.0, observed)
        ) / (2 * eps)
        np.testing.assert_allclose(
            d_theta[k], numeric, rtol=1e-5, err_msg=f"theta[{k}]"
        )


def test_bad_input_is_refused(model):
    observed = observations()
    with pytest.raises(IndexError):
        model(THETA[:4], 2.0, observed)  # parameters missing: theta[4] is out of bounds
    with pytest.raises(ValueError):
        model(THETA, 2.0, observed[:5])  # fewer observed years than simulated ones
