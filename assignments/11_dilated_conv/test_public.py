"""Self-checks for paper 11. Run them with `pytest` in this folder or `s30 check 11`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_equal, assert_gradients, fail


def _stack(rng, channels, depth):
    """Filters and biases for a context module with `depth` 3x3 layers and a final 1x1."""
    ws = [0.5 * rng.standard_normal((channels, channels, 3, 3)) for _ in range(depth)]
    ws.append(rng.standard_normal((channels, channels, 1, 1)))
    return ws, [0.3 + 0.2 * rng.standard_normal(channels) for _ in range(depth + 1)]


def _params(ws, bs):
    return {**{f"w{i}": w for i, w in enumerate(ws)}, **{f"b{i}": b for i, b in enumerate(bs)}}


@pytest.mark.points(1)
def test_dilated_conv_forward_values(impl, baked):
    """dilated_conv_forward gives the expected output (dilation 2, "same" padding)"""
    rng = np.random.default_rng(110)
    x, w, b = rng.standard_normal((2, 2, 6, 7)), rng.standard_normal((3, 2, 3, 3)), np.ones(3)
    out, _ = impl.dilated_conv_forward(x, w, b, 2)
    expected = baked("dilated_conv", x, w, b, 2)
    assert_close("dilated_conv_forward out", out, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_dilated_conv_backward_numeric(impl):
    """dilated_conv_backward agrees with central differences of your dilated_conv_forward"""
    rng = np.random.default_rng(111)
    x, w, b = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 2, 3, 3)), np.zeros(2)
    dout = rng.standard_normal((2, 2, 5, 4))
    _, cache = impl.dilated_conv_forward(x, w, b, 3)
    numeric = numerical_vjp(
        output_of(impl.dilated_conv_forward), (x, w, b, 3), dout, wrt=(0, 1, 2)
    )
    assert_gradients(
        "dilated_conv_backward", impl.dilated_conv_backward(dout, cache), ("dx", "dw", "db"),
        numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_receptive_field_values(impl, baked):
    """receptive_field gives the paper's 3, 5, 9, 17, 33, 65, 67, 67 and a measured value"""
    kernels, dilations = [3, 3, 3, 3, 3, 3, 3, 1], [1, 1, 2, 4, 8, 16, 1, 1]
    for depth, expected in enumerate((3, 5, 9, 17, 33, 65, 67, 67), start=1):
        got = impl.receptive_field(kernels[:depth], dilations[:depth])
        if got != expected:
            fail(f"receptive_field of the first {depth} layers of the basic module: "
                 f"expected {expected}, got {got}")
    got = impl.receptive_field([5, 3], [2, 3])
    measured = int(baked("impulse_support", (5, 3), (2, 3), 21))
    if got != measured:
        fail(f"receptive_field([5, 3], [2, 3]) returned {got}; the measured support is {measured}")


@pytest.mark.points(1)
def test_identity_init_values(impl):
    """identity_init(3, 3) has a one at the centre of each channel's own filter, zeros elsewhere"""
    w = impl.identity_init(3, 3)
    assert_equal("identity_init(3, 3)[:, :, 1, 1]", w[:, :, 1, 1], np.eye(3))
    assert_equal("identity_init(3, 3): sum of all entries", w.sum(), 3.0)


@pytest.mark.points(1)
def test_context_module_forward_values(impl, baked):
    """context_module_forward gives the expected output for the basic module"""
    rng = np.random.default_rng(112)
    ws, bs = _stack(rng, 2, 7)
    x = rng.standard_normal((1, 2, 6, 5))
    dilations = (1, 1, 2, 4, 8, 16, 1)
    out, _ = impl.context_module_forward(x, ws, bs, dilations)
    expected = baked("context_module", x, _params(ws, bs), dilations)
    assert_close("context_module_forward out", out, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_context_module_backward_numeric(impl):
    """context_module_backward agrees with central differences of your forward"""
    rng = np.random.default_rng(113)
    ws, bs = _stack(rng, 2, 2)
    x, dout = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((1, 2, 5, 5))
    _, cache = impl.context_module_forward(x, ws, bs, (1, 2))
    numeric = numerical_vjp(
        output_of(impl.context_module_forward), (x, list(ws), list(bs), (1, 2)), dout,
        wrt=(0, 1, 2),
    )
    assert_gradients(
        "context_module_backward", impl.context_module_backward(dout, cache),
        ("dx", "dws", "dbs"), numeric=numeric,
    )


@pytest.mark.points(1)
def test_context_module_identity(impl):
    """the identity-initialised basic module with zero biases returns x >= 0 unchanged"""
    x = np.abs(np.random.default_rng(114).standard_normal((2, 3, 7, 6)))
    ws = [impl.identity_init(3, 3) for _ in range(7)] + [impl.identity_init(3, 1)]
    out, _ = impl.context_module_forward(x, ws, [np.zeros(3)] * 8)
    assert_close("identity-initialised context module", out, x, tol=EXACT_TOL,
                 against="its input")
