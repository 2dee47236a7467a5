"""Self-checks for paper 26. Run them with `pytest` in this folder or `s30 check 26`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import (
    EXACT_TOL,
    NUMERIC_TOL,
    assert_close,
    assert_gradients,
    away_from_zero,
)


@pytest.mark.points(1)
def test_affine_forward_values(impl, baked):
    """affine_forward gives the expected output"""
    rng = np.random.default_rng(260)
    x, w, b = rng.standard_normal((3, 2, 5)), rng.standard_normal((10, 4)), rng.standard_normal(4)
    out, _ = impl.affine_forward(x, w, b)
    assert_close("affine_forward out", out, baked("affine", x, w, b), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_affine_backward_numeric(impl):
    """affine_backward agrees with central differences of your affine_forward"""
    rng = np.random.default_rng(261)
    x, w, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((6, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((2, 3))
    _, cache = impl.affine_forward(x, w, b)
    numeric = numerical_vjp(output_of(impl.affine_forward), (x, w, b), dout, wrt=(0, 1, 2))
    assert_gradients(
        "affine_backward", impl.affine_backward(dout, cache), ("dx", "dw", "db"),
        numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_relu_forward_values(impl, baked):
    """relu_forward gives the expected output"""
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = impl.relu_forward(x)
    assert_close("relu_forward out", out, baked("relu", x), tol=EXACT_TOL)


@pytest.mark.points(1)
def test_relu_backward_numeric(impl):
    """relu_backward agrees with central differences of your relu_forward"""
    rng = np.random.default_rng(262)
    x = away_from_zero(rng, (4, 5))
    dout = rng.standard_normal((4, 5))
    _, cache = impl.relu_forward(x)
    numeric = numerical_vjp(output_of(impl.relu_forward), (x,), dout, wrt=(0,))
    assert_gradients("relu_backward", impl.relu_backward(dout, cache), ("dx",), numeric=numeric)


def _loss_inputs(seed):
    rng = np.random.default_rng(seed)
    # A 0.1 grid plus 0.013 per column keeps every hinge margin at least 0.013 from its kink.
    scores = np.round(rng.standard_normal((4, 5)), 1) + 0.013 * np.arange(5)
    return scores, rng.integers(5, size=4)


@pytest.mark.points(1)
def test_svm_loss_values(impl, baked):
    """svm_loss gives the expected value"""
    scores, y = _loss_inputs(263)
    loss, _ = impl.svm_loss(scores, y)
    assert_close("svm_loss loss", loss, baked("svm_loss", scores, y), tol=EXACT_TOL)


@pytest.mark.points(1)
def test_svm_loss_gradient_numeric(impl):
    """svm_loss's dscores agrees with central differences of its loss"""
    scores, y = _loss_inputs(264)
    numeric = numerical_vjp(output_of(impl.svm_loss), (scores, y), 1.0, wrt=(0,))
    _, dscores = impl.svm_loss(scores, y)
    assert_gradients("svm_loss", dscores, ("dscores",), numeric=numeric, batch_size=4)


@pytest.mark.points(1)
def test_softmax_loss_values(impl, baked):
    """softmax_loss gives the expected value, and ln C at zero scores"""
    scores, y = _loss_inputs(265)
    loss, _ = impl.softmax_loss(scores, y)
    assert_close("softmax_loss loss", loss, baked("softmax_loss", scores, y), tol=EXACT_TOL)
    loss, _ = impl.softmax_loss(np.zeros((3, 5)), np.array([0, 4, 2]))
    assert_close("softmax_loss at scores = 0 (should be ln 5)", loss, np.log(5), tol=EXACT_TOL)


@pytest.mark.points(1)
def test_softmax_loss_gradient_numeric(impl):
    """softmax_loss's dscores agrees with central differences of its loss"""
    scores, y = _loss_inputs(266)
    numeric = numerical_vjp(output_of(impl.softmax_loss), (scores, y), 1.0, wrt=(0,))
    _, dscores = impl.softmax_loss(scores, y)
    assert_gradients("softmax_loss", dscores, ("dscores",), numeric=numeric, batch_size=4)


@pytest.mark.points(1)
def test_adam_step_values(impl, baked):
    """three adam_step calls give the expected w, m and v"""
    rng = np.random.default_rng(267)
    w0, grads = rng.standard_normal((2, 3)), rng.standard_normal((3, 2, 3))
    w, m, v = w0, np.zeros_like(w0), np.zeros_like(w0)
    for t in (1, 2, 3):
        w, m, v = impl.adam_step(w, grads[t - 1], m, v, t, lr=0.1)
    expected = baked("adam", w0, grads, 0.1)
    for name, got, want in zip(("w", "m", "v"), (w, m, v), expected):
        assert_close(f"adam_step {name} after 3 steps", got, want, tol=NUMERIC_TOL)
