"""Hidden checks for paper 14.

The encoder is compared with torch's bidirectional nn.RNN, the attention and the decoder step
with autograd of their formulas (the masked softmax through masked_fill(-inf)). Every backward
is compared with autograd and with central differences of the reference forward, on caches built
by the trusted solution (independent credit). The encoder runs through up to 5 steps in each
direction. Edge cases: T = 1 (alpha = 1), N = 1, a row with a single unmasked position, and
scores of several hundred (the softmax must shift by its maximum).
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    EXACT_TOL,
    assert_close,
    assert_gradients,
    call_unmutated,
    fail,
    frozen,
)

BIRNN_CASES = [(2, 4, 3, 2), (1, 1, 2, 3), (3, 5, 2, 2)]  # (N, T, D, H)

# (N, T, S, 2H, A, mask kind, scale of v)
ATTENTION_CASES = [
    (2, 5, 3, 4, 3, "ragged", 1.0),
    (1, 1, 2, 2, 3, "full", 1.0),
    (3, 4, 2, 4, 2, "single", 1.0),
    (2, 3, 3, 2, 2, "full", 1000.0),
]

DECODER_CASES = [(2, 3, 4, 4, 5), (1, 2, 2, 2, 3), (3, 4, 3, 6, 2)]  # (N, E, S, 2H, V)
DECODER_PARAMS = ("Wy", "Ws", "Wc", "b", "Wout", "bout")


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _expect_keys(fn_name, cache, keys):
    if not isinstance(cache, dict):
        fail(f"{fn_name} should return a dict cache, got {type(cache).__name__}")
    missing = [k for k in keys if k not in cache]
    if missing:
        fail(f"{fn_name}'s cache is missing the keys {missing} its docstring promises")


def _weights(rng, d, h):
    return rng.standard_normal((d, h)), rng.standard_normal((h, h)), rng.standard_normal(h)


@functools.cache
def birnn_case(ref, seed, k):
    n, t, d, h = BIRNN_CASES[k]
    rng = _rng(seed, 1, k)
    x, pf, pb = rng.standard_normal((n, t, d)), _weights(rng, d, h), _weights(rng, d, h)
    dHann = rng.standard_normal((n, t, 2 * h))
    flat = (x, *pf, *pb)
    Hann, grads = torchref.vjp(ref.birnn, flat, dHann)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.birnn, *a), flat, dHann, wrt=range(7)
    )
    expected = (grads[0], grads[1:4], grads[4:7])
    return frozen((x, pf, pb, dHann, Hann, expected, (numeric[0], numeric[1:4], numeric[4:7])))


@pytest.mark.points(2)
def test_birnn_forward(impl, ref, seed):
    """birnn_forward matches torch's bidirectional nn.RNN"""
    for k, (n, t, d, h) in enumerate(BIRNN_CASES):
        x, pf, pb, _, Hann, _, _ = birnn_case(ref, seed, k)
        got, cache = call_unmutated(impl.birnn_forward, x, pf, pb)
        assert_close(f"birnn_forward Hann (N={n}, T={t}, D={d}, H={h})", got, Hann)
        _expect_keys("birnn_forward", cache, ("x", "fwd.Wx", "fwd.Wh", "fwd.h", "bwd.Wx",
                                              "bwd.Wh", "bwd.h"))


@pytest.mark.points(3)
def test_birnn_backward(impl, sol, ref, seed):
    """birnn_backward matches torch autograd and central differences, in both directions"""
    for k, (n, t, d, h) in enumerate(BIRNN_CASES):
        x, pf, pb, dHann, _, expected, numeric = birnn_case(ref, seed, k)
        _, cache = sol.birnn_forward(x, pf, pb)
        got = call_unmutated(impl.birnn_backward, dHann, cache)
        assert_gradients(
            f"birnn_backward (N={n}, T={t}, D={d}, H={h}); dpf and dpb are (dWx, dWh, db)",
            got, ("dx", "dpf", "dpb"), autograd=expected, numeric=numeric,
        )


@pytest.mark.points(1)
def test_birnn_backward_direction_reads_reversed_input(impl, seed):
    """with pb = pf, the backward annotations of x are the forward ones of x reversed in time"""
    rng = _rng(seed, 2)
    x, weights = rng.standard_normal((2, 5, 3)), _weights(rng, 3, 4)
    Hann, _ = impl.birnn_forward(x, weights, weights)
    flipped, _ = impl.birnn_forward(x[:, ::-1].copy(), weights, weights)
    for name, value in (("Hann(x)", Hann), ("Hann(x reversed)", flipped)):
        if not isinstance(value, np.ndarray) or value.shape != (2, 5, 8):
            fail(f"birnn_forward: {name} should be an array of shape (2, 5, 8)")
    assert_close(
        "birnn_forward with pb = pf: backward half of Hann(x) at position j vs forward half of "
        "Hann(x reversed) at position T-1-j",
        Hann[:, :, 4:], flipped[:, ::-1, :4], tol=EXACT_TOL, against="the reversed run",
    )


