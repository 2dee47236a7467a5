"""Self-checks for paper 07. Run them with `pytest` in this folder or `s30 check 07`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_gradients


def _spread(rng, shape):
    """Distinct values in random order, 0.1 apart: no pooling window holds a near-tie."""
    count = int(np.prod(shape))
    return rng.permutation(0.1 * np.arange(count) - 0.05 * count).reshape(shape)


@pytest.mark.points(1)
def test_conv_forward_values(impl, baked):
    """conv_forward gives the expected output (stride 2, pad 1, flooring)"""
    rng = np.random.default_rng(70)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), np.ones(4)
    out, _ = impl.conv_forward(x, w, b, 2, 1)
    assert_close("conv_forward out", out, baked("conv", x, w, b, 2, 1), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_conv_backward_numeric(impl):
    """conv_backward agrees with central differences of your conv_forward"""
    rng = np.random.default_rng(71)
    x, w, b = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 3, 3)), np.zeros(3)
    _, cache = impl.conv_forward(x, w, b, 2, 1)
    dout = rng.standard_normal((2, 3, 3, 2))
    numeric = numerical_vjp(output_of(impl.conv_forward), (x, w, b, 2, 1), dout, wrt=(0, 1, 2))
    assert_gradients(
        "conv_backward", impl.conv_backward(dout, cache), ("dx", "dw", "db"),
        numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_maxpool_forward_values(impl, baked):
    """maxpool_forward gives the expected output (3x3 windows, stride 2)"""
    x = _spread(np.random.default_rng(72), (2, 2, 7, 8))
    out, _ = impl.maxpool_forward(x, 3, 2)
    assert_close("maxpool_forward out", out, baked("maxpool", x, 3, 2), tol=EXACT_TOL)


@pytest.mark.points(1)
def test_maxpool_backward_numeric(impl):
    """maxpool_backward agrees with central differences of your maxpool_forward"""
    rng = np.random.default_rng(73)
    x = _spread(rng, (1, 2, 7, 7))
    dout = rng.standard_normal((1, 2, 3, 3))
    _, cache = impl.maxpool_forward(x, 3, 2)
    numeric = numerical_vjp(output_of(impl.maxpool_forward), (x, 3, 2), dout, wrt=(0,))
    assert_gradients(
        "maxpool_backward", impl.maxpool_backward(dout, cache), ("dx",), numeric=numeric
    )


@pytest.mark.points(1)
def test_maxpool_tie_rule(impl, baked):
    """maxpool_backward sends a tied window's gradient to its first maximum (row-major)"""
    x = np.array([[0, 2, 2, 1, 2], [2, 2, 1, 0, 2], [1, 0, 2, 2, 2], [2, 2, 0, 1, 1],
                  [0, 1, 2, 2, 0]], dtype=np.float64).reshape(1, 1, 5, 5)
    dout = np.array([[1.0, 10.0], [100.0, 1000.0]]).reshape(1, 1, 2, 2)
    _, cache = impl.maxpool_forward(x, 3, 2)
    assert_close(
        "maxpool_backward on tied windows", impl.maxpool_backward(dout, cache),
        baked("maxpool_grad", x, dout, 3, 2), tol=EXACT_TOL, against="the first-maximum rule",
    )


@pytest.mark.points(1)
def test_lrn_forward_values(impl, baked):
    """lrn_forward gives the expected output (the paper's alpha, not torch's alpha / n)"""
    x = np.random.default_rng(74).standard_normal((2, 6, 2, 3))
    out, _ = impl.lrn_forward(x, 5, 0.2, 0.75, 2.0)
    assert_close("lrn_forward out", out, baked("lrn", x, 5, 0.2, 0.75, 2.0), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_lrn_backward_numeric(impl):
    """lrn_backward agrees with central differences of your lrn_forward"""
    rng = np.random.default_rng(75)
    x, dout = rng.standard_normal((2, 5, 2, 2)), rng.standard_normal((2, 5, 2, 2))
    _, cache = impl.lrn_forward(x, 3, 0.3, 0.75, 1.0)
    numeric = numerical_vjp(
        output_of(impl.lrn_forward), (x, 3, 0.3, 0.75, 1.0), dout, wrt=(0,)
    )
    assert_gradients("lrn_backward", impl.lrn_backward(dout, cache), ("dx",), numeric=numeric)
