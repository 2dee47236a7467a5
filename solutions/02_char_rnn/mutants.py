"""Plausible wrong versions of char_rnn.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "rnn_step_forward forgets the bias": [
        ("h = np.tanh(x @ Wx + h_prev @ Wh + b)", "h = np.tanh(x @ Wx + h_prev @ Wh)"),
    ],
    "rnn_step_forward applies Wh transposed": [
        ("h = np.tanh(x @ Wx + h_prev @ Wh + b)", "h = np.tanh(x @ Wx + h_prev @ Wh.T + b)"),
    ],
    "rnn_step_backward uses 1 - h as the derivative of tanh": [
        ('dpre = dh * (1.0 - cache["h"] ** 2)', 'dpre = dh * (1.0 - cache["h"])'),
    ],
    "rnn_step_backward forms dWh with h instead of h_prev": [
        ('dWh = cache["h_prev"].T @ dpre', 'dWh = cache["h"].T @ dpre'),
    ],
    "rnn_step_backward averages db over the batch": [
        ("db = dpre.sum(axis=0)", "db = dpre.mean(axis=0)"),
    ],
    "rnn_forward starts from zeros instead of h0": [
        ("state = h0\n", "state = np.zeros_like(h0)\n"),
    ],
    "rnn_forward feeds h0 to every step (no recurrence)": [
        ("state, _ = rnn_step_forward(x[:, t], state, Wx, Wh, b)",
         "state, _ = rnn_step_forward(x[:, t], h0, Wx, Wh, b)"),
    ],
    "rnn_backward truncates BPTT to one step": [
        ("rnn_step_backward(dh[:, t] + carried, step)", "rnn_step_backward(dh[:, t], step)"),
    ],
    "rnn_backward only uses the gradient on the last state": [
        ("rnn_step_backward(dh[:, t] + carried, step)",
         "rnn_step_backward((t == x.shape[1] - 1) * dh[:, t] + carried, step)"),
    ],
    "rnn_backward pairs step t with h_prev = h[:, t]": [
        ("h_prev = h0 if t == 0 else h[:, t - 1]", "h_prev = h0 if t == 0 else h[:, t]"),
    ],
    "rnn_backward clips the weight gradients to +-5 (the seed's pitfall)": [
        ("    dh0 = carried\n",
         "    dh0 = carried\n    dWx, dWh, db = (np.clip(g, -5, 5) for g in (dWx, dWh, db))\n"),
    ],
    "rnn_backward adds the carried gradient into dh in place": [
        ("rnn_step_backward(dh[:, t] + carried, step)",
         "rnn_step_backward(np.add(dh[:, t], carried, out=dh[:, t]), step)"),
    ],
    "softmax_ce_forward skips the max shift": [
        ("z = logits - np.max(logits, axis=-1, keepdims=True)", "z = logits"),
    ],
    "softmax_ce_forward sums over N * T instead of averaging (the seed's pitfall)": [
        ("loss = float(-np.mean(picked))", "loss = float(-np.sum(picked))"),
    ],
    "softmax_ce_forward averages over N only": [
        ("loss = float(-np.mean(picked))", "loss = float(-np.sum(picked) / y.shape[0])"),
    ],
    "softmax_ce_backward divides by N instead of N * T": [
        ("/ y.size  # (N, T, V)", "/ y.shape[0]  # (N, T, V)"),
    ],
    "softmax_ce_backward ignores dloss": [
        ("dlogits = dloss * (probs - onehot)", "dlogits = (probs - onehot)"),
    ],
    "sample picks the smallest k with cumsum(p) >= u": [
        ('np.searchsorted(cdf, u[t], side="right")', 'np.searchsorted(cdf, u[t], side="left")'),
    ],
    "sample takes the most likely character (greedy)": [
        ('min(int(np.searchsorted(cdf, u[t], side="right")), vocab - 1)',
         "int(np.argmax(cdf > 0.5))"),
    ],
    "sample feeds idx0 at every step instead of the sampled character": [
        ("onehot[0, current] = 1.0", "onehot[0, idx0] = 1.0"),
    ],
    "sample restarts from h0 at every step": [
        ("state, _ = rnn_step_forward(onehot, state, Wx, Wh, b)",
         "state, _ = rnn_step_forward(onehot, h0[None, :], Wx, Wh, b)"),
    ],
}
