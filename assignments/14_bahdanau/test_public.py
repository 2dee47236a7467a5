"""Self-checks for paper 14. Run them with `pytest` in this folder or `s30 check 14`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_gradients

DECODER_KEYS = ("Wy", "Ws", "Wc", "b", "Wout", "bout")
GRU_DECODER_KEYS = ("Wx", "Wh", "bx", "bh", "Wout", "bout")
GRU_CELL_GRADS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")


def _encoder(seed, n=2, t=3, d=2, h=2):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, d))
    pf = (rng.standard_normal((d, h)), rng.standard_normal((h, h)), rng.standard_normal(h))
    pb = (rng.standard_normal((d, h)), rng.standard_normal((h, h)), rng.standard_normal(h))
    return rng, x, pf, pb


@pytest.mark.points(1)
def test_birnn_forward_values(impl, baked):
    """birnn_forward gives the expected annotations"""
    _, x, pf, pb = _encoder(140)
    Hann, _ = impl.birnn_forward(x, pf, pb)
    assert_close("birnn_forward Hann", Hann, baked("birnn", x, *pf, *pb), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_birnn_backward_numeric(impl):
    """birnn_backward agrees with central differences of your birnn_forward"""
    rng, x, pf, pb = _encoder(141, t=4)
    dHann = rng.standard_normal((2, 4, 4))
    _, cache = impl.birnn_forward(x, pf, pb)
    dx, dpf, dpb = impl.birnn_backward(dHann, cache)
    ndx, npf, npb = numerical_vjp(output_of(impl.birnn_forward), (x, pf, pb), dHann, (0, 1, 2))
    names = ("dx", "dWx_f", "dWh_f", "db_f", "dWx_b", "dWh_b", "db_b")
    assert_gradients("birnn_backward", (dx, *dpf, *dpb), names, numeric=(ndx, *npf, *npb))


def _attention_inputs(seed):
    rng = np.random.default_rng(seed)
    s_prev, Hann = rng.standard_normal((3, 2)), rng.standard_normal((3, 4, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 1, 0, 0]], dtype=bool)  # True = real word
    Wa, Ua, v = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    return rng, (s_prev, Hann, mask, Wa, Ua, v)


@pytest.mark.points(1)
def test_additive_attention_forward_values(impl, baked):
    """additive_attention_forward gives the expected context; alpha is a masked distribution"""
    _, args = _attention_inputs(142)
    context, cache = impl.additive_attention_forward(*args)
    assert_close("additive_attention_forward context", context,
                 baked("additive_attention", *args), tol=EXACT_TOL)
    alpha = cache["alpha"]
    assert_close("alpha summed over the source (should be 1)", alpha.sum(axis=1), np.ones(3),
                 tol=EXACT_TOL, against="1")
    assert_close("alpha at masked positions (should be 0)", alpha[~args[2]],
                 np.zeros(int((~args[2]).sum())), tol=EXACT_TOL, against="0")


@pytest.mark.points(2)
def test_additive_attention_backward_numeric(impl):
    """additive_attention_backward agrees with central differences of your forward"""
    rng, args = _attention_inputs(143)
    dcontext = rng.standard_normal((3, 4))
    _, cache = impl.additive_attention_forward(*args)
    grads = impl.additive_attention_backward(dcontext, cache)
    numeric = numerical_vjp(
        output_of(impl.additive_attention_forward), args, dcontext, wrt=(0, 1, 3, 4, 5)
    )
    assert_gradients("additive_attention_backward", grads,
                     ("ds_prev", "dHann", "dWa", "dUa", "dv"), numeric=numeric)


def _decoder_inputs(seed, n=2, e=3, s=3, h2=4, v=5):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((n, e))
    s_prev = rng.standard_normal((n, s))
    context = rng.standard_normal((n, h2))
    sizes = dict(Wy=(e, s), Ws=(s, s), Wc=(h2, s), b=(s,), Wout=(s + h2, v), bout=(v,))
    p = {key: 0.8 * rng.standard_normal(size) for key, size in sizes.items()}
    return rng, y, s_prev, context, p


@pytest.mark.points(1)
def test_decoder_step_forward_values(impl, baked):
    """decoder_step_forward gives the expected new state and logits"""
    _, y, s_prev, context, p = _decoder_inputs(144)
    (s, logits), _ = impl.decoder_step_forward(y, s_prev, context, p)
    s_want, logits_want = baked("decoder_step", y, s_prev, context, *(p[k] for k in DECODER_KEYS))
    assert_close("decoder_step_forward s", s, s_want, tol=EXACT_TOL)
    assert_close("decoder_step_forward logits", logits, logits_want, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_decoder_step_backward_numeric(impl):
    """decoder_step_backward agrees with central differences of your forward"""
    rng, y, s_prev, context, p = _decoder_inputs(145)
    dout = (rng.standard_normal((2, 3)), rng.standard_normal((2, 5)))
    _, cache = impl.decoder_step_forward(y, s_prev, context, p)
    dy, ds_prev, dcontext, dp = impl.decoder_step_backward(dout, cache)
    numeric = numerical_vjp(
        output_of(impl.decoder_step_forward), (y, s_prev, context, p), dout, wrt=(0, 1, 2, 3)
    )
    assert_gradients("decoder_step_backward", (dy, ds_prev, dcontext, dp),
                     ("dy_prev_emb", "ds_prev", "dcontext", "dp"), numeric=numeric)


def _gru_cell_inputs(seed, n=2, d=3, s=2):
    rng = np.random.default_rng(seed)
    x, h_prev = rng.standard_normal((n, d)), rng.standard_normal((n, s))
    weights = [0.8 * rng.standard_normal(size) for size in ((d, 3 * s), (s, 3 * s), 3 * s, 3 * s)]
    return rng, (x, h_prev, *weights)  # x, h_prev, Wx, Wh, bx, bh


@pytest.mark.points(1)
def test_gru_cell_forward_values(impl, baked):
    """gru_cell_forward gives the expected new state (nn.GRUCell's conventions)"""
    _, args = _gru_cell_inputs(146)
    h, _ = impl.gru_cell_forward(*args)
    assert_close("gru_cell_forward h", h, baked("gru_cell", *args), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_gru_cell_backward_numeric(impl):
    """gru_cell_backward agrees with central differences of your gru_cell_forward"""
    rng, args = _gru_cell_inputs(147)
    dh = rng.standard_normal((2, 2))
    _, cache = impl.gru_cell_forward(*args)
    grads = impl.gru_cell_backward(dh, cache)
    numeric = numerical_vjp(output_of(impl.gru_cell_forward), args, dh, wrt=range(6))
    assert_gradients("gru_cell_backward", grads, GRU_CELL_GRADS, numeric=numeric)


def _gru_decoder_inputs(seed, n=2, e=1, s=2, h2=2, v=3):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((n, e))
    s_prev = rng.standard_normal((n, s))
    context = rng.standard_normal((n, h2))
    sizes = dict(Wx=(e + h2, 3 * s), Wh=(s, 3 * s), bx=(3 * s,), bh=(3 * s,), Wout=(s + h2, v),
                 bout=(v,))
    p = {key: 0.8 * rng.standard_normal(size) for key, size in sizes.items()}
    return rng, y, s_prev, context, p


@pytest.mark.points(1)
def test_gru_decoder_step_forward_values(impl, baked):
    """gru_decoder_step_forward gives the expected new state and logits"""
    _, y, s_prev, context, p = _gru_decoder_inputs(148)
    (s, logits), _ = impl.gru_decoder_step_forward(y, s_prev, context, p)
    s_want, logits_want = baked("gru_decoder_step", y, s_prev, context,
                                *(p[k] for k in GRU_DECODER_KEYS))
    assert_close("gru_decoder_step_forward s", s, s_want, tol=EXACT_TOL)
    assert_close("gru_decoder_step_forward logits", logits, logits_want, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_gru_decoder_step_backward_numeric(impl):
    """gru_decoder_step_backward agrees with central differences of your forward"""
    rng, y, s_prev, context, p = _gru_decoder_inputs(149)
    dout = (rng.standard_normal((2, 2)), rng.standard_normal((2, 3)))
    _, cache = impl.gru_decoder_step_forward(y, s_prev, context, p)
    dy, ds_prev, dcontext, dp = impl.gru_decoder_step_backward(dout, cache)
    numeric = numerical_vjp(output_of(impl.gru_decoder_step_forward), (y, s_prev, context, p),
                            dout, wrt=(0, 1, 2, 3))
    assert_gradients("gru_decoder_step_backward", (dy, ds_prev, dcontext, dp),
                     ("dy_prev_emb", "ds_prev", "dcontext", "dp"), numeric=numeric)
