"""Plausible wrong versions of rnn_dropout.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "make_keep_mask drops ties (u > p)": [
        ("mask = (u >= p)", "mask = (u > p)"),
    ],
    "make_keep_mask keeps with probability p instead of 1 - p": [
        ("mask = (u >= p)", "mask = (u < p)"),
    ],
    "make_keep_mask returns a boolean mask": [
        ("mask = (u >= p).astype(np.float64)", "mask = u >= p"),
    ],
    "dropout_forward forgets the 1/(1 - p) scale (R1's 'scale at test' docstring)": [
        ("out = x * (mask / (1.0 - p))", "out = x * mask"),
    ],
    "dropout_forward multiplies by 1 - p (an expectation mask, as in R2)": [
        ("out = x * (mask / (1.0 - p))", "out = x * (mask * (1.0 - p))"),
    ],
    "dropout_forward assumes the mask has x's shape": [
        ("out = x * (mask / (1.0 - p))", "out = x * (mask.reshape(x.shape) / (1.0 - p))"),
    ],
    "dropout_forward works in place": [
        ("out = x * (mask / (1.0 - p))", "out = np.multiply(x, mask / (1.0 - p), out=x)"),
    ],
    "dropout_backward forgets the mask": [
        ('dx = dout * (cache["mask"] / (1.0 - cache["p"]))', 'dx = dout / (1.0 - cache["p"])'),
    ],
    "dropout_backward forgets the 1/(1 - p) scale": [
        ('dx = dout * (cache["mask"] / (1.0 - cache["p"]))', 'dx = dout * cache["mask"]'),
    ],
    "zaremba_lstm_forward starts both layers from layer 1's h0 and c0": [
        ("h, c = h0[layer - 1], c0[layer - 1]", "h, c = h0[0], c0[0]"),
    ],
    "zaremba_lstm_forward also drops the recurrent h (R2's placement)": [
        (
            "(h, c), step_cache = lstm_step_forward(seq[:, t], h, c, Wx, Wh, b)",
            "(h, c), step_cache = lstm_step_forward(seq[:, t], "
            "h * masks[site][:, min(t, masks[site].shape[1] - 1)] / (1.0 - p), c, Wx, Wh, b)",
        ),
    ],
    "zaremba_lstm_forward skips the dropout between the layers": [
        (
            'seq, site_cache = dropout_forward(np.stack(states, axis=1), masks[site], p)',
            'seq, site_cache = dropout_forward(np.stack(states, axis=1), '
            'masks[site] if site == "out" else np.ones(1), 0.0 if site == "mid" else p)',
        ),
    ],
    "zaremba_lstm_forward indexes each mask per time step (breaks time-tied masks)": [
        (
            'dropout_forward(x, masks["in"], p)',
            'dropout_forward(x, np.stack([masks["in"][:, t] for t in range(steps)], axis=1), p)',
        ),
    ],
    "zaremba_lstm_backward truncates BPTT (dh is not carried to the previous step)": [
        ("lstm_step_backward((dseq[:, t] + dh, dc), step_cache)",
         "lstm_step_backward((dseq[:, t], dc), step_cache)"),
    ],
    "zaremba_lstm_backward forgets the dropout on x": [
        ('grads["dx"] = dropout_backward(dseq, unnest(cache, "drop_in"))', 'grads["dx"] = dseq'),
    ],
    "zaremba_lstm_backward averages by over time and batch": [
        ('"by": dlogits.sum(axis=(0, 1))', '"by": dlogits.mean(axis=(0, 1))'),
    ],
    "zaremba_lstm_backward stacks dh0 and dc0 in the loop's order (layer 2 first)": [
        ("dh0[layer - 1], dc0[layer - 1] = dh, dc", "dh0[2 - layer], dc0[2 - layer] = dh, dc"),
    ],
}