def _source_mask(rng, n, t, kind):
    mask = np.ones((n, t), dtype=bool)
    if kind == "ragged":  # padding at the end of some rows, as after bucketing with pads
        for row in range(n):
            mask[row, rng.integers(1, t) :] = row % 2 == 1
        mask[0, t - 1] = False
    elif kind == "single":  # one row with a single unmasked position in the middle
        mask[0] = False
        mask[0, t // 2] = True
        mask[1, 0] = False
    return mask


@functools.cache
def attention_case(ref, seed, k):
    n, t, s, h2, a, kind, scale = ATTENTION_CASES[k]
    rng = _rng(seed, 3, k)
    s_prev, Hann = rng.standard_normal((n, s)), rng.standard_normal((n, t, h2))
    mask = _source_mask(rng, n, t, kind)
    Wa, Ua, v = rng.standard_normal((s, a)), rng.standard_normal((h2, a)), rng.standard_normal(a)
    v = scale * v
    dcontext = rng.standard_normal((n, h2))
    args = (s_prev, Hann, mask, Wa, Ua, v)
    context, grads = torchref.vjp(ref.additive_attention, args, dcontext, wrt=(0, 1, 3, 4, 5))
    alpha = torchref.forward(ref.attention_weights, *args)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.additive_attention, *a), args, dcontext,
        wrt=(0, 1, 3, 4, 5),
    )
    return frozen((args, dcontext, context, alpha, grads, numeric))


def _attention_label(k):
    n, t, s, h2, a, kind, scale = ATTENTION_CASES[k]
    extra = f", v scaled by {scale:g}" if scale != 1.0 else ""
    return f"N={n}, T={t}, S={s}, 2H={h2}, A={a}, {kind} mask{extra}"


@pytest.mark.points(2)
def test_additive_attention_forward(impl, ref, seed):
    """additive_attention_forward: context and alpha match the reference's masked softmax"""
    for k in range(len(ATTENTION_CASES)):
        args, _, context, alpha, _, _ = attention_case(ref, seed, k)
        with np.errstate(over="ignore", invalid="ignore"):
            got, cache = call_unmutated(impl.additive_attention_forward, *args)
        assert_close(f"additive_attention_forward context ({_attention_label(k)})", got, context)
        _expect_keys("additive_attention_forward", cache, ("s_prev", "Hann", "src_mask", "Wa",
                                                           "Ua", "v", "act", "alpha"))
        assert_close(f"additive_attention_forward cache['alpha'] ({_attention_label(k)})",
                     cache["alpha"], alpha, mask=args[2])


@pytest.mark.points(3)
def test_additive_attention_backward(impl, sol, ref, seed):
    """additive_attention_backward matches torch autograd and central differences"""
    names = ("ds_prev", "dHann", "dWa", "dUa", "dv")
    for k in range(len(ATTENTION_CASES)):
        args, dcontext, _, _, grads, numeric = attention_case(ref, seed, k)
        _, cache = sol.additive_attention_forward(*args)
        got = call_unmutated(impl.additive_attention_backward, dcontext, cache)
        assert_gradients(
            f"additive_attention_backward ({_attention_label(k)})", got, names,
            autograd=grads, numeric=numeric,
            masks={"dHann": np.broadcast_to(args[2][:, :, None], args[1].shape)},
        )


