"""Self-checks for paper 03. Run them with `pytest` in this folder or `s30 check 3`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong, fix
it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, NUMERIC_TOL, assert_close, assert_gradients, fail


def _lstm_inputs(seed, n, t, d, h):
    """x (N, T, D) (or (N, D) when t is None), h0, c0, Wx, Wh, b, and the generator."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d) if t is None else (n, t, d))
    return (
        x, rng.standard_normal((n, h)), rng.standard_normal((n, h)),
        rng.standard_normal((d, 4 * h)) / np.sqrt(d),
        rng.standard_normal((h, 4 * h)) / np.sqrt(h),
        0.5 * rng.standard_normal(4 * h),
    ), rng


@pytest.mark.points(1)
def test_lstm_step_forward_values(impl, baked):
    """lstm_step_forward gives the expected h and c"""
    args, _ = _lstm_inputs(30, 3, None, 4, 2)
    (h, c), _ = impl.lstm_step_forward(*args)
    expected_h, expected_c = baked("lstm_step", *args)
    assert_close("lstm_step_forward h", h, expected_h, tol=EXACT_TOL)
    assert_close("lstm_step_forward c", c, expected_c, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_lstm_step_backward_numeric(impl):
    """lstm_step_backward agrees with central differences of your lstm_step_forward"""
    args, rng = _lstm_inputs(31, 2, None, 3, 2)
    dout = (rng.standard_normal((2, 2)), rng.standard_normal((2, 2)))
    _, cache = impl.lstm_step_forward(*args)
    numeric = numerical_vjp(output_of(impl.lstm_step_forward), args, dout, wrt=range(6))
    assert_gradients(
        "lstm_step_backward", impl.lstm_step_backward(dout, cache),
        ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"), numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_lstm_forward_values(impl, baked):
    """lstm_forward gives the expected hidden states over 5 steps"""
    args, _ = _lstm_inputs(32, 2, 5, 3, 3)
    h, _ = impl.lstm_forward(*args)
    assert_close("lstm_forward h", h, baked("lstm", *args), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_lstm_backward_numeric(impl):
    """lstm_backward (BPTT over 4 steps) agrees with central differences of your lstm_forward"""
    args, rng = _lstm_inputs(33, 2, 4, 2, 2)
    dh = rng.standard_normal((2, 4, 2))
    _, cache = impl.lstm_forward(*args)
    numeric = numerical_vjp(output_of(impl.lstm_forward), args, dh, wrt=range(6))
    assert_gradients(
        "lstm_backward", impl.lstm_backward(dh, cache),
        ("dx", "dh0", "dc0", "dWx", "dWh", "db"), numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_input_grad_norms_numeric(impl):
    """input_grad_norms agrees with central differences of your lstm_forward"""
    args, rng = _lstm_inputs(34, 2, 6, 2, 3)
    dh_last = rng.standard_normal((2, 3))
    _, cache = impl.lstm_forward(*args)
    last_step = output_of(impl.lstm_forward, then=lambda h: h[:, -1])
    (dx,) = numerical_vjp(last_step, args, dh_last, wrt=(0,))
    expected = np.sqrt((dx**2).sum(axis=(0, 2)))
    assert_close("input_grad_norms", impl.input_grad_norms(dh_last, cache), expected,
                 tol=NUMERIC_TOL, against="central differences")


@pytest.mark.points(1)
def test_gates_at_800(impl):
    """gate pre-activations of +-800 raise no overflow, and the gates are exactly 0 or 1"""
    rng = np.random.default_rng(35)
    x, h_prev, c_prev = np.zeros((2, 1)), np.zeros((2, 1)), rng.standard_normal((2, 1))
    b = np.array([800.0, -800.0, 800.0, 800.0])  # i = 1, f = 0, g = 1, o = 1
    try:
        with np.errstate(over="raise", invalid="raise"):
            (h, c), _ = impl.lstm_step_forward(x, h_prev, c_prev, np.zeros((1, 4)),
                                               np.zeros((1, 4)), b)
    except FloatingPointError as exc:
        fail(f"lstm_step_forward overflowed at pre-activations of +-800 ({exc}); "
             "see the handout's hint on a stable sigmoid")
    assert_close("lstm_step_forward c with i = 1, f = 0, g = 1", c, np.ones((2, 1)),
                 tol=EXACT_TOL, against="c = 1")
    assert_close("lstm_step_forward h with o = 1, c = 1", h, np.full((2, 1), np.tanh(1.0)),
                 tol=EXACT_TOL, against="h = tanh(1)")
