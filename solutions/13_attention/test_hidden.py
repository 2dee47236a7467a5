"""Hidden checks for paper 13.

Every forward is compared with the torch float64 reference (F.scaled_dot_product_attention,
nn.MultiheadAttention, F.layer_norm, a closed form for the position encodings); every backward
with the reference's autograd gradient and with central differences of the reference forward,
on a cache built by the trusted solution (independent credit). The multi-head checks swap in
the solution's sdpa_forward / sdpa_backward, so they grade only the multi-head code.

The three mask conventions (ours and SDPA's bool True = attend, nn.MultiheadAttention's bool
True = blocked, additive float masks) are mapped in reference.py; the forward checks compare
the learner with each of them. Causality is checked as a property: outputs at positions < t
must stay bit-identical when the inputs at positions >= t change (even to huge values), and no
gradient may flow from a position to an earlier one.

Cases include the curriculum's edge shapes: T = 1 causal, Tq != Tk, n_heads = 1, N = 1, odd d.
Each case is computed once per process (functools.cache), frozen read-only and reused.
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
    outputs,
    using_solution,
)

# (N, h, Tq, Tk, d, dv, mask kind)
SDPA_CASES = [
    (1, 1, 1, 1, 3, 2, "causal"),  # T = 1 with a causal mask
    (2, 2, 3, 5, 4, 3, "random"),  # Tq != Tk, an arbitrary mask
    (2, 3, 4, 4, 2, 2, "causal"),
    (1, 2, 5, 3, 3, 4, None),  # no mask (the default argument)
]
# (N, T, E, n_heads, causal)
MHA_CASES = [
    (2, 4, 6, 2, False),
    (1, 1, 4, 2, True),  # T = 1 causal: out is the projected v
    (2, 5, 4, 1, True),  # a single head
    (2, 3, 8, 4, True),
]
# (shape of x, eps or None for the default, scale of x)
LN_CASES = [
    ((1, 1, 5), None, 1.0),  # N = 1, T = 1
    ((3, 4), None, 2.0),
    ((2, 3, 6), 1e-3, 1.0),
    ((4, 7), None, 0.05),  # small variance: eps's placement matters
]
PE_CASES = [(1, 1), (1, 4), (9, 7), (20, 16), (50, 3), (6, 10)]

MHA_WEIGHTS = ("Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo")
MHA_GRADS = ("dx", "dWq", "dWk", "dWv", "dWo", "dbq", "dbk", "dbv", "dbo")


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _mask(rng, kind, tq, tk):
    """None, a causal (lower-triangular) mask, or a random mask with a True in every row."""
    if kind is None:
        return None
    if kind == "causal":
        return np.tril(np.ones((tq, tk), dtype=bool))
    mask = rng.random((tq, tk)) < 0.5
    mask[np.arange(tq), rng.integers(tk, size=tq)] = True
    return mask


def _sdpa_args(q, k, v, mask):
    return (q, k, v) if mask is None else (q, k, v, mask)


@functools.cache
def sdpa_case(ref, seed, k):
    n, h, tq, tk, d, dv, kind = SDPA_CASES[k]
    rng = _rng(seed, 1, k)
    q, key, v = (rng.standard_normal(s) for s in ((n, h, tq, d), (n, h, tk, d), (n, h, tk, dv)))
    mask = _mask(rng, kind, tq, tk)
    dout = rng.standard_normal((n, h, tq, dv))
    out, grads = torchref.vjp(ref.sdpa, (q, key, v, mask), dout, wrt=(0, 1, 2))
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.sdpa, *a, mask), (q, key, v), dout, wrt=(0, 1, 2)
    )
    others = {"the reference's attention weights": torchref.forward(
        ref.attention_weights, q, key, mask
    )}
    if mask is not None:
        bias = np.where(mask, 0.0, -np.inf)
        others["SDPA with the additive mask where(mask, 0, -inf)"] = torchref.forward(
            ref.sdpa_additive, q, key, v, bias
        )
    if kind == "causal":
        others["SDPA with is_causal=True"] = torchref.forward(ref.sdpa_causal, q, key, v)
    return frozen((q, key, v, mask, dout, out, grads, numeric, others))


def _label(q, k, mask):
    what = "no mask" if mask is None else f"mask {mask.shape}"
    return f"q {q.shape}, k {k.shape}, {what}"


@pytest.mark.points(1)
def test_sdpa_forward(impl, ref, seed):
    """sdpa_forward matches F.scaled_dot_product_attention (bool, additive and causal masks)"""
    for k in range(len(SDPA_CASES)):
        q, key, v, mask, _, out, _, _, others = sdpa_case(ref, seed, k)
        got, cache = call_unmutated(impl.sdpa_forward, *_sdpa_args(q, key, v, mask))
        label = f"sdpa_forward out ({_label(q, key, mask)})"
        assert_close(label, got, out, against="F.scaled_dot_product_attention, bool mask")
        for name, expected in others.items():
            if name.startswith("SDPA"):
                assert_close(label, got, expected, against=name)
        assert_cache_keys("sdpa_forward", cache, ("q", "k", "v", "attn"))


@pytest.mark.points(2)
def test_sdpa_backward(impl, sol, ref, seed):
    """sdpa_backward matches torch autograd and central differences"""
    for k in range(len(SDPA_CASES)):
        q, key, v, mask, dout, _, grads, numeric, _ = sdpa_case(ref, seed, k)
        _, cache = sol.sdpa_forward(*_sdpa_args(q, key, v, mask))
        got = call_unmutated(impl.sdpa_backward, dout, cache)
        assert_gradients(
            f"sdpa_backward ({_label(q, key, mask)})", got, ("dq", "dk", "dv"),
            autograd=grads, numeric=numeric,
        )


@pytest.mark.points(1)
def test_sdpa_attention_weights(impl, ref, seed):
    """cache['attn'] is the softmax of the scores: rows sum to 1, exactly 0 where masked"""
    for k in range(len(SDPA_CASES)):
        q, key, v, mask, _, _, _, _, others = sdpa_case(ref, seed, k)
        _, cache = impl.sdpa_forward(*_sdpa_args(q, key, v, mask))
        assert_cache_keys("sdpa_forward", cache, ("attn",))
        attn = cache["attn"]
        expected = others["the reference's attention weights"]
        label = f"sdpa_forward cache['attn'] ({_label(q, key, mask)})"
        assert_close(label, attn, expected, against="softmax(q k^T / sqrt(d)), -inf where masked")
        assert_close(
            f"{label} summed over the keys", attn.sum(axis=-1), np.ones(expected.shape[:-1]),
            tol=EXACT_TOL, against="1 in every row",
        )
        if mask is not None and np.any(attn[~np.broadcast_to(mask, attn.shape)] != 0.0):
            fail(
                f"{label} is not exactly 0 where the mask is False. Our masks mean "
                "True = may attend: set the score to -inf where the mask is False."
            )


def _first_change(base, outs):
    """The first t whose output at positions < t differs (bit for bit) from base."""
    for t, out in outs:
        if not np.array_equal(out[..., :t, :], base[..., :t, :]):
            return t, out
    return None, None


@pytest.mark.points(1)
def test_sdpa_causal(impl, seed):
    """with a causal mask, out at positions < t ignores q, k, v at positions >= t"""
    rng = _rng(seed, 2)
    n, h, t, d = 2, 2, 6, 3
    q, key, v = (rng.standard_normal((n, h, t, d)) for _ in range(3))
    causal = np.tril(np.ones((t, t), dtype=bool))
    base = np.asarray(impl.sdpa_forward(q, key, v, causal)[0])
    outs = []
    for cut in range(1, t):
        q2, k2, v2 = q.copy(), key.copy(), v.copy()
        # The future changes completely, to keys whose scores would dominate any softmax.
        q2[:, :, cut:] = rng.standard_normal((n, h, t - cut, d))
        k2[:, :, cut:] = 1e3 * rng.standard_normal((n, h, t - cut, d))
        v2[:, :, cut:] = 1e3 * rng.standard_normal((n, h, t - cut, d))
        with np.errstate(all="ignore"):
            outs.append((cut, np.asarray(impl.sdpa_forward(q2, k2, v2, causal)[0])))
    cut, out = _first_change(base, outs)
    if cut is not None:
        past = out[..., :cut, :]
        if np.isnan(past).any():
            how = "became NaN"
        else:
            how = f"changed by up to {float(np.max(np.abs(past - base[..., :cut, :]))):.3g}"
        fail(
            f"sdpa_forward with a causal mask (T = {t}): out at positions < {cut} {how} when "
            f"q, k, v at positions >= {cut} changed. The future leaks into the past: masked "
            "scores must be -inf before the softmax, and the row maximum must be taken over "
            "the unmasked scores only."
        )


@pytest.mark.points(1)
def test_sdpa_backward_causal(impl, sol, seed):
    """with a causal mask, no gradient flows from out at positions < t to inputs at >= t"""
    rng = _rng(seed, 3)
    n, h, t, d = 2, 2, 5, 3
    q, key, v = (rng.standard_normal((n, h, t, d)) for _ in range(3))
    _, cache = sol.sdpa_forward(q, key, v, np.tril(np.ones((t, t), dtype=bool)))
    for cut in range(1, t):
        dout = np.zeros((n, h, t, d))
        dout[:, :, :cut] = rng.standard_normal((n, h, cut, d))
        result = call_unmutated(impl.sdpa_backward, dout, cache)
        names = ("dq", "dk", "dv")
        for name, grad in zip(names, outputs("sdpa_backward", result, names)):
            grad = np.asarray(grad)
            if grad.shape != (n, h, t, d) or np.any(grad[:, :, cut:] != 0.0):
                fail(
                    f"sdpa_backward with a causal mask: dout is zero at positions >= {cut}, "
                    f"so {name} must be exactly zero there (outputs before {cut} do not depend "
                    "on inputs from position "
                    f"{cut} on). Got {name} of shape {grad.shape} with nonzero future entries: "
                    "use the cached weights, which are 0 where the mask was False."
                )


@pytest.mark.points(1)
def test_sdpa_fully_masked_row(impl, seed):
    """a mask row with no True entry raises ValueError instead of returning NaN"""
    rng = _rng(seed, 4)
    q, key = rng.standard_normal((2, 1, 3, 2)), rng.standard_normal((2, 1, 4, 2))
    v = rng.standard_normal((2, 1, 4, 3))
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False
    for m, args in ((mask, (q, key, v)), (np.zeros((1, 1), dtype=bool), (q[:, :, :1],) * 3)):
        try:
            with np.errstate(all="ignore"):
                out, _ = impl.sdpa_forward(*args, m)
        except ValueError:
            continue
        fail(
            f"sdpa_forward with a mask of shape {m.shape} whose row {int(np.argmin(m.any(1)))} "
            f"is all False should raise ValueError; it returned an output "
            f"({'with' if np.isnan(np.asarray(out, dtype=float)).any() else 'without'} NaN)"
        )


@functools.cache
def mha_case(ref, seed, k):
    n, t, e, n_heads, causal = MHA_CASES[k]
    rng = _rng(seed, 5, k)
    x = rng.standard_normal((n, t, e))
    weights = [rng.standard_normal((e, e)) / np.sqrt(e) for _ in range(4)]
    biases = [0.5 * rng.standard_normal(e) for _ in range(4)]
    args = (x, *weights, *biases)
    dout = rng.standard_normal((n, t, e))
    out, grads = torchref.vjp(ref.mha, (*args, n_heads, causal), dout, wrt=range(9))
    # Central differences of the torch reference itself (about 0.2 ms per call).
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.mha, *a, n_heads, causal), args, dout, wrt=range(9)
    )
    out_float = torchref.forward(ref.mha, *args, n_heads, causal, "float")
    return frozen((args, dout, out, out_float, grads, numeric))


@pytest.mark.points(2)
def test_mha_forward(impl, sol, ref, seed):
    """mha_forward matches nn.MultiheadAttention with in_proj = cat(Wq.T, Wk.T, Wv.T)"""
    with using_solution(impl, sol, "sdpa_forward"):
        for k, (_, t, _, n_heads, causal) in enumerate(MHA_CASES):
            args, _, out, out_float, _, _ = mha_case(ref, seed, k)
            got, cache = call_unmutated(impl.mha_forward, *args, n_heads, causal)
            label = f"mha_forward out (x {args[0].shape}, n_heads={n_heads}, causal={causal})"
            mask_name = ", bool attn_mask = ~tril (True = blocked)" if causal else ""
            assert_close(label, got, out, against=f"nn.MultiheadAttention{mask_name}")
            if causal:
                assert_close(label, got, out_float, against=(
                    "nn.MultiheadAttention with the additive float mask (-inf above the diagonal)"
                ))
            if t == 1:
                x, _, _, Wv, Wo, _, _, bv, bo = args
                assert_close(
                    f"{label}: with T = 1 every position sees only itself, so out = (x Wv + bv) "
                    "Wo + bo", got, (x @ Wv + bv) @ Wo + bo,
                )
            keys = ("x", *MHA_WEIGHTS[:4], "n_heads", "causal", "ctx", "sdpa.attn", "sdpa.q")
            assert_cache_keys("mha_forward", cache, keys)


@pytest.mark.points(2)
def test_mha_backward(impl, sol, ref, seed):
    """mha_backward matches torch autograd and central differences"""
    with using_solution(impl, sol, "sdpa_forward", "sdpa_backward"):
        for k, (n, _, _, n_heads, causal) in enumerate(MHA_CASES):
            args, dout, _, _, grads, numeric = mha_case(ref, seed, k)
            _, cache = sol.mha_forward(*args, n_heads, causal)
            got = call_unmutated(impl.mha_backward, dout, cache)
            assert_gradients(
                f"mha_backward (x {args[0].shape}, n_heads={n_heads}, causal={causal})", got,
                MHA_GRADS, autograd=grads, numeric=numeric, batch_size=n,
            )


def _mha_inputs(rng, n, t, e):
    x = rng.standard_normal((n, t, e))
    weights = [rng.standard_normal((e, e)) / np.sqrt(e) for _ in range(4)]
    return x, [*weights, *(0.5 * rng.standard_normal(e) for _ in range(4))]


@pytest.mark.points(2)
def test_mha_causal(impl, sol, seed):
    """causal mha_forward: out at positions < t stays bit-identical when x at >= t changes"""
    rng = _rng(seed, 6)
    n, t, e, n_heads = 2, 6, 6, 2
    x, params = _mha_inputs(rng, n, t, e)
    with using_solution(impl, sol, "sdpa_forward"):
        base = np.asarray(impl.mha_forward(x, *params, n_heads, True)[0])
        outs = []
        for cut in range(1, t):
            x2 = x.copy()
            x2[:, cut:] = 100.0 * rng.standard_normal((n, t - cut, e))
            with np.errstate(all="ignore"):
                outs.append((cut, np.asarray(impl.mha_forward(x2, *params, n_heads, True)[0])))
    cut, out = _first_change(base, outs)
    if cut is not None:
        past = out[:, :cut]
        if np.isnan(past).any():
            how = "became NaN"
        else:
            how = f"changed by up to {float(np.max(np.abs(past - base[:, :cut]))):.3g}"
        fail(
            f"mha_forward with causal=True (T = {t}): out at positions < {cut} {how} when x "
            f"at positions >= {cut} changed: the mask lets position t attend to later "
            "positions. Query t may attend to keys 0..t only (True on and "
            "below the diagonal)."
        )


@pytest.mark.points(1)
def test_mha_backward_causal(impl, sol, seed):
    """causal mha_backward: d out_t / d x_t' = 0 for every t' > t"""
    rng = _rng(seed, 7)
    n, t, e, n_heads = 2, 5, 6, 3
    x, params = _mha_inputs(rng, n, t, e)
    _, cache = sol.mha_forward(x, *params, n_heads, True)
    with using_solution(impl, sol, "sdpa_forward", "sdpa_backward"):
        for cut in range(1, t):
            dout = np.zeros((n, t, e))
            dout[:, :cut] = rng.standard_normal((n, cut, e))
            result = call_unmutated(impl.mha_backward, dout, cache)
            dx = np.asarray(outputs("mha_backward", result, MHA_GRADS)[0])
            if dx.shape != x.shape or np.any(dx[:, cut:] != 0.0):
                fail(
                    f"mha_backward with causal=True: dout is zero at positions >= {cut}, so dx "
                    f"must be exactly zero there; got dx of shape {dx.shape} with nonzero "
                    "entries. Check that dctx is split into heads exactly as the forward split "
                    "q, k and v (positions must not mix)."
                )


@pytest.mark.points(1)
def test_mha_permutation_equivariant(impl, sol, seed):
    """without a mask, permuting the positions of x permutes mha_forward's output"""
    rng = _rng(seed, 8)
    n, t, e, n_heads = 2, 5, 6, 2
    x, params = _mha_inputs(rng, n, t, e)
    perm = rng.permutation(t)
    with using_solution(impl, sol, "sdpa_forward"):
        out, _ = impl.mha_forward(x, *params, n_heads, False)
        permuted, _ = impl.mha_forward(x[:, perm], *params, n_heads, False)
    assert_close(
        f"mha_forward(x[:, perm]) with causal=False (perm = {perm.tolist()})",
        permuted, np.asarray(out)[:, perm], against="mha_forward(x)[:, perm]",
    )


