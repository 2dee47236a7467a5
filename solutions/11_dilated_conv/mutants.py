"""Plausible wrong versions of dilated_conv.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "dilated_conv_forward pads by k // 2, ignoring the dilation": [
        ("    reach = dilation * (size - 1) // 2\n    batch, channels, height, width = x.shape\n"
         "    by_channel = np.pad(x.transpose(1, 0, 2, 3), ((0, 0), (0, 0), (reach, reach), "
         "(reach, reach)))\n    acc",
         "    reach = (size - 1) // 2\n    batch, channels, height, width = x.shape\n"
         "    by_channel = np.pad(x.transpose(1, 0, 2, 3), ((0, 0), (0, 0), (reach, reach), "
         "(reach, reach)))\n    acc"),
    ],
    "dilated_conv_forward places the taps next to each other (no dilation)": [
        ("tap = by_channel[:, :, p * dilation:, q * dilation:]",
         "tap = by_channel[:, :, reach - size // 2 + p:, reach - size // 2 + q:]"),
    ],
    "dilated_conv_forward forgets the bias": [
        ("transpose(1, 0, 2, 3) + b.reshape(-1, 1, 1)", "transpose(1, 0, 2, 3)"),
    ],
    "dilated_conv_forward flips the kernel (true convolution)": [
        ("acc += w[:, :, p, q] @ tap", "acc += w[:, :, size - 1 - p, size - 1 - q] @ tap"),
    ],
    "dilated_conv_backward spaces the taps by 1 for dw": [
        ("grad_rows @ by_channel[:, :, rows, cols]",
         "grad_rows @ by_channel[:, :, reach - size // 2 + p:][:, :, :height, "
         "reach - size // 2 + q:][..., :width]"),
    ],
    "dilated_conv_backward averages db over the batch": [
        ("db = dout.sum(axis=(0, 2, 3))", "db = dout.mean(axis=0).sum(axis=(1, 2))"),
    ],
    "dilated_conv_backward overwrites overlapping contributions to dx": [
        ("d_by_channel[:, :, rows, cols] += back", "d_by_channel[:, :, rows, cols] = back"),
    ],
    "dilated_conv_backward crops dx from the corner instead of removing the padding": [
        ("inner = d_by_channel[:, :, reach:reach + height, reach:reach + width]",
         "inner = d_by_channel[:, :, :height, :width]"),
    ],
    "receptive_field forgets the centre pixel": [
        ("rf = 1 + sum((k - 1) * d", "rf = sum((k - 1) * d"),
    ],
    "receptive_field adds k * d per layer": [
        ("rf = 1 + sum((k - 1) * d", "rf = 1 + sum(k * d"),
    ],
    "identity_init puts the one in the corner tap": [
        ("w[:, :, centre, centre] = np.eye(C)", "w[:, :, 0, 0] = np.eye(C)"),
    ],
    "identity_init connects every channel pair": [
        ("w[:, :, centre, centre] = np.eye(C)", "w[:, :, centre, centre] = 1.0"),
    ],
    "context_module_forward applies a ReLU after the final 1x1 conv too": [
        ("        if not last:\n            h = np.maximum(h, 0.0)",
         "        if True:\n            h = np.maximum(h, 0.0)"),
    ],
    "context_module_forward ignores the dilations": [
        ("dilated_conv_forward(h, w, b, 1 if last else dilations[l])",
         "dilated_conv_forward(h, w, b, 1)"),
    ],
    "context_module_backward forgets the ReLU mask": [
        ("grad = np.where(layer_cache[\"x\"] > 0, grad, 0.0)", "grad = grad"),
    ],
    "context_module_backward masks with the wrong layer's activations": [
        ("grad = np.where(layer_cache[\"x\"] > 0, grad, 0.0)",
         "grad = np.where(cache[f\"conv{min(l + 1, layers - 1)}.x\"] > 0, grad, 0.0)"),
    ],
    "context_module_backward stops before the first layer": [
        ("for l in range(layers - 1, -1, -1):", "for l in range(layers - 1, 0, -1):"),
    ],
    "context_module_backward returns dws in reverse order": [
        ("dx = grad\n", "dx = grad\n    dws = dws[::-1]\n"),
    ],
}
