"""Plausible wrong versions of resnet.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "batchnorm_forward normalises with the unbiased variance": [
        ("var = x.var(axis=(0, 2, 3))", "var = x.var(axis=(0, 2, 3), ddof=1)"),
    ],
    "batchnorm_forward normalises each example over its own features (layer norm)": [
        ("mean = x.mean(axis=(0, 2, 3))  # (C,)", "mean = x.mean(axis=(1, 2, 3))  # (N,)"),
        ("var = x.var(axis=(0, 2, 3))", "var = x.var(axis=(1, 2, 3))"),
        ("x_hat = (x - mean[:, None, None]) * inv_std[:, None, None]",
         "x_hat = (x - mean[:, None, None, None]) * inv_std[:, None, None, None]"),
        ("momentum * mean,", "momentum * np.zeros(x.shape[1]),"),
        ("unbiased = var * count / max(count - 1, 1)",
         "unbiased = np.full(x.shape[1], var.mean())"),
    ],
    "batchnorm_forward puts eps outside the square root": [
        ("1.0 / np.sqrt(var + eps)", "1.0 / (np.sqrt(var) + eps)"),
    ],
    "running_var is fed the biased variance": [
        ("unbiased = var * count / max(count - 1, 1)", "unbiased = var"),
    ],
    "running averages use the CS231n momentum convention": [
        ('"running_mean": (1 - momentum) * old_mean + momentum * mean',
         '"running_mean": momentum * old_mean + (1 - momentum) * mean'),
        ('"running_var": (1 - momentum) * old_var + momentum * unbiased',
         '"running_var": momentum * old_var + (1 - momentum) * unbiased'),
    ],
    "running statistics ignore the given running_mean": [
        ("old_mean = np.zeros_like(mean) if running_mean is None else running_mean",
         "old_mean = np.zeros_like(mean)"),
    ],
    "running_var's unbiased factor divides by zero at m = 1": [
        ("var * count / max(count - 1, 1)", "var * count / (count - 1)"),
    ],
    "batchnorm_backward drops the x_hat * dgamma term": [
        ("- dbeta[:, None, None] - x_hat * dgamma[:, None, None]", "- dbeta[:, None, None]"),
    ],
    "batchnorm_backward treats the mean as a constant": [
        ("centred = count * dout - dbeta[:, None, None] -", "centred = count * dout -"),
    ],
    "batchnorm_backward forgets gamma in dx": [
        ("dx = (gamma * inv_std / count)", "dx = (inv_std / count)"),
    ],
    "batchnorm_backward averages dbeta over the batch": [
        ("dbeta = dout.sum(axis=(0, 2, 3))", "dbeta = dout.mean(axis=(0, 2, 3))"),
        ("centred = count * dout - dbeta[:, None, None]",
         "centred = count * dout - count * dbeta[:, None, None]"),
    ],
    "block has no ReLU after the addition (R1's block)": [
        ("out = np.maximum(z, 0.0)  # (N, F, H', W')", "out = z  # (N, F, H', W')"),
        ("dz = np.where(cache[\"relu2.x\"] > 0, dout, 0.0)", "dz = dout"),
    ],
    "block applies the stride in both convolutions": [
        ('conv_forward(np.maximum(a1, 0.0), p["conv2.w"], 1, 1)',
         'conv_forward(np.maximum(a1, 0.0), p["conv2.w"], stride, 1)'),
    ],
    "block's projection conv is padded like a 3x3": [
        ('conv_forward(x, p["proj.w"], stride, 0)', 'conv_forward(x, p["proj.w"], stride, 1)'),
    ],
    "block's projection skips its batch norm": [
        ('sp, proj_bn = batchnorm_forward(hp, p["proj_bn.gamma"], p["proj_bn.beta"])',
         'sp, proj_bn = hp, batchnorm_forward(hp, p["proj_bn.gamma"], p["proj_bn.beta"])[1]'),
    ],
    "block backward forgets the identity shortcut's gradient": [
        ("dx = dx + dz", "dx = dx"),
    ],
    "block backward forgets the projection's gradient": [
        ("dx = dx + dxp", "dx = dx"),
    ],
    "block backward skips the inner ReLU's mask": [
        ('da1 = np.where(cache["relu1.x"] > 0, dr1, 0.0)', "da1 = dr1"),
    ],
    "block backward swaps the two batch norms' parameter gradients": [
        ('"conv1.w": dw1, "bn1.gamma": dg1, "bn1.beta": db1,',
         '"conv1.w": dw1, "bn1.gamma": dg2, "bn1.beta": db2,'),
        ('"conv2.w": dw2, "bn2.gamma": dg2, "bn2.beta": db2,',
         '"conv2.w": dw2, "bn2.gamma": dg1, "bn2.beta": db1,'),
    ],
}