@pytest.mark.points(1)
def test_additive_attention_properties(impl, sol, seed):
    """alpha sums to 1 and is 0 where masked, dHann is 0 there, context in the convex hull"""
    rng = _rng(seed, 4)
    n, t, s, h2, a = 4, 6, 3, 4, 3
    s_prev, Hann = rng.standard_normal((n, s)), rng.standard_normal((n, t, h2))
    Wa, Ua, v = rng.standard_normal((s, a)), rng.standard_normal((h2, a)), rng.standard_normal(a)
    mask = np.ones((n, t), dtype=bool)
    mask[0, 3:] = False
    mask[1, :2] = False
    mask[2] = np.arange(t) == 4  # a single unmasked position
    Hann[~mask] = 50.0  # padded annotations far outside the hull of the real ones
    context, cache = impl.additive_attention_forward(s_prev, Hann, mask, Wa, Ua, v)
    alpha = cache["alpha"] if isinstance(cache, dict) else None
    if not isinstance(alpha, np.ndarray) or alpha.shape != (n, t):
        fail(f"additive_attention_forward should keep alpha of shape {(n, t)} in cache['alpha']")
    assert_close("additive_attention_forward: the rows of alpha (should sum to 1)",
                 alpha.sum(axis=1), np.ones(n), tol=EXACT_TOL, against="1")
    if np.any(alpha[~mask] != 0):
        fail("additive_attention_forward: alpha should be exactly 0 at masked source positions")
    if np.any(alpha[mask] <= 0):
        fail("additive_attention_forward: alpha should be positive at every unmasked position")
    assert_close("additive_attention_forward: alpha of the row with one unmasked position",
                 alpha[2], (np.arange(t) == 4).astype(float), tol=EXACT_TOL, against="one-hot")
    if not isinstance(context, np.ndarray) or context.shape != (n, h2):
        fail(f"additive_attention_forward: context should have shape {(n, h2)}")
    for row in range(n):
        real = Hann[row][mask[row]]
        if np.any(context[row] < real.min(axis=0) - 1e-12) or np.any(
            context[row] > real.max(axis=0) + 1e-12
        ):
            fail(
                f"additive_attention_forward: context[{row}] lies outside the per-coordinate "
                "range of the unmasked annotations; it should be a weighted average of them"
            )
    _, sol_cache = sol.additive_attention_forward(s_prev, Hann, mask, Wa, Ua, v)
    grads = impl.additive_attention_backward(rng.standard_normal((n, h2)), sol_cache)
    dHann = grads[1] if isinstance(grads, tuple) and len(grads) == 5 else None
    if not isinstance(dHann, np.ndarray) or dHann.shape != Hann.shape:
        fail(f"additive_attention_backward should return dHann of shape {Hann.shape} second")
    if np.any(dHann[~mask] != 0):
        fail("additive_attention_backward: dHann should be exactly 0 at masked source positions")
    one, one_cache = impl.additive_attention_forward(s_prev, Hann[:, :1], mask[:, :1] | True,
                                                      Wa, Ua, v)
    assert_close("additive_attention_forward with T = 1: alpha (should be 1)",
                 one_cache["alpha"], np.ones((n, 1)), tol=EXACT_TOL, against="1")
    assert_close("additive_attention_forward with T = 1: context (should be Hann[:, 0])",
                 one, Hann[:, 0], tol=EXACT_TOL, against="Hann[:, 0]")


@functools.cache
def decoder_case(ref, seed, k):
    n, e, s, h2, v = DECODER_CASES[k]
    rng = _rng(seed, 5, k)
    y, s_prev, context = (rng.standard_normal((n, e)), rng.standard_normal((n, s)),
                          rng.standard_normal((n, h2)))
    shapes = {"Wy": (e, s), "Ws": (s, s), "Wc": (h2, s), "b": (s,), "Wout": (s + h2, v),
              "bout": (v,)}
    p = {name: 0.7 * rng.standard_normal(shape) for name, shape in shapes.items()}
    dout = (rng.standard_normal((n, s)), rng.standard_normal((n, v)))
    flat = (y, s_prev, context, *(p[name] for name in DECODER_PARAMS))
    out, grads = torchref.vjp(ref.decoder_step, flat, dout)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.decoder_step, *a), flat, dout, wrt=range(9)
    )
    expected = (*grads[:3], dict(zip(DECODER_PARAMS, grads[3:])))
    numeric = (*numeric[:3], dict(zip(DECODER_PARAMS, numeric[3:])))
    return frozen((y, s_prev, context, p, dout, out, expected, numeric))


@pytest.mark.points(2)
def test_decoder_step_forward(impl, ref, seed):
    """decoder_step_forward: s and logits match the reference"""
    for k, (n, e, s, h2, v) in enumerate(DECODER_CASES):
        y, s_prev, context, p, _, (s_ref, logits_ref), _, _ = decoder_case(ref, seed, k)
        got, cache = call_unmutated(impl.decoder_step_forward, y, s_prev, context, p)
        label = f"N={n}, E={e}, S={s}, 2H={h2}, V={v}"
        if not isinstance(got, tuple) or len(got) != 2:
            fail("decoder_step_forward should return ((s, logits), cache)")
        assert_close(f"decoder_step_forward s ({label})", got[0], s_ref)
        assert_close(f"decoder_step_forward logits ({label})", got[1], logits_ref)
        _expect_keys("decoder_step_forward", cache, ("y_prev_emb", "s_prev", "context", "s",
                                                     "Wy", "Ws", "Wc", "Wout"))


@pytest.mark.points(3)
def test_decoder_step_backward(impl, sol, ref, seed):
    """decoder_step_backward matches torch autograd and central differences"""
    for k, (n, e, s, h2, v) in enumerate(DECODER_CASES):
        y, s_prev, context, p, dout, _, expected, numeric = decoder_case(ref, seed, k)
        _, cache = sol.decoder_step_forward(y, s_prev, context, p)
        got = call_unmutated(impl.decoder_step_backward, dout, cache)
        assert_gradients(
            f"decoder_step_backward (N={n}, E={e}, S={s}, 2H={h2}, V={v})", got,
            ("dy_prev_emb", "ds_prev", "dcontext", "dp"), autograd=expected, numeric=numeric,
        )
