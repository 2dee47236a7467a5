"""Plausible wrong versions of pointer_net.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "pointer_scores_forward projects the decoder state with W1": [
        ("(d @ W2)[:, None, :]", "(d @ W1)[:, None, :]"),
    ],
    "pointer_scores_forward forgets the tanh": [
        ("t = np.tanh(E @ W1 + (d @ W2)[:, None, :])", "t = E @ W1 + (d @ W2)[:, None, :]"),
    ],
    "pointer_scores_forward broadcasts d over the wrong axis (runs only when N == n)": [
        ("(d @ W2)[:, None, :]", "(d @ W2)[None, :, :]"),
    ],
    "pointer_scores_backward uses 1 - t for the tanh derivative": [
        ("* (1.0 - t**2)", "* (1.0 - t)"),
    ],
    "pointer_scores_backward averages the decoder gradient over positions": [
        ("dpre_d = dpre.sum(axis=1)", "dpre_d = dpre.mean(axis=1)"),
    ],
    "pointer_scores_backward forgets du in dv": [
        ('dv = np.einsum("bja,bj->a", t, du)', "dv = t.sum(axis=(0, 1))"),
    ],
    "pointer_masks ignores the targets (R1): every position stays available": [
        ("mask = chosen_before == 0", "mask = np.ones_like(onehot)"),
    ],
    "pointer_masks also removes the current step's target (inclusive cumsum)": [
        ("np.cumsum(onehot, axis=1) - onehot", "np.cumsum(onehot, axis=1)"),
    ],
    "masked_log_softmax_forward hides masked entries behind -1e9": [
        ("    if not mask.any(axis=-1).all():\n        raise ValueError(",
         "    if False:\n        print("),
        ("np.where(mask, u, -np.inf)", "np.where(mask, u, -1e9)"),
    ],
    "masked_log_softmax_forward normalises over masked positions too": [
        ("np.log(np.exp(shifted).sum(",
         "np.log(np.exp(u - masked.max(axis=-1, keepdims=True)).sum("),
    ],
    "masked_log_softmax_forward skips the max shift": [
        ("shifted = masked - masked.max(axis=-1, keepdims=True)", "shifted = masked"),
    ],
    "masked_log_softmax_backward does not zero dlogp at masked entries": [
        ('g = np.where(cache["mask"], dlogp, 0.0)', "g = dlogp"),
    ],
    "masked_log_softmax_backward sums over the wrong axis": [
        ("g.sum(axis=-1, keepdims=True)", "g.sum(axis=0, keepdims=True)"),
    ],
    "greedy_pointer_decode never masks chosen positions (R1): pointers repeat": [
        ("        available[rows, choice] = False\n", ""),
    ],
    "greedy_pointer_decode breaks ties towards the highest index": [
        ("choice = np.argmax(np.where(available, u, -np.inf), axis=1)",
         "choice = np.argsort(np.where(available, u, -np.inf), axis=1, kind='stable')[:, -1]"),
    ],
    "greedy_pointer_decode restarts the decoder from d0 at every step": [
        ("d = step_fn(d, E[rows, choice])", "d = step_fn(d0, E[rows, choice])"),
    ],
}
