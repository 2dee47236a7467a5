"""Plausible wrong versions of attention.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous. Several come from the curriculum's seed pitfalls:
R1's 1 = blocked mask convention, its LayerNorm dividing by (std + 1e-6), its position
encodings that ignore the sin/cos pairing.
"""

_SHIFT = "    scores = scores - scores.max(axis=-1, keepdims=True)\n"
_SCORES = "    scores = (q @ np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])  # (N, h, Tq, Tk)\n"

MUTANTS = {
    "sdpa_forward scales the scores by 1/d instead of 1/sqrt(d)": [
        ("/ np.sqrt(q.shape[-1])  # (N, h, Tq, Tk)", "/ q.shape[-1]  # (N, h, Tq, Tk)"),
    ],
    "sdpa_forward reads the mask as True = blocked (nn.MultiheadAttention's convention)": [
        ("scores = np.where(mask, scores, -np.inf)", "scores = np.where(mask, -np.inf, scores)"),
    ],
    "sdpa_forward takes the row maximum before masking (future scores leak into the shift)": [
        (_SHIFT, ""),
        (_SCORES, _SCORES + _SHIFT),
    ],
    "sdpa_forward returns NaN rows instead of raising on an all-False mask row": [
        ("    if mask is not None and not np.all(np.any(mask, axis=-1)):\n", ""),
        ('        raise ValueError("sdpa_forward: a row of the mask is all False, so a query '
         'sees no key")\n', ""),
    ],
    "sdpa_forward normalises over the queries instead of the keys": [
        ("attn = weights / weights.sum(axis=-1, keepdims=True)",
         "attn = weights / weights.sum(axis=-2, keepdims=True)"),
    ],
    "sdpa_forward caches the scores instead of the weights": [
        ('cache = {"q": q, "k": k, "v": v, "attn": attn}',
         'cache = {"q": q, "k": k, "v": v, "attn": np.exp(scores)}'),
    ],
    "sdpa_backward forgets the row-sum term of the softmax backward": [
        ("dscores = attn * (dattn - np.sum(dattn * attn, axis=-1, keepdims=True))",
         "dscores = attn * dattn"),
    ],
    "sdpa_backward forgets the 1/sqrt(d) scale": [
        ("    dscores = dscores / np.sqrt(q.shape[-1])\n", ""),
    ],
    "sdpa_backward recomputes the weights from q and k, without the mask": [
        ('q, k, v, attn = cache["q"], cache["k"], cache["v"], cache["attn"]',
         'q, k, v = cache["q"], cache["k"], cache["v"]\n'
         "    attn = np.exp(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))\n"
         "    attn = attn / attn.sum(axis=-1, keepdims=True)"),
    ],
    "sdpa_backward uses dscores instead of its transpose for dk": [
        ("dk = np.swapaxes(dscores, -1, -2) @ q", "dk = dscores @ q"),
    ],
    "mha_forward splits the heads with a plain reshape (positions and heads mix)": [
        (".reshape(n, t, n_heads, width).transpose(0, 2, 1, 3)", ".reshape(n, n_heads, t, width)"),
    ],
    "mha_forward's causal mask lets each position see the next one": [
        ("np.tril(np.ones((t, t), dtype=bool))", "np.tril(np.ones((t, t), dtype=bool), 1)"),
    ],
    "mha_forward's causal mask is upper-triangular (attends to the future)": [
        ("np.tril(np.ones((t, t), dtype=bool))", "np.triu(np.ones((t, t), dtype=bool))"),
    ],
    "mha_forward masks even when causal is False": [
        ("dtype=bool)) if causal else None", "dtype=bool))"),
    ],
    "mha_forward forgets the output bias": [
        ("out = ctx @ Wo + bo  # (N, T, E)", "out = ctx @ Wo  # (N, T, E)"),
    ],
    "mha_backward splits dctx into heads with a plain reshape": [
        ("dctx.reshape(n, t, n_heads, e // n_heads).transpose(0, 2, 1, 3)",
         "dctx.reshape(n, n_heads, t, e // n_heads)"),
    ],
    "mha_backward only sends the query path's gradient to x": [
        ('dx = (dq @ cache["Wq"].T + dk @ cache["Wk"].T + dv @ cache["Wv"].T)',
         'dx = (dq @ cache["Wq"].T)'),
    ],
    "mha_backward transposes dWo": [
        ("dWo = ctx.reshape(n * t, e).T @ flat_dout", "dWo = flat_dout.T @ ctx.reshape(n * t, e)"),
    ],
    "layernorm_forward divides by (std + 1e-6), as R1 does": [
        ("rstd = 1.0 / np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + eps)",
         "rstd = 1.0 / (np.sqrt(np.mean(centred**2, axis=-1, keepdims=True)) + 1e-6)"),
    ],
    "layernorm_forward uses the unbiased variance": [
        ("np.mean(centred**2, axis=-1, keepdims=True) + eps",
         "np.sum(centred**2, axis=-1, keepdims=True) / (x.shape[-1] - 1) + eps"),
    ],
    "layernorm_forward takes the variance about 0 instead of the mean": [
        ("np.mean(centred**2, axis=-1, keepdims=True) + eps",
         "np.mean(x**2, axis=-1, keepdims=True) + eps"),
    ],
    "layernorm_backward drops the mean of g": [
        ("dx = rstd * (g - g_mean - xhat * gx_mean)", "dx = rstd * (g - xhat * gx_mean)"),
    ],
    "layernorm_backward drops the xhat term": [
        ("dx = rstd * (g - g_mean - xhat * gx_mean)", "dx = rstd * (g - g_mean)"),
    ],
    "layernorm_backward sums dgamma over the first axis only": [
        ("dgamma = np.sum(dout * xhat, axis=leading)", "dgamma = np.sum(dout * xhat, axis=0)"),
    ],
    "positional_encoding swaps sine and cosine": [
        ("np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))",
         "np.where(columns % 2 == 0, np.cos(angles), np.sin(angles))"),
    ],
    "positional_encoding gives every column its own frequency (ignores the 2i pairing)": [
        ("np.power(10000.0, -(columns - columns % 2) / d)", "np.power(10000.0, -columns / d)"),
    ],
}