@functools.cache
def layernorm_case(ref, seed, k):
    shape, eps, scale = LN_CASES[k]
    rng = _rng(seed, 9, k)
    e = shape[-1]
    x = scale * rng.standard_normal(shape) + 3.0 * rng.standard_normal((*shape[:-1], 1))
    gamma, beta = 1.0 + 0.5 * rng.standard_normal(e), rng.standard_normal(e)
    extra = () if eps is None else (eps,)
    dout = rng.standard_normal(shape)
    out, grads = torchref.vjp(ref.layernorm, (x, gamma, beta, *extra), dout, wrt=(0, 1, 2))
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.layernorm, *a, *extra), (x, gamma, beta), dout,
        wrt=(0, 1, 2),
    )
    return frozen((x, gamma, beta, extra, dout, out, grads, numeric))


@pytest.mark.points(1)
def test_layernorm_forward(impl, ref, seed):
    """layernorm_forward matches F.layer_norm (biased variance, eps inside the square root)"""
    for k in range(len(LN_CASES)):
        x, gamma, beta, extra, _, out, _, _ = layernorm_case(ref, seed, k)
        kwargs = {"eps": extra[0]} if extra else {}
        got, cache = call_unmutated(impl.layernorm_forward, x, gamma, beta, **kwargs)
        label = f"layernorm_forward out (x {x.shape}, eps={extra[0] if extra else 1e-5:g})"
        assert_close(label, got, out)
        assert_cache_keys("layernorm_forward", cache, ("x", "gamma", "beta", "eps", "xhat", "rstd"))


