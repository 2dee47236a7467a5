"""PyTorch references for paper 10, run in float64 through autograder.torchref."""

import torch
import torch.nn.functional as F


def batchnorm(x, gamma, beta, eps=1e-5):
    if x.numel() > x.shape[1]:
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)
    # One value per channel (N = 1, H = W = 1): F.batch_norm refuses it in training mode, and
    # the op underneath leaves x - mean at ~1e-14 instead of 0. Exactly, x_hat = 0: out = beta.
    return beta.reshape(1, -1, 1, 1).expand_as(x)


def batchnorm_steps(xs, gamma, beta, eps, momentum, running_mean, running_var):
    """Training-mode nn.BatchNorm2d applied to the batches xs[0], xs[1], ... in turn.

    torch normalises with the biased variance but feeds the unbiased one (times m / (m - 1))
    into running_var; its momentum weighs the new batch: r <- (1 - momentum) r + momentum b.
    Returns (outs (k, N, C, H, W), running_mean (C,), running_var (C,)).
    """
    layer = torch.nn.BatchNorm2d(gamma.shape[0], eps=eps, momentum=momentum, dtype=torch.float64)
    layer.train().requires_grad_(False)
    for buffer, value in zip((layer.weight, layer.bias, layer.running_mean, layer.running_var),
                             (gamma, beta, running_mean, running_var)):
        buffer.copy_(value)
    outs = torch.stack([layer(batch) for batch in xs])
    return outs, layer.running_mean.clone(), layer.running_var.clone()


def basic_block(x, p, stride=1, shortcut="identity"):
    """relu(BN2(conv2(relu(BN1(conv1(x))))) + S(x)) with S per ``shortcut``."""
    h = batchnorm(F.conv2d(x, p["conv1.w"], None, stride, 1), p["bn1.gamma"], p["bn1.beta"])
    h = batchnorm(F.conv2d(F.relu(h), p["conv2.w"], None, 1, 1), p["bn2.gamma"], p["bn2.beta"])
    if shortcut == "identity":
        h = h + x
    elif shortcut == "projection":
        s = F.conv2d(x, p["proj.w"], None, stride, 0)
        h = h + batchnorm(s, p["proj_bn.gamma"], p["proj_bn.beta"])
    return F.relu(h)


def basic_block_flat(x, stride, shortcut, *weights):
    """basic_block with its parameters listed in BLOCK_KEYS order (for baked public values)."""
    return basic_block(x, dict(zip(BLOCK_KEYS, weights)), stride, shortcut)


BLOCK_KEYS = tuple(
    f"{layer}.{name}"
    for layer, names in [("conv1", "w"), ("bn1", "gamma beta"), ("conv2", "w"),
                         ("bn2", "gamma beta"), ("proj", "w"), ("proj_bn", "gamma beta")]
    for name in names.split()
)
