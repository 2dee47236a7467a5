"""Hidden checks for paper 14.

The encoder is compared with torch's bidirectional nn.RNN, the attention and the decoder step
with autograd of their formulas (the masked softmax through masked_fill(-inf)), the GRU cell
with nn.GRUCell (and, chained through 4 steps, nn.GRU), the gated decoder step with autograd of
nn.GRUCell and the output layer. Every backward is compared with autograd and with central
differences of the reference forward, on caches built by the trusted solution (independent
credit); the gated decoder step is graded with the solution's GRU cell swapped in. The encoder
runs through up to 5 steps in each direction. Edge cases: T = 1 (alpha = 1), N = 1, D = 1,
S = 1, a row with a single unmasked position, scores of several hundred (the softmax must shift
by its maximum) and gate pre-activations of +-800 (the sigmoid must not overflow).
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    EXACT_TOL,
    assert_cache_keys,
    assert_close,
    assert_gradients,
    call_unmutated,
    fail,
    frozen,
    using_solution,
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

GRU_CELL_CASES = [(3, 4, 3), (1, 2, 2), (2, 1, 1), (4, 3, 1)]  # (N, D, S)
GRU_CELL_GRADS = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
GRU_SEQUENCE = (2, 4, 3, 3)  # (N, T, D, S): the cell chained through T steps
GRU_DECODER_CASES = [(2, 3, 3, 4, 5), (1, 2, 1, 2, 3), (3, 1, 2, 2, 2)]  # (N, E, S, 2H, V)
GRU_DECODER_PARAMS = ("Wx", "Wh", "bx", "bh", "Wout", "bout")
GRU_CELL_KEYS = ("x", "h_prev", "Wx", "Wh", "r", "z", "n", "hn")
GRU_CELL_FUNCTIONS = ("gru_cell_forward", "gru_cell_backward")


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


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
        assert_cache_keys("birnn_forward", cache, ("x", "fwd.Wx", "fwd.Wh", "fwd.h", "bwd.Wx",
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
        assert_cache_keys("additive_attention_forward", cache, ("s_prev", "Hann", "src_mask", "Wa",
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
        assert_cache_keys("decoder_step_forward", cache, ("y_prev_emb", "s_prev", "context", "s",
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


def _gru_weights(rng, d, s, scale=0.7):
    """Wx (D, 3S), Wh (S, 3S), bx, bh (3S,): gate blocks r, z, n along the last axis."""
    return tuple(scale * rng.standard_normal(shape) for shape in ((d, 3 * s), (s, 3 * s),
                                                                  (3 * s,), (3 * s,)))


@functools.cache
def gru_cell_case(ref, seed, k):
    n, d, s = GRU_CELL_CASES[k]
    rng = _rng(seed, 6, k)
    args = (rng.standard_normal((n, d)), rng.standard_normal((n, s)), *_gru_weights(rng, d, s))
    dh = rng.standard_normal((n, s))
    h, grads = torchref.vjp(ref.gru_cell, args, dh)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.gru_cell, *a), args, dh, wrt=range(6)
    )
    return frozen((args, dh, h, grads, numeric))


@pytest.mark.points(2)
def test_gru_cell_forward(impl, ref, seed):
    """gru_cell_forward matches torch's nn.GRUCell (weight_ih = Wx.T, weight_hh = Wh.T)"""
    for k, (n, d, s) in enumerate(GRU_CELL_CASES):
        args, _, h, _, _ = gru_cell_case(ref, seed, k)
        got, cache = call_unmutated(impl.gru_cell_forward, *args)
        assert_close(f"gru_cell_forward h (N={n}, D={d}, S={s})", got, h)
        assert_cache_keys("gru_cell_forward", cache, GRU_CELL_KEYS)


@pytest.mark.points(3)
def test_gru_cell_backward(impl, sol, ref, seed):
    """gru_cell_backward matches torch autograd and central differences"""
    for k, (n, d, s) in enumerate(GRU_CELL_CASES):
        args, dh, _, grads, numeric = gru_cell_case(ref, seed, k)
        _, cache = sol.gru_cell_forward(*args)
        got = call_unmutated(impl.gru_cell_backward, dh, cache)
        assert_gradients(f"gru_cell_backward (N={n}, D={d}, S={s})", got, GRU_CELL_GRADS,
                         autograd=grads, numeric=numeric)


@functools.cache
def gru_sequence_case(ref, seed):
    n, t, d, s = GRU_SEQUENCE
    rng = _rng(seed, 7)
    args = (rng.standard_normal((n, t, d)), rng.standard_normal((n, s)), *_gru_weights(rng, d, s))
    dstates = rng.standard_normal((n, t, s))
    _, grads = torchref.vjp(ref.gru, args, dstates)
    numeric = numerical_vjp(lambda *a: torchref.forward(ref.gru, *a), args, dstates, wrt=range(6))
    return frozen((args, dstates, grads, numeric))