@pytest.mark.points(2)
def test_layernorm_backward(impl, sol, ref, seed):
    """layernorm_backward matches torch autograd and central differences"""
    for k in range(len(LN_CASES)):
        x, gamma, beta, extra, dout, _, grads, numeric = layernorm_case(ref, seed, k)
        _, cache = sol.layernorm_forward(x, gamma, beta, *extra)
        got = call_unmutated(impl.layernorm_backward, dout, cache)
        assert_gradients(
            f"layernorm_backward (x {x.shape})", got, ("dx", "dgamma", "dbeta"),
            autograd=grads, numeric=numeric, batch_size=x.shape[0],
        )


@pytest.mark.points(1)
def test_layernorm_properties(impl, seed):
    """LayerNorm rows: mean 0, mean square var/(var + eps), unchanged by adding a constant"""
    rng = _rng(seed, 10)
    n, t, e = 3, 4, 6
    x = rng.standard_normal((n, t, e)) + 5.0
    ones, zeros = np.ones(e), np.zeros(e)
    out, _ = impl.layernorm_forward(x, ones, zeros)
    out = np.asarray(out)
    assert_close(
        "layernorm_forward with gamma = 1, beta = 0: the mean of each row",
        out.mean(axis=-1), np.zeros((n, t)), tol=EXACT_TOL, against="0 in every row",
    )
    var = x.var(axis=-1)
    assert_close(
        "layernorm_forward with gamma = 1, beta = 0: the mean square of each row",
        np.mean(out**2, axis=-1), var / (var + 1e-5), tol=EXACT_TOL,
        against="var / (var + eps), with the biased variance and eps = 1e-5",
    )
    shifted, _ = impl.layernorm_forward(x + 7.0 * rng.standard_normal((n, t, 1)), ones, zeros)
    assert_close(
        "layernorm_forward after adding a constant to each row (should not change)",
        shifted, out, against="the output before the shift",
    )


