"""Plausible wrong versions of set2seq.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "mean pool divides by the feature count H instead of the set size n": [
        ("pooled = X.sum(axis=1) / X.shape[1]", "pooled = X.sum(axis=1) / X.shape[2]"),
    ],
    "max pool keeps the element with the largest total instead of a per-feature max": [
        ("pooled = X.max(axis=1)  # (N, H)",
         "pooled = X[np.arange(X.shape[0]), X.sum(axis=2).argmax(axis=1)]  # (N, H)"),
    ],
    "mean pool backward forgets the 1/n": [
        ("dX = spread / X.shape[1]", "dX = spread.copy()"),
    ],
    "max pool backward spreads the gradient over every element": [
        ("dX = np.where(winner, spread, 0.0)", "dX = spread.copy()"),
    ],
    "max pool backward always routes the gradient to the first element": [
        ("winner = X.argmax(axis=1)[:, None, :] ==",
         "winner = np.zeros(X.shape[::2], dtype=int)[:, None, :] =="),
    ],
    "softmax over the batch axis instead of the memories": [
        ("unnorm = np.exp(e - e.max(axis=1, keepdims=True))",
         "unnorm = np.exp(e - e.max(axis=0, keepdims=True))"),
        ("a = unnorm / unnorm.sum(axis=1, keepdims=True)",
         "a = unnorm / unnorm.sum(axis=0, keepdims=True)"),
    ],
    "softmax without the max shift (overflows at large scores)": [
        ("unnorm = np.exp(e - e.max(axis=1, keepdims=True))", "unnorm = np.exp(e)"),
    ],
    "scores get a position bias (a sequence-attention habit that breaks set invariance)": [
        ('e = np.einsum("kih,kh->ki", M, q)  # (N, n)',
         'e = np.einsum("kih,kh->ki", M, q) + 0.1 * np.arange(M.shape[1])  # (N, n)'),
    ],
    "attention backward forgets the softmax's centring term": [
        ("de = a * (da - (a * da).sum(axis=1, keepdims=True))", "de = a * da"),
    ],
    "attention backward drops the path from the scores into dM": [
        ("dM = a[:, :, None] * dr[:, None, :] + de[:, :, None] * q[:, None, :]",
         "dM = a[:, :, None] * dr[:, None, :]"),
    ],
    "attention backward uses the weights a instead of de for dq": [
        ('dq = np.einsum("ki,kih->kh", de, M)', 'dq = np.einsum("ki,kih->kh", a, M)'),
    ],
    "LSTM state starts from the last memory (a seq2seq encoder habit)": [
        ("q, c = np.zeros((n_sets, width)), np.zeros((n_sets, width))",
         "q, c = M[:, -1], np.zeros((n_sets, width))"),
    ],
    "q* concatenates [r, q] instead of [q, r]": [
        ("q_star = np.concatenate([q, r], axis=1)", "q_star = np.concatenate([r, q], axis=1)"),
    ],
    "process block runs one step too few": [
        ("for t in range(1, 1 + steps):", "for t in range(1, steps):"),
    ],
    "process backward keeps only the last step's dM": [
        ("dM = dM + dM_t", "dM = dM_t"),
    ],
    "process backward forgets attention's dq": [
        ("dq_total = d_state[:, :width] + dq_read + dq_carry",
         "dq_total = d_state[:, :width] + dq_carry"),
    ],
    "process backward drops the gradient through the recurrent hidden state": [
        ("dq_total = d_state[:, :width] + dq_read + dq_carry",
         "dq_total = d_state[:, :width] + dq_read"),
    ],
    "process backward drops the gradient through the cell state": [
        ("(dq_total, dc_carry), under_prefix", "(dq_total, 0 * dc_carry), under_prefix"),
    ],
    "process backward sends dq_star to every step and drops the LSTM's dx": [
        ("d_state, dq_carry, dc_carry, dWx, dWh, db = lstm_step_backward(",
         "_, dq_carry, dc_carry, dWx, dWh, db = lstm_step_backward("),
    ],
}
