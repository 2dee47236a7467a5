"""Self-checks for paper 13. Run them with `pytest` in this folder or `s30 check 13`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_gradients, fail

MHA_GRAD_NAMES = ("dx", "dWq", "dWk", "dWv", "dWo", "dbq", "dbk", "dbv", "dbo")


def _attention_inputs(seed):
    """q (2, 2, 3, 4), k (2, 2, 4, 4), v (2, 2, 4, 3) and a (3, 4) mask with a True per row."""
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 2, 4, 4))
    v = rng.standard_normal((2, 2, 4, 3))
    mask = np.array([[True, False, True, False], [False, False, False, True], [True] * 4])
    return q, k, v, mask


def _mha_params(seed, e):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((e, e)) / np.sqrt(e) for _ in range(4)]
    return [*weights, *(0.5 * rng.standard_normal(e) for _ in range(4))]


@pytest.mark.points(1)
def test_sdpa_forward_values(impl, baked):
    """sdpa_forward gives the expected output, with and without a mask"""
    q, k, v, mask = _attention_inputs(130)
    out, _ = impl.sdpa_forward(q, k, v, mask)
    assert_close("sdpa_forward out (with a mask)", out, baked("sdpa", q, k, v, mask), tol=EXACT_TOL)
    out, _ = impl.sdpa_forward(q, k, v)
    assert_close("sdpa_forward out (no mask)", out, baked("sdpa", q, k, v), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_sdpa_backward_numeric(impl):
    """sdpa_backward agrees with central differences of your sdpa_forward"""
    q, k, v, mask = _attention_inputs(131)
    dout = np.random.default_rng(132).standard_normal((2, 2, 3, 3))
    _, cache = impl.sdpa_forward(q, k, v, mask)
    numeric = numerical_vjp(output_of(impl.sdpa_forward), (q, k, v, mask), dout, (0, 1, 2))
    assert_gradients(
        "sdpa_backward", impl.sdpa_backward(dout, cache), ("dq", "dk", "dv"), numeric=numeric
    )


@pytest.mark.points(1)
def test_sdpa_mask(impl):
    """attention weights sum to 1, are 0 where the mask is False; an all-False row is an error"""
    q, k, v, mask = _attention_inputs(133)
    _, cache = impl.sdpa_forward(q, k, v, mask)
    weights = cache["attn"]
    assert_close("sdpa_forward cache['attn'] row sums", weights.sum(-1), np.ones((2, 2, 3)))
    blocked = np.broadcast_to(~mask, weights.shape)
    if np.any(weights[blocked] != 0.0):
        fail("cache['attn'] should be exactly 0 where the mask is False (True = may attend)")
    mask = mask.copy()
    mask[0] = False
    try:
        with np.errstate(all="ignore"):
            impl.sdpa_forward(q, k, v, mask)
    except ValueError:
        return
    fail("sdpa_forward should raise ValueError when a row of the mask is all False")


@pytest.mark.points(1)
def test_mha_forward_values(impl, baked):
    """mha_forward gives the expected output, causal or not"""
    x = np.random.default_rng(134).standard_normal((2, 3, 4))
    params = _mha_params(135, 4)
    for causal in (False, True):
        out, _ = impl.mha_forward(x, *params, 2, causal)
        expected = baked("mha", x, *params, 2, causal)
        assert_close(f"mha_forward out (causal={causal})", out, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_mha_backward_numeric(impl):
    """mha_backward agrees with central differences of your mha_forward"""
    rng = np.random.default_rng(136)
    x, dout = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    params = _mha_params(137, 4)
    _, cache = impl.mha_forward(x, *params, 2, True)
    numeric = numerical_vjp(
        output_of(impl.mha_forward), (x, *params, 2, True), dout, wrt=range(9)
    )
    assert_gradients(
        "mha_backward", impl.mha_backward(dout, cache), MHA_GRAD_NAMES, numeric=numeric,
        batch_size=2,
    )


@pytest.mark.points(1)
def test_mha_causal(impl):
    """causal mha_forward: changing x at the last position leaves earlier outputs unchanged"""
    rng = np.random.default_rng(138)
    x = rng.standard_normal((1, 4, 4))
    params = _mha_params(139, 4)
    before, _ = impl.mha_forward(x, *params, 2, True)
    future = x.copy()
    future[:, -1] += 10.0
    after, _ = impl.mha_forward(future, *params, 2, True)
    if not np.array_equal(before[:, :-1], after[:, :-1]):
        fail("with causal=True, out at positions 0..T-2 changed when only x[:, T-1] changed")


@pytest.mark.points(1)
def test_layernorm_forward_values(impl, baked):
    """layernorm_forward gives the expected output"""
    rng = np.random.default_rng(140)
    x = rng.standard_normal((2, 3, 5)) + 2.0
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    out, _ = impl.layernorm_forward(x, gamma, beta)
    assert_close("layernorm_forward out", out, baked("layernorm", x, gamma, beta), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_layernorm_backward_numeric(impl):
    """layernorm_backward agrees with central differences of your layernorm_forward"""
    rng = np.random.default_rng(141)
    x, dout = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    _, cache = impl.layernorm_forward(x, gamma, beta)
    numeric = numerical_vjp(
        output_of(impl.layernorm_forward), (x, gamma, beta), dout, wrt=(0, 1, 2)
    )
    assert_gradients(
        "layernorm_backward", impl.layernorm_backward(dout, cache), ("dx", "dgamma", "dbeta"),
        numeric=numeric, batch_size=3,
    )


@pytest.mark.points(1)
def test_positional_encoding_values(impl, baked):
    """positional_encoding gives the expected table, for even and odd d"""
    for t, d in ((6, 4), (5, 7)):
        pe = impl.positional_encoding(t, d)
        expected = baked("positional_encoding", t, d)
        assert_close(f"positional_encoding({t}, {d})", pe, expected, tol=EXACT_TOL)