@pytest.mark.points(1)
def test_layernorm_backward_rows_sum_to_zero(impl, sol, seed):
    """layernorm_backward: dx sums to 0 over each row (the output ignores a shift of x)"""
    rng = _rng(seed, 11)
    x = rng.standard_normal((2, 5, 7))
    gamma, beta = rng.standard_normal(7), rng.standard_normal(7)
    _, cache = sol.layernorm_forward(x, gamma, beta)
    dx, _, _ = call_unmutated(impl.layernorm_backward, rng.standard_normal(x.shape), cache)
    assert_close(
        "layernorm_backward: dx summed over the last axis", np.sum(dx, axis=-1),
        np.zeros(x.shape[:-1]), tol=EXACT_TOL, against="0 in every row",
    )


@functools.cache
def pe_case(ref, k):
    t, d = PE_CASES[k]
    return frozen(torchref.forward(ref.positional_encoding, t, d))


@pytest.mark.points(1)
def test_positional_encoding(impl, ref):
    """positional_encoding matches the closed form, odd d included"""
    for k, (t, d) in enumerate(PE_CASES):
        got = call_unmutated(impl.positional_encoding, t, d)
        assert_close(f"positional_encoding({t}, {d})", got, pe_case(ref, k))


@pytest.mark.points(1)
def test_positional_encoding_properties(impl):
    """PE rows: [0, 1, 0, 1, ...] at p = 0, norm sqrt(d/2) for even d, last column a sine"""
    for t, d in ((12, 8), (5, 5), (3, 1)):
        pe = impl.positional_encoding(t, d)
        expected_first = (np.arange(d) % 2).astype(np.float64)
        assert_close(
            f"positional_encoding({t}, {d})[0] (position 0)",
            pe[0], expected_first, tol=EXACT_TOL, against="[0, 1, 0, 1, ...]",
        )
        assert_close(
            f"positional_encoding({t}, {d})[:, 0]",
            pe[:, 0], np.sin(np.arange(t)), tol=EXACT_TOL, against="sin(p)",
        )
        if d % 2 == 0:
            assert_close(
                f"positional_encoding({t}, {d}): the norm of each row",
                np.linalg.norm(pe, axis=1), np.full(t, np.sqrt(d / 2)), tol=EXACT_TOL,
                against="sqrt(d/2)",
            )
        else:
            last = np.sin(np.arange(t) / 10000.0 ** ((d - 1) / d))
            assert_close(
                f"positional_encoding({t}, {d})[:, -1] (odd d: the last column is a sine)",
                pe[:, -1], last, tol=EXACT_TOL, against="sin(p / 10000^((d-1)/d))",
            )

