"""Plausible wrong versions of cs231n_layers.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "affine_forward forgets the bias": [
        ("@ w + b  # (N, M)", "@ w  # (N, M)"),
    ],
    "affine_forward squeezes (breaks at N = 1)": [
        ("out = x.reshape(x.shape[0], -1) @ w", "out = np.squeeze(x.reshape(x.shape[0], -1)) @ w"),
    ],
    "affine_backward averages db over the batch": [
        ("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"),
    ],
    "affine_backward flips the sign of dw": [
        ("dw = flat_x.T @ dout", "dw = -(flat_x.T @ dout)"),
    ],
    "affine_backward leaves dx flat": [
        ("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"),
    ],
    "relu_forward is leaky": [
        ("out = np.maximum(x, 0.0)", "out = np.where(x > 0, x, 0.01 * x)"),
    ],
    "relu_forward works in place": [
        ("out = np.maximum(x, 0.0)", "out = np.maximum(x, 0.0, out=x)"),
    ],
    "relu_backward forgets dout": [
        ('dx = np.where(cache["x"] > 0, dout, 0.0)', 'dx = np.where(cache["x"] > 0, 1.0, 0.0)'),
    ],
    "svm_loss drops the margin of 1": [
        ("scores[rows, y][:, None] + 1.0", "scores[rows, y][:, None]"),
    ],
    "svm_loss forgets to divide dscores by N": [
        ("    dscores /= n\n    ### END SOLUTION\n    return loss, dscores\n\n\ndef softmax_loss",
         "    ### END SOLUTION\n    return loss, dscores\n\n\ndef softmax_loss"),
    ],
    "softmax_loss sums instead of averaging": [
        ("loss = float(-log_probs[rows, y].sum() / n)", "loss = float(-log_probs[rows, y].sum())"),
    ],
    "softmax_loss forgets the one-hot term": [
        ("    dscores[rows, y] -= 1.0\n", ""),
    ],
    "softmax_loss skips the max shift": [
        ("shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores"),
    ],
    "adam_step skips the bias correction": [
        ("m_hat = m / (1 - beta1**t)", "m_hat = m"),
        ("v_hat = v / (1 - beta2**t)", "v_hat = v"),
    ],
    "adam_step puts eps inside the square root": [
        ("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"),
    ],
    "adam_step updates w in place": [
        ("w = w - lr * m_hat", "w -= lr * m_hat"),
    ],
}
