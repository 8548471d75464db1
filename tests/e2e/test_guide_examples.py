"""The scan guide's first examples, run as programs and as compiled functions."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import scanc
import scanc.tensor as st

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()


def numbers(text: str) -> np.ndarray:
    return np.array(
        [
            float(t)
            for t in text.replace("[", " ").replace("]", " ").replace(",", " ").split()
        ]
    )


def test_power_prints_the_guide_values():
    lines = run_example("power.py")
    # the guide prints A**2 then A**4 for A = range(10)
    first, second = numbers(lines[0]), numbers(" ".join(lines[1:]))
    np.testing.assert_array_equal(first, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81])
    np.testing.assert_array_equal(
        second, [0, 1, 16, 81, 256, 625, 1296, 2401, 4096, 6561]
    )


def test_polynomial_prints_the_guide_values():
    assert run_example("polynomial.py") == ["19.0", "19.0"]


def test_triangular_prints_the_guide_values():
    lines = run_example("triangular.py")
    assert lines[0] == "[  0   1   3   6  10  15  21  28  36  45  55  66  78  91 105]"
    assert lines[1] == "[0, 1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 66, 78, 91, 105]"


def power_function(mode):
    k = st.iscalar("k")
    A = st.vector("A")
    result, updates = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    return scanc.function([A, k], result[-1], updates=updates, mode=mode)


def test_power_with_new_lengths_and_steps(mode, monkeypatch):
    power = power_function(mode)
    from scanc import pipeline

    def no_recompile(*args, **kwargs):
        raise AssertionError("a call must not compile again")

    monkeypatch.setattr(pipeline, "compile_module", no_recompile)
    monkeypatch.setattr(scanc.config, "specialize", "off")  # variants do compile
    rng = np.random.default_rng(0)
    for n, k in [(10, 2), (3, 7), (1000, 5), (0, 3), (5, 1)]:
        a = rng.uniform(0.5, 1.5, n)
        np.testing.assert_allclose(power(a, k), a**k, rtol=1e-12)


def test_power_full_trace_matches_numpy(mode):
    k = st.iscalar("k")
    A = st.vector("A")
    result, _ = scanc.scan(
        lambda p, A: p * A, outputs_info=st.ones_like(A), non_sequences=A, n_steps=k
    )
    trace = scanc.function([A, k], result, mode=mode)
    a = np.arange(1.0, 5.0)
    expected = np.stack([a**i for i in range(1, 6)])
    np.testing.assert_array_equal(trace(a, 5), expected)
    assert trace(a, 0).shape == (0, 4)


def test_power_zero_steps_has_no_last_row(mode):
    power = power_function(mode)
    with pytest.raises(IndexError, match="out of bounds"):
        power(np.ones(3), 0)


def test_polynomial_with_other_coefficients(mode):
    coefficients = st.vector("coefficients")
    x = st.scalar("x")
    components, _ = scanc.scan(
        lambda c, p, x: c * x**p,
        sequences=[coefficients, st.arange(10000)],
        non_sequences=x,
    )
    poly = scanc.function([coefficients, x], components.sum(), mode=mode)
    c = np.random.default_rng(1).normal(size=50)
    assert poly(c, 0.5) == pytest.approx(
        np.polynomial.polynomial.polyval(0.5, c), rel=1e-12
    )
    assert poly(np.zeros(0), 2.0) == 0.0


def test_triangular_dtype_rule_and_lengths(mode):
    up_to = st.iscalar("up_to")
    seq = st.arange(up_to)
    assert seq.dtype == "int64"
    result, _ = scanc.scan(
        lambda v, s: s + v,
        sequences=seq,
        outputs_info=st.as_tensor_variable(np.asarray(0, seq.dtype)),
    )
    tri = scanc.function([up_to], result, mode=mode)
    for n in (0, 1, 15, 1000):
        out = tri(n)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, np.cumsum(np.arange(n)))


def test_triangular_int8_initial_state_is_a_clear_error():
    up_to = st.iscalar("up_to")
    assert st.as_tensor_variable(0).dtype == "int8"
    with pytest.raises(TypeError, match="dtype int8 but fn returns dtype int64"):
        scanc.scan(
            lambda v, s: s + v,
            sequences=st.arange(up_to),
            outputs_info=st.as_tensor_variable(0),
        )


def test_powers_of_two_prints_the_guide_values():
    assert run_example("powers_of_two.py") == ["[ 2.  4.  8. 16. 32. 64.]"]


def test_norms_of_rows_prints_the_guide_values():
    lines = run_example("norms_of_rows.py")
    np.testing.assert_array_equal(numbers(lines[0]), [1, 2, 3, 4, 5, 0])
    assert lines[0] == lines[1]


def test_trace_prints_the_guide_values():
    assert run_example("trace.py") == ["4.0", "4.0"]


def _two_equal_blocks(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    values = numbers(" ".join(lines))
    half = len(values) // 2
    return values[:half], values[half:]


@pytest.mark.parametrize(
    "program,expected",
    [
        ("tanh_xw_b.py", [0.96402758, 0.99505475, 0.96402758, 0.99505475]),
        (
            "recurrence_y_p.py",
            [
                -0.99505475,
                -0.99505475,
                0.96471973,
                0.96471973,
                0.99998585,
                0.99998585,
                0.99998771,
                0.99998771,
                1.0,
                1.0,
            ],
        ),
        ("norms_of_columns.py", [0, 1, 2, 3, 4, 5]),
        (
            "taps_recurrence.py",
            [
                1.40514825,
                1.40514825,
                2.88898899,
                2.38898899,
                4.34018291,
                4.34018291,
                6.53463142,
                6.78463142,
                9.82972243,
                9.82972243,
                14.22203814,
                14.09703814,
                20.07439936,
                20.07439936,
                28.12291843,
                28.18541843,
                39.1913681,
                39.1913681,
                54.28407732,
                54.25282732,
            ],
        ),
    ],
)
def test_tutorial_examples_print_the_guide_values(program, expected):
    ours, numpys = _two_equal_blocks(run_example(program))
    np.testing.assert_allclose(ours, expected, atol=5e-9)
    np.testing.assert_allclose(ours, numpys, rtol=1e-12)


def test_set_value_at_position_prints_the_guide_values():
    values = numbers(" ".join(run_example("set_value_at_position.py")))
    expected = np.zeros((2, 5, 5))
    expected[0, 1, 1], expected[1, 2, 3] = 42, 50
    np.testing.assert_array_equal(values, expected.ravel())


def test_rnn_matches_the_numpy_loop():
    assert run_example("rnn.py")[-1] == "matches the NumPy loop: True"


def test_shared_counter_goes_from_0_to_5():
    assert run_example("shared_counter.py") == ["0", "5"]


def test_updates_example_prints_the_guide_values():
    assert run_example("shared_updates.py") == ["2 12 11", "12 22 21"]


def test_gibbs_sampling_example_runs_all_three_ways():
    lines = run_example("gibbs.py")
    assert lines[0].startswith("captured shared variables: [")
    assert lines[1].startswith("non_sequences: [")
    assert lines[2] == "strict=True: MissingInputError"
    assert lines[3].startswith("strict=True with non_sequences: [")
    for line in (lines[0], lines[1], lines[3]):
        assert set(numbers(line.split(":", 1)[1])) <= {0.0, 1.0}


def test_binomial_noise_rows_are_masked_tanh_values():
    values = numbers(" ".join(run_example("binomial_noise.py"))).reshape(10, 2)
    allowed = {0.0, round(float(np.tanh(2.0)), 8), round(float(np.tanh(1.0)), 8)}
    assert {round(v, 8) for v in values.ravel()} <= allowed
    assert len({tuple(r) for r in values}) > 1  # drawn again at every step


def test_jacobian_example_prints_the_guide_matrix():
    values = numbers(" ".join(run_example("jacobian.py")))
    expected = [0.41997434, 0, 0.41997434, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0]
    np.testing.assert_allclose(values[:15], expected, atol=5e-9)
    np.testing.assert_allclose(values[:15], values[15:], rtol=1e-12)
