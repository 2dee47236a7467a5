"""Self-checks for paper 02. Run them with `pytest` in this folder or `s30 check 2`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong, fix
it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_equal, assert_gradients


def _rnn_inputs(seed, shape_x, hidden):
    rng = np.random.default_rng(seed)
    d = shape_x[-1]
    return (
        rng.standard_normal(shape_x),
        rng.standard_normal((shape_x[0], hidden)),
        rng.standard_normal((d, hidden)) / np.sqrt(d),
        rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
        0.5 * rng.standard_normal(hidden),
    ), rng


@pytest.mark.points(1)
def test_rnn_step_forward_values(impl, baked):
    """rnn_step_forward gives the expected hidden state"""
    args, _ = _rnn_inputs(20, (3, 4), 5)
    h, _ = impl.rnn_step_forward(*args)
    assert_close("rnn_step_forward h", h, baked("rnn_step", *args), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_rnn_step_backward_numeric(impl):
    """rnn_step_backward agrees with central differences of your rnn_step_forward"""
    args, rng = _rnn_inputs(21, (2, 3), 4)
    dh = rng.standard_normal((2, 4))
    _, cache = impl.rnn_step_forward(*args)
    numeric = numerical_vjp(output_of(impl.rnn_step_forward), args, dh, wrt=range(5))
    assert_gradients(
        "rnn_step_backward", impl.rnn_step_backward(dh, cache),
        ("dx", "dh_prev", "dWx", "dWh", "db"), numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_rnn_forward_values(impl, baked):
    """rnn_forward gives the expected hidden states over 5 steps"""
    args, _ = _rnn_inputs(22, (2, 5, 3), 4)
    h, _ = impl.rnn_forward(*args)
    assert_close("rnn_forward h", h, baked("rnn", *args), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_rnn_backward_numeric(impl):
    """rnn_backward (BPTT over 4 steps) agrees with central differences of your rnn_forward"""
    args, rng = _rnn_inputs(23, (2, 4, 3), 3)
    dh = rng.standard_normal((2, 4, 3))
    _, cache = impl.rnn_forward(*args)
    numeric = numerical_vjp(output_of(impl.rnn_forward), args, dh, wrt=range(5))
    assert_gradients(
        "rnn_backward", impl.rnn_backward(dh, cache),
        ("dx", "dh0", "dWx", "dWh", "db"), numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_softmax_ce_forward_values(impl, baked):
    """softmax_ce_forward gives the expected loss, and ln V at uniform logits"""
    rng = np.random.default_rng(24)
    logits, y = 2.0 * rng.standard_normal((2, 3, 5)), rng.integers(5, size=(2, 3))
    loss, _ = impl.softmax_ce_forward(logits, y)
    assert_close("softmax_ce_forward loss", loss, baked("softmax_ce", logits, y), tol=EXACT_TOL)
    loss, _ = impl.softmax_ce_forward(np.zeros((2, 3, 5)), y)
    assert_close("softmax_ce_forward at logits = 0 (should be ln 5)", loss, np.log(5),
                 tol=EXACT_TOL)


@pytest.mark.points(1)
def test_softmax_ce_backward_numeric(impl):
    """softmax_ce_backward agrees with central differences of your softmax_ce_forward"""
    rng = np.random.default_rng(25)
    logits, y = 2.0 * rng.standard_normal((2, 3, 4)), rng.integers(4, size=(2, 3))
    _, cache = impl.softmax_ce_forward(logits, y)
    numeric = numerical_vjp(output_of(impl.softmax_ce_forward), (logits, y), 0.5, wrt=(0,))
    assert_gradients(
        "softmax_ce_backward", impl.softmax_ce_backward(0.5, cache), ("dlogits",), numeric=numeric
    )


@pytest.mark.points(1)
def test_sample_values(impl, baked):
    """sample gives the expected ids for these uniforms"""
    rng = np.random.default_rng(26)
    h, v = 4, 6
    args = (
        rng.standard_normal(h), 1, 1.5 * rng.standard_normal((v, h)),
        rng.standard_normal((h, h)) / 2.0, 0.5 * rng.standard_normal(h),
        2.0 * rng.standard_normal((h, v)), rng.standard_normal(v), rng.random(12),
    )
    assert_equal("sample ids", impl.sample(*args), baked("sample", *args))
