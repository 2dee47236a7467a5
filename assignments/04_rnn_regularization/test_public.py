"""Self-checks for paper 04. Run them with `pytest` in this folder or `s30 check 04`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_equal, assert_gradients

WEIGHTS = ("Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2", "Wy", "by")


def _network(seed, n=2, t=3, d=2, h=2, v=3):
    """Inputs, initial states and weights of a small network, drawn from a fixed seed."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, d))
    h0, c0 = rng.standard_normal((2, n, h)), rng.standard_normal((2, n, h))
    shapes = {
        "Wx1": (d, 4 * h), "Wh1": (h, 4 * h), "b1": (4 * h,), "Wx2": (h, 4 * h),
        "Wh2": (h, 4 * h), "b2": (4 * h,), "Wy": (h, v), "by": (v,),
    }
    params = {name: rng.standard_normal(shape) for name, shape in shapes.items()}
    return rng, x, h0, c0, params


@pytest.mark.points(1)
def test_make_keep_mask_values(impl):
    """make_keep_mask keeps a unit when u >= p"""
    u = np.array([[0.0, 0.2, 0.5], [0.7, 0.5, 0.99]])
    got = impl.make_keep_mask(u, 0.5)
    assert_equal("make_keep_mask(u, 0.5)", got, np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))
    assert_equal("make_keep_mask(u, 0.0)", impl.make_keep_mask(u, 0.0), np.ones((2, 3)))


@pytest.mark.points(1)
def test_dropout_forward_values(impl, baked):
    """dropout_forward gives the expected output, with a mask shared over time"""
    rng = np.random.default_rng(40)
    x = rng.standard_normal((2, 3, 4))
    mask = np.array([[[1.0, 0.0, 1.0, 1.0]], [[0.0, 1.0, 1.0, 0.0]]])  # (N, 1, D)
    out, _ = impl.dropout_forward(x, mask, 0.25)
    assert_close("dropout_forward out", out, baked("dropout", x, mask, 0.25), tol=EXACT_TOL)
    same, _ = impl.dropout_forward(x, np.ones((2, 3, 4)), 0.0)
    assert_close("dropout_forward with p = 0 (should return x)", same, x, tol=EXACT_TOL)


@pytest.mark.points(1)
def test_dropout_backward_numeric(impl):
    """dropout_backward agrees with central differences of your dropout_forward"""
    rng = np.random.default_rng(41)
    x, dout = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    mask = (rng.random((3, 5)) < 0.6).astype(np.float64)
    _, cache = impl.dropout_forward(x, mask, 0.4)
    numeric = numerical_vjp(output_of(impl.dropout_forward), (x, mask, 0.4), dout, wrt=(0,))
    assert_gradients("dropout_backward", impl.dropout_backward(dout, cache), ("dx",),
                     numeric=numeric)


def _masks(rng, n, t, d, h, tied=False):
    steps = 1 if tied else t
    shapes = {"in": (n, steps, d), "mid": (n, steps, h), "out": (n, steps, h)}
    return {site: (rng.random(shape) < 0.7).astype(np.float64) for site, shape in shapes.items()}


@pytest.mark.points(1)
def test_zaremba_lstm_forward_values(impl, baked):
    """zaremba_lstm_forward gives the expected logits"""
    rng, x, h0, c0, params = _network(42)
    masks = _masks(rng, 2, 3, 2, 2)
    logits, _ = impl.zaremba_lstm_forward(x, h0, c0, params, masks, 0.3)
    expected = baked(
        "zaremba_lstm", x, h0, c0, *(params[k] for k in WEIGHTS),
        masks["in"], masks["mid"], masks["out"], 0.3,
    )
    assert_close("zaremba_lstm_forward logits", logits, expected, tol=EXACT_TOL)


@pytest.mark.points(1)
def test_zaremba_without_dropout(impl, baked):
    """with all-ones masks and p = 0 the network is a plain two-layer LSTM"""
    _, x, h0, c0, params = _network(43, t=4)
    ones = {"in": np.ones((1, 1, 1)), "mid": np.ones((1, 1, 1)), "out": np.ones((1, 1, 1))}
    logits, _ = impl.zaremba_lstm_forward(x, h0, c0, params, ones, 0.0)
    expected = baked("plain_lstm2", x, h0, c0, *(params[k] for k in WEIGHTS))
    assert_close("zaremba_lstm_forward without dropout", logits, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_zaremba_lstm_backward_numeric(impl):
    """zaremba_lstm_backward agrees with central differences, time-tied masks included"""
    for seed, tied in ((44, False), (45, True)):
        rng, x, h0, c0, params = _network(seed)
        masks = _masks(rng, 2, 3, 2, 2, tied=tied)
        dlogits = rng.standard_normal((2, 3, 3))
        _, cache = impl.zaremba_lstm_forward(x, h0, c0, params, masks, 0.3)
        grads = impl.zaremba_lstm_backward(dlogits, cache)
        numeric = numerical_vjp(
            output_of(impl.zaremba_lstm_forward),
            (x, h0, c0, params, masks, 0.3), dlogits, wrt=(0, 1, 2, 3),
        )
        kind = "time-tied" if tied else "per-step"
        assert_gradients(f"zaremba_lstm_backward ({kind} masks)", grads, ("dx", "dh0", "dc0"),
                         numeric=numeric[:3])
        assert_gradients(f"zaremba_lstm_backward ({kind} masks)", grads, WEIGHTS,
                         numeric=[numeric[3][k] for k in WEIGHTS])
