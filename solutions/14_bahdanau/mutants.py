"""Plausible wrong versions of bahdanau.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "birnn_forward leaves the backward states in processing order, not by position": [
        ("Hann = np.concatenate(halves, axis=2)",
         "Hann = np.concatenate([halves[0], halves[1][:, ::-1]], axis=2)"),
    ],
    "birnn_forward runs the backward direction with the forward weights": [
        ('("bwd", pb, range(steps - 1, -1, -1))', '("bwd", pf, range(steps - 1, -1, -1))'),
    ],
    "birnn_forward puts the backward half first": [
        ("Hann = np.concatenate(halves, axis=2)", "Hann = np.concatenate(halves[::-1], axis=2)"),
    ],
    "birnn_backward does not carry the gradient to the previous step": [
        ("(dstates[:, j] + dcarry)", "dstates[:, j]"),
    ],
    "birnn_backward takes the backward RNN's previous state from position j - 1": [
        ('range(steps), +1)', 'range(steps), -1)'),
    ],
    "birnn_backward forgets the tanh derivative": [
        ("* (1.0 - states[:, j] ** 2)", ""),
    ],
    "additive_attention_forward takes the softmax over padded positions too": [
        ("scores = np.where(src_mask, act @ v, -np.inf)", "scores = act @ v"),
    ],
    "additive_attention_forward zeroes padded weights after the softmax, without renormalising": [
        (
            "alpha = weights / weights.sum(axis=1, keepdims=True)",
            "alpha = np.where(src_mask, np.exp(act @ v) / np.exp(act @ v).sum(axis=1, "
            "keepdims=True), 0.0)",
        ),
    ],
    "additive_attention_forward skips the max shift (overflows at large scores)": [
        ("np.exp(scores - scores.max(axis=1, keepdims=True))", "np.exp(scores)"),
    ],
    "additive_attention_forward ignores the decoder state (scores from Hann alone)": [
        ("act = np.tanh((s_prev @ Wa)[:, None, :] + Hann @ Ua)", "act = np.tanh(Hann @ Ua)"),
    ],
    "additive_attention_backward drops the softmax's row-sum term": [
        ("de = alpha * (dalpha - (alpha * dalpha).sum(axis=1, keepdims=True))",
         "de = alpha * dalpha"),
    ],
    "additive_attention_backward forgets the direct path from context to Hann": [
        ("dHann = alpha[:, :, None] * dcontext[:, None, :] + dpre @", "dHann = dpre @"),
    ],
    "additive_attention_backward forgets the tanh derivative": [
        ('cache["v"] * (1.0 - act**2)', 'cache["v"]'),
    ],
    "additive_attention_backward averages dWa over the batch": [
        ('dWa = cache["s_prev"].T @ dquery', 'dWa = cache["s_prev"].T @ dquery / len(dquery)'),
    ],
    "decoder_step_forward reads [context, s] in the output layer": [
        ("np.concatenate([s, context], axis=1) @ p", "np.concatenate([context, s], axis=1) @ p"),
    ],
    "decoder_step_forward uses s_prev (not the new s) in the output layer": [
        ("np.concatenate([s, context], axis=1) @ p", "np.concatenate([s_prev, context], 1) @ p"),
    ],
    "decoder_step_backward ignores the gradient reaching s from the logits": [
        ("dpre = (ds + dfeatures[:, :size])", "dpre = ds"),
    ],
    "decoder_step_backward forgets the context's direct path to the logits": [
        ("dcontext = dfeatures[:, size:] + dpre", "dcontext = dpre"),
    ],
    "decoder_step_backward averages dbout over the batch": [
        ('"bout": dlogits.sum(axis=0)', '"bout": dlogits.mean(axis=0)'),
    ],
    "gru_cell_forward applies r to h_prev Wh_n only, adding bh_n outside the gate": [
        ("n = np.tanh(from_x[:, 2 * size :] + r * hn)",
         "n = np.tanh(from_x[:, 2 * size :] + r * (h_prev @ Wh[:, 2 * size :]) + bh[2 * size :])"),
    ],
    "gru_cell_forward swaps z and 1 - z (z near 1 takes the candidate)": [
        ("h = (1.0 - z) * n + z * h_prev", "h = z * n + (1.0 - z) * h_prev"),
    ],
    "gru_cell_forward reads the gate blocks in the order z, r": [
        ("r, z = gates[:, :size], gates[:, size:]", "z, r = gates[:, :size], gates[:, size:]"),
    ],
    "gru_cell_forward uses the sigmoid 1 / (1 + exp(-a)), which overflows for large -a": [
        ("gates = np.where(pre >= 0, 1.0, small) / (1.0 + small)",
         "gates = 1.0 / (1.0 + np.exp(-pre))"),
    ],
    "gru_cell_backward drops the direct path dh * z to h_prev": [
        ("dh_prev = dh * z + dfrom_h @", "dh_prev = dfrom_h @"),
    ],
    "gru_cell_backward forgets that r scales the hidden projection of the candidate": [
        ("dpre_n * r], axis=1)", "dpre_n], axis=1)"),
    ],
    "gru_cell_backward takes dz with the wrong sign, dh * (n - h_prev)": [
        ("dh * (h_prev - n)", "dh * (n - h_prev)"),
    ],
    "gru_decoder_step_forward feeds the cell [context, y_prev_emb]": [
        ("np.concatenate([y_prev_emb, context], axis=1)",
         "np.concatenate([context, y_prev_emb], axis=1)"),
    ],
    "gru_decoder_step_forward keeps the cell's cache keys without the 'cell.' prefix": [
        ('cache = {"cell." + key: value for key, value in cell_cache.items()}',
         "cache = dict(cell_cache)"),
    ],
    "gru_decoder_step_forward uses s_prev (not the new s) in the output layer": [
        ('np.hstack([s, context]) @ p["Wout"]', 'np.hstack([s_prev, context]) @ p["Wout"]'),
    ],
    "gru_decoder_step_backward ignores the gradient reaching s from the logits": [
        ("ds + dreadout[:, : s.shape[1]], cell_cache", "ds, cell_cache"),
    ],
    "gru_decoder_step_backward adds the logits' gradient into the caller's ds in place": [
        ("ds + dreadout[:, : s.shape[1]], cell_cache",
         "np.add(ds, dreadout[:, : s.shape[1]], out=ds), cell_cache"),
    ],
    "gru_decoder_step_backward forgets the context's direct path to the logits": [
        ("dcontext = dinputs[:, words:] + dreadout[:, s.shape[1] :]",
         "dcontext = dinputs[:, words:]"),
    ],
    "gru_decoder_step_backward splits the cell's input gradient at S instead of E": [
        ('words = cache["y_prev_emb"].shape[1]', "words = s.shape[1]"),
    ],
}
