"""Plausible wrong versions of preact_resnet.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "pre-activation block keeps a ReLU after the addition": [
        ("out = x + residual  # (N, C, H, W)", "out = np.maximum(x + residual, 0.0)"),
    ],
    "pre-activation block forgets the first ReLU": [
        ('conv_forward(np.maximum(a1, 0.0), p["conv1.w"], 1, 1)',
         'conv_forward(a1, p["conv1.w"], 1, 1)'),
    ],
    "pre-activation block normalises conv1's input twice (BN2 fed x)": [
        ('a2, bn2 = batchnorm_forward(h1, p["bn2.gamma"], p["bn2.beta"])',
         'a2, bn2 = batchnorm_forward(x, p["bn2.gamma"], p["bn2.beta"])'),
    ],
    "pre-activation backward drops the shortcut (dx = branch only)": [
        ("dx = dout + dbranch  # (N, C, H, W)", "dx = dbranch  # (N, C, H, W)"),
    ],
    "pre-activation backward masks with the wrong ReLU": [
        ('np.where(cache["relu2.x"] > 0, dr2, 0.0)', 'np.where(cache["relu1.x"] > 0, dr2, 0.0)'),
    ],
    "pre-activation backward swaps the two convolutions' weight gradients": [
        ('"conv1.w": dw1,', '"conv1.w": dw2,'),
        ('"conv2.w": dw2}', '"conv2.w": dw1}'),
    ],
    "stack forgets the final batch norm and ReLU": [
        ("out = np.maximum(normed, 0.0)  # (N, C, H, W)", "out = x"),
    ],
    "stack backward skips the final ReLU's mask": [
        ('dnormed = np.where(cache["relu.x"] > 0, dout, 0.0)', "dnormed = dout"),
    ],
    "stack backward lists the block gradients last block first": [
        ("dx, grads_list[l] = preact_block_backward(",
         "dx, grads_list[cache[\"depth\"] - 1 - l] = preact_block_backward("),
    ],
    "stack backward swaps the final gamma and beta gradients": [
        ('dfinal = {"gamma": dgamma, "beta": dbeta}', 'dfinal = {"gamma": dbeta, "beta": dgamma}'),
    ],
    "profile lists the norms from x_L down to x_0": [
        ("norms = np.array(norms[::-1])  # (L + 1,)", "norms = np.array(norms)  # (L + 1,)"),
    ],
    "profile uses the pre-activation block for 'post' too": [
        ("forward = preact_block_forward if kind == \"pre\" else basic_block_forward",
         "forward = preact_block_forward"),
        ("backward = preact_block_backward if kind == \"pre\" else basic_block_backward",
         "backward = preact_block_backward"),
    ],
    "profile reports squared norms": [
        ("norms.append(np.linalg.norm(dout))", "norms.append(np.sum(dout**2))"),
    ],
    "profile leaves out ||dout|| (only L entries)": [
        ("norms = [np.linalg.norm(dout)]", "norms = []"),
    ],
}