@pytest.mark.points(1)
def test_gru_cell_backward_through_time(impl, sol, ref, seed):
    """gru_cell_backward chained through 4 steps gives nn.GRU's gradients (BPTT)"""
    n, t, d, s = GRU_SEQUENCE
    (xs, h0, *weights), dstates, grads, numeric = gru_sequence_case(ref, seed)
    caches, h = [], h0
    for step in range(t):
        h, cache = sol.gru_cell_forward(xs[:, step], h, *weights)
        caches.append(cache)
    dxs, dcarry = np.zeros_like(xs), np.zeros_like(h0)
    totals = [np.zeros_like(w) for w in weights]
    for step in reversed(range(t)):
        got = call_unmutated(impl.gru_cell_backward, dstates[:, step] + dcarry, caches[step])
        if not isinstance(got, tuple) or len(got) != 6:
            fail("gru_cell_backward should return (dx, dh_prev, dWx, dWh, dbx, dbh)")
        for name, value, like in zip(GRU_CELL_GRADS, got, (xs[:, 0], h0, *weights)):
            if not isinstance(value, np.ndarray) or value.shape != like.shape:
                fail(f"gru_cell_backward: {name} should be an array of shape {like.shape}")
        dxs[:, step], dcarry = got[0], got[1]
        totals = [total + g for total, g in zip(totals, got[2:])]
    assert_gradients(
        f"gru_cell_backward chained through T={t} steps of a GRU (N={n}, D={d}, S={s}); dxs "
        "stacks each step's dx, dh0 is the last dh_prev, the weight gradients are summed",
        (dxs, dcarry, *totals), ("dxs", "dh0", "dWx", "dWh", "dbx", "dbh"),
        autograd=grads, numeric=numeric,
    )


@pytest.mark.points(1)
def test_gru_cell_saturated_gates(impl, sol, seed):
    """saturated gates: z = 1 copies h_prev and dh; r = z = 0 forgets h_prev; no overflow"""
    rng = _rng(seed, 8)
    n, d, s = 3, 2, 4
    x, h_prev, dh = (rng.standard_normal((n, d)), rng.standard_normal((n, s)),
                     rng.standard_normal((n, s)))
    Wx, Wh, bx, bh = _gru_weights(rng, d, s, scale=1.0)
    keep, forget = bx.copy(), bx.copy()
    keep[s : 2 * s] = 800.0  # update gate shut: z = 1
    forget[: 2 * s] = -800.0  # reset gate shut and update gate open: r = z = 0
    candidate = np.tanh(x @ Wx[:, 2 * s :] + bx[2 * s :])  # n with r = 0: no trace of h_prev
    zero = {"dWh": np.zeros_like(Wh), "dbh": np.zeros_like(bh)}
    for label, bias, h_want, want in (
        ("z = 1 (bx_z = 800)", keep, h_prev,
         {"dx": np.zeros_like(x), "dh_prev": dh, "dWx": np.zeros_like(Wx),
          "dbx": np.zeros_like(bx), **zero}),
        ("r = z = 0 (bx_r = bx_z = -800)", forget, candidate,
         {"dh_prev": np.zeros_like(h_prev), **zero}),
    ):
        try:
            with np.errstate(over="raise", invalid="raise"):
                h, _ = impl.gru_cell_forward(x, h_prev, Wx, Wh, bias, bh)
                _, cache = sol.gru_cell_forward(x, h_prev, Wx, Wh, bias, bh)
                grads = impl.gru_cell_backward(dh, cache)
        except FloatingPointError:
            fail(f"gru_cell with {label}: np.exp overflowed at gate pre-activations of about "
                 "+-800. Exponentiate only numbers <= 0 (np.where evaluates both branches)")
        assert_close(f"gru_cell_forward h with {label} (should be "
                     f"{'h_prev' if h_want is h_prev else 'tanh(x Wx_n + bx_n)'})",
                     h, h_want, tol=EXACT_TOL, against="the saturated-gate value")
        if not isinstance(grads, tuple) or len(grads) != 6:
            fail("gru_cell_backward should return (dx, dh_prev, dWx, dWh, dbx, dbh)")
        got = dict(zip(GRU_CELL_GRADS, grads))
        for name, value in want.items():
            assert_close(f"gru_cell_backward {name} with {label}", got[name], value,
                         tol=EXACT_TOL, against="the saturated-gate value")


@functools.cache
def gru_decoder_case(ref, seed, k):
    n, e, s, h2, v = GRU_DECODER_CASES[k]
    rng = _rng(seed, 9, k)
    y, s_prev, context = (rng.standard_normal((n, e)), rng.standard_normal((n, s)),
                          rng.standard_normal((n, h2)))
    p = dict(zip(("Wx", "Wh", "bx", "bh"), _gru_weights(rng, e + h2, s)))
    p.update(Wout=0.7 * rng.standard_normal((s + h2, v)), bout=0.7 * rng.standard_normal(v))
    dout = (rng.standard_normal((n, s)), rng.standard_normal((n, v)))
    flat = (y, s_prev, context, *(p[name] for name in GRU_DECODER_PARAMS))
    out, grads = torchref.vjp(ref.gru_decoder_step, flat, dout)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.gru_decoder_step, *a), flat, dout, wrt=range(9)
    )
    expected = (*grads[:3], dict(zip(GRU_DECODER_PARAMS, grads[3:])))
    numeric = (*numeric[:3], dict(zip(GRU_DECODER_PARAMS, numeric[3:])))
    return frozen((y, s_prev, context, p, dout, out, expected, numeric))


