"""Plausible wrong versions of lstm.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "sigmoid computes 1 / (1 + exp(-a)) directly (overflows at a = -800)": [
        ("s = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "s = 1.0 / (1.0 + np.exp(-a))"),
    ],
    "lstm_step_forward reads the gates in the order i, f, o, g": [
        ("for k in (0, 1, 3))", "for k in (0, 1, 2))"),
        ("g = np.tanh(pre[:, 2 * hidden:3 * hidden])", "g = np.tanh(pre[:, 3 * hidden:])"),
    ],
    "lstm_step_forward swaps the input and forget gates (order f, i, g, o)": [
        ("i, f, o = (sigmoid(", "f, i, o = (sigmoid("),
    ],
    "lstm_step_forward writes g without the input gate": [
        ("c = i * g + f * c_prev", "c = g + f * c_prev"),
    ],
    "lstm_step_forward outputs o * c (no tanh on the cell)": [
        ("h = o * np.tanh(c)", "h = o * c"),
    ],
    "lstm_step_forward forgets the bias": [
        ("pre = x @ Wx + h_prev @ Wh + b", "pre = x @ Wx + h_prev @ Wh"),
    ],
    "lstm_step_backward ignores the path from h into the cell": [
        ("dcell = dc + dh * o * (1.0 - tanh_c**2)", "dcell = dc"),
    ],
    "lstm_step_backward uses 1 - tanh(c) as the derivative of tanh": [
        ("dcell = dc + dh * o * (1.0 - tanh_c**2)", "dcell = dc + dh * o * (1.0 - tanh_c)"),
    ],
    "lstm_step_backward passes dc_prev through the input gate instead of the forget gate": [
        ("dc_prev = dcell * f", "dc_prev = dcell * i"),
    ],
    "lstm_step_backward forgets the sigmoid derivative of the output gate": [
        ("dh * tanh_c * o * (1.0 - o)", "dh * tanh_c"),
    ],
    "lstm_step_backward averages db over the batch": [
        ("db = dpre.sum(axis=0)", "db = dpre.mean(axis=0)"),
    ],
    "lstm_forward restarts every step from c0": [
        ("lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)",
         "lstm_step_forward(x[:, t], h_t, c0, Wx, Wh, b)"),
    ],
    "lstm_forward starts from zero states instead of (h0, c0)": [
        ("h_t, c_t = h0, c0", "h_t, c_t = np.zeros_like(h0), np.zeros_like(c0)"),
    ],
    "lstm_backward drops the gradient carried on the cell": [
        ("lstm_step_backward((dh[:, t] + dh_next, dc_next), step)",
         "lstm_step_backward((dh[:, t] + dh_next, np.zeros_like(dc_next)), step)"),
    ],
    "lstm_backward seeds the last cell with the last dh": [
        ("dh_next, dc_next = np.zeros_like(cache[\"h0\"]), np.zeros_like(cache[\"c0\"])",
         "dh_next, dc_next = np.zeros_like(cache[\"h0\"]), dh[:, -1]"),
    ],
    "lstm_backward pairs step t with c_prev = c[:, t]": [
        ('step["c_prev"] = cache["c0"] if t == 0 else c[:, t - 1]',
         'step["c_prev"] = cache["c0"] if t == 0 else c[:, t]'),
    ],
    "lstm_backward adds the carried gradient into dh in place": [
        ("lstm_step_backward((dh[:, t] + dh_next, dc_next), step)",
         "lstm_step_backward((np.add(dh[:, t], dh_next, out=dh[:, t]), dc_next), step)"),
    ],
    "input_grad_norms puts dh_last on every step": [
        ("upstream[:, -1] = dh_last", "upstream[:] = dh_last[:, None]"),
    ],
    "input_grad_norms returns squared norms": [
        ("norms = np.sqrt(np.sum(dx**2, axis=(0, 2)))", "norms = np.sum(dx**2, axis=(0, 2))"),
    ],
    "input_grad_norms averages per-example norms over the batch": [
        ("norms = np.sqrt(np.sum(dx**2, axis=(0, 2)))",
         "norms = np.sqrt(np.sum(dx**2, axis=2)).mean(axis=0)"),
    ],
}