@pytest.mark.points(2)
def test_gru_decoder_step_forward(impl, sol, ref, seed):
    """gru_decoder_step_forward: s and logits match nn.GRUCell and the output layer"""
    for k, (n, e, s, h2, v) in enumerate(GRU_DECODER_CASES):
        y, s_prev, context, p, _, (s_ref, logits_ref), _, _ = gru_decoder_case(ref, seed, k)
        with using_solution(impl, sol, *GRU_CELL_FUNCTIONS):
            got, cache = call_unmutated(impl.gru_decoder_step_forward, y, s_prev, context, p)
        label = f"N={n}, E={e}, S={s}, 2H={h2}, V={v}; your module's gru_cell_* were ours"
        if not isinstance(got, tuple) or len(got) != 2:
            fail("gru_decoder_step_forward should return ((s, logits), cache)")
        assert_close(f"gru_decoder_step_forward s ({label})", got[0], s_ref)
        assert_close(f"gru_decoder_step_forward logits ({label})", got[1], logits_ref)
        assert_cache_keys("gru_decoder_step_forward", cache, ("y_prev_emb", "context", "s", "Wout",
                                                         *("cell." + k for k in GRU_CELL_KEYS)))


@pytest.mark.points(3)
def test_gru_decoder_step_backward(impl, sol, ref, seed):
    """gru_decoder_step_backward matches torch autograd and central differences"""
    for k, (n, e, s, h2, v) in enumerate(GRU_DECODER_CASES):
        y, s_prev, context, p, dout, _, expected, numeric = gru_decoder_case(ref, seed, k)
        _, cache = sol.gru_decoder_step_forward(y, s_prev, context, p)
        with using_solution(impl, sol, *GRU_CELL_FUNCTIONS):
            got = call_unmutated(impl.gru_decoder_step_backward, dout, cache)
        assert_gradients(
            f"gru_decoder_step_backward (N={n}, E={e}, S={s}, 2H={h2}, V={v}; your module's "
            "gru_cell_* were ours)", got, ("dy_prev_emb", "ds_prev", "dcontext", "dp"),
            autograd=expected, numeric=numeric,
        )


@pytest.mark.points(1)
def test_gru_decoder_step_update_gate_closed(impl, sol, seed):
    """with the update gate shut, the gated decoder step keeps s_prev and passes ds through"""
    rng = _rng(seed, 10)
    n, e, s, h2, v = 3, 2, 3, 4, 2
    y, s_prev, context = (rng.standard_normal((n, e)), rng.standard_normal((n, s)),
                          rng.standard_normal((n, h2)))
    p = dict(zip(("Wx", "Wh", "bx", "bh"), _gru_weights(rng, e + h2, s, scale=1.0)))
    p.update(Wout=rng.standard_normal((s + h2, v)), bout=rng.standard_normal(v))
    p["bx"][s : 2 * s] = 800.0  # z = 1: s = s_prev exactly
    ds, dlogits = rng.standard_normal((n, s)), rng.standard_normal((n, v))
    with using_solution(impl, sol, *GRU_CELL_FUNCTIONS):
        out, _ = impl.gru_decoder_step_forward(y, s_prev, context, p)
        _, cache = sol.gru_decoder_step_forward(y, s_prev, context, p)
        grads = call_unmutated(impl.gru_decoder_step_backward, (ds, dlogits), cache)
    if not isinstance(out, tuple) or len(out) != 2:
        fail("gru_decoder_step_forward should return ((s, logits), cache)")
    assert_close("gru_decoder_step_forward s with z = 1 (should be s_prev)", out[0], s_prev,
                 tol=EXACT_TOL, against="s_prev")
    if not isinstance(grads, tuple) or len(grads) != 4:
        fail("gru_decoder_step_backward should return (dy_prev_emb, ds_prev, dcontext, dp)")
    through_s = dlogits @ p["Wout"][:s].T  # what the logits send back to s (= s_prev here)
    assert_close("gru_decoder_step_backward ds_prev with z = 1 (should be ds plus what the "
                 "logits send to s)", grads[1], ds + through_s, tol=EXACT_TOL,
                 against="ds + dlogits Wout[:S].T")
    assert_close("gru_decoder_step_backward dy_prev_emb with z = 1 (the word is ignored)",
                 grads[0], np.zeros_like(y), tol=EXACT_TOL, against="0")
    assert_close("gru_decoder_step_backward dcontext with z = 1 (only the output layer reads "
                 "it)", grads[2], dlogits @ p["Wout"][s:].T, tol=EXACT_TOL,
                 against="dlogits Wout[S:].T")
