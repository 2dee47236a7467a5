"""Batch normalisation and the basic residual block of He et al., "Deep Residual Learning".

A residual block learns a correction F(x) to its input instead of a whole new mapping:
out = relu(F(x) + S(x)), with S the identity (or a 1x1 projection when the shape changes).
Stacking such blocks lets very deep networks train as easily as shallow ones.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives dL/dout and returns the gradients with respect to the forward's inputs.
``cache`` is a flat dict whose keys each forward's docstring fixes: the grader builds caches
with its own forward and hands them to your backward. The block's cache holds its layers'
caches under dotted keys (``"conv1.x"``, ``"bn1.x_hat"``, ...); ``prefixed`` and ``unprefixed``
from ``provided.py`` move a layer's cache in and out.

The block calls ``conv_forward``/``conv_backward`` (from ``provided.py``) and your
``batchnorm_forward``/``batchnorm_backward`` by these module-level names: keep it that way.

Dimensions: N examples, C input channels, F output channels, H x W spatial size, and
m = N * H * W values per channel for batch norm. Every array is float64. Never modify an
argument in place.
"""

import numpy as np
from provided import conv_backward, conv_forward, prefixed, unprefixed


def batchnorm_forward(x, gamma, beta, eps=1e-5, running_mean=None, running_var=None,
                      momentum=0.1):
    """Spatial batch normalisation in training mode, updating the running statistics.

    Each channel c is normalised with the mean and the *biased* variance of its m = N*H*W
    values, then scaled and shifted:

        x_hat = (x - mean_c) / sqrt(var_c + eps),   out = gamma_c * x_hat + beta_c

    The running statistics follow torch's nn.BatchNorm2d: with u = m / (m - 1) (u = 1 when
    m = 1, where torch's value is NaN),

        new_running_mean = (1 - momentum) * running_mean + momentum * mean
        new_running_var  = (1 - momentum) * running_var  + momentum * u * var

    i.e. the *unbiased* variance feeds the running average although the biased one
    normalises. ``None`` stands for torch's initial buffers: zeros for the mean, ones for the
    variance.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - gamma: scale, of shape (C,)
    - beta: shift, of shape (C,)
    - eps: float added to the variance
    - running_mean: of shape (C,), or None
    - running_var: of shape (C,), or None
    - momentum: float, weight of the new batch in the running averages

    Returns a tuple of:
    - out: of shape (N, C, H, W)
    - cache: dict with keys
        "x_hat" (N, C, H, W)   the normalised input
        "gamma" (C,)
        "inv_std" (C,)         1 / sqrt(var + eps)
        "mean" (C,), "var" (C,)  the batch statistics (biased variance)
        "running_mean" (C,), "running_var" (C,)  the updated running statistics (new arrays)
    """
    ### BEGIN SOLUTION
    # TODO: per-channel statistics over axes (0, 2, 3), normalise, scale and shift; then the
    # TODO: running averages (unbiased variance, torch's momentum convention).
    count = x.shape[0] * x.shape[2] * x.shape[3]
    mean = x.mean(axis=(0, 2, 3))  # (C,)
    var = x.var(axis=(0, 2, 3))  # (C,)
    inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
    x_hat = (x - mean[:, None, None]) * inv_std[:, None, None]  # (N, C, H, W)
    out = gamma[:, None, None] * x_hat + beta[:, None, None]  # (N, C, H, W)
    old_mean = np.zeros_like(mean) if running_mean is None else running_mean
    old_var = np.ones_like(var) if running_var is None else running_var
    unbiased = var * count / max(count - 1, 1)  # (C,)
    cache = {
        "x_hat": x_hat, "gamma": gamma, "inv_std": inv_std, "mean": mean, "var": var,
        "running_mean": (1 - momentum) * old_mean + momentum * mean,
        "running_var": (1 - momentum) * old_var + momentum * unbiased,
    }
    ### END SOLUTION
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward, in closed form.

    With sums over the m values of a channel,

        dbeta = sum dout,   dgamma = sum dout * x_hat,
        dx = gamma * inv_std / m * (m * dout - dbeta - x_hat * dgamma)

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: dict from batchnorm_forward (reads "x_hat", "gamma", "inv_std")

    Returns a tuple of:
    - dx: of shape (N, C, H, W)
    - dgamma: of shape (C,)
    - dbeta: of shape (C,)
    """
    ### BEGIN SOLUTION
    # TODO: dbeta and dgamma are per-channel sums; dx removes from dout its channel mean and
    # TODO: its component along x_hat, then scales by gamma / sqrt(var + eps).
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    count = dout.shape[0] * dout.shape[2] * dout.shape[3]
    dbeta = dout.sum(axis=(0, 2, 3))  # (C,)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))  # (C,)
    centred = count * dout - dbeta[:, None, None] - x_hat * dgamma[:, None, None]
    dx = (gamma * inv_std / count)[:, None, None] * centred  # (N, C, H, W)
    ### END SOLUTION
    return dx, dgamma, dbeta


def basic_block_forward(x, p, stride=1, shortcut="identity"):
    """Forward pass of the basic residual block (two 3x3 convolutions).

        r   = relu(BN1(conv1(x)))              conv1: 3x3, stride ``stride``, pad 1
        z   = BN2(conv2(r)) + S(x)             conv2: 3x3, stride 1, pad 1
        out = relu(z)

    S depends on ``shortcut``:
    - "identity": S(x) = x (needs stride 1 and F == C);
    - "projection": S(x) = BNp(convp(x)), convp a 1x1 conv with stride ``stride``, pad 0;
    - "none": S(x) = 0, the plain block used for comparison.
    Convolutions have no bias; batch norm uses the batch statistics (eps = 1e-5).

    Inputs:
    - x: input, of shape (N, C, H, W)
    - p: dict of parameters
        "conv1.w" (F, C, 3, 3), "bn1.gamma" (F,), "bn1.beta" (F,),
        "conv2.w" (F, F, 3, 3), "bn2.gamma" (F,), "bn2.beta" (F,),
        and for "projection" only: "proj.w" (F, C, 1, 1), "proj_bn.gamma" (F,),
        "proj_bn.beta" (F,)
    - stride: int, 1 or 2
    - shortcut: "identity", "projection" or "none"

    Returns a tuple of:
    - out: of shape (N, F, H', W'), H' = (H - 1) // stride + 1, likewise W'
    - cache: flat dict with keys
        "conv1.*", "bn1.*", "conv2.*", "bn2.*": the layers' caches, prefixed
        "proj.*", "proj_bn.*": the projection's caches ("projection" only)
        "relu1.x" (N, F, H', W'): the input of the first ReLU, BN1's output
        "relu2.x" (N, F, H', W'): the input of the last ReLU, z
        "shortcut": the string ``shortcut``
    """
    ### BEGIN SOLUTION
    # TODO: conv1 -> BN1 -> ReLU -> conv2 -> BN2, add the shortcut, ReLU. Call conv_forward
    # TODO: and batchnorm_forward by name and store each cache with prefixed(...).
    h1, conv1 = conv_forward(x, p["conv1.w"], stride, 1)  # (N, F, H', W')
    a1, bn1 = batchnorm_forward(h1, p["bn1.gamma"], p["bn1.beta"])
    h2, conv2 = conv_forward(np.maximum(a1, 0.0), p["conv2.w"], 1, 1)
    z, bn2 = batchnorm_forward(h2, p["bn2.gamma"], p["bn2.beta"])
    cache = {**prefixed("conv1", conv1), **prefixed("bn1", bn1)}
    cache.update({**prefixed("conv2", conv2), **prefixed("bn2", bn2)})
    if shortcut == "identity":
        z = z + x
    elif shortcut == "projection":
        hp, proj = conv_forward(x, p["proj.w"], stride, 0)
        sp, proj_bn = batchnorm_forward(hp, p["proj_bn.gamma"], p["proj_bn.beta"])
        z = z + sp
        cache.update({**prefixed("proj", proj), **prefixed("proj_bn", proj_bn)})
    out = np.maximum(z, 0.0)  # (N, F, H', W')
    cache.update({"relu1.x": a1, "relu2.x": z, "shortcut": shortcut})
    ### END SOLUTION
    return out, cache


def basic_block_backward(dout, cache):
    """Backward pass of basic_block_forward.

    Inputs:
    - dout: upstream gradient, of shape (N, F, H', W')
    - cache: dict from basic_block_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - grads: dict keyed like p ("conv1.w", "bn1.gamma", ..., and "proj.w", "proj_bn.gamma",
      "proj_bn.beta" for a projection block), each of its parameter's shape
    """
    ### BEGIN SOLUTION
    # TODO: undo the last ReLU, then send dz down both paths: the residual branch (BN2, conv2,
    # TODO: ReLU, BN1, conv1) and the shortcut; dx is the sum of what reaches x on each.
    dz = np.where(cache["relu2.x"] > 0, dout, 0.0)  # (N, F, H', W')
    dh2, dg2, db2 = batchnorm_backward(dz, unprefixed(cache, "bn2"))
    dr1, dw2 = conv_backward(dh2, unprefixed(cache, "conv2"))
    da1 = np.where(cache["relu1.x"] > 0, dr1, 0.0)
    dh1, dg1, db1 = batchnorm_backward(da1, unprefixed(cache, "bn1"))
    dx, dw1 = conv_backward(dh1, unprefixed(cache, "conv1"))  # (N, C, H, W)
    grads = {
        "conv1.w": dw1, "bn1.gamma": dg1, "bn1.beta": db1,
        "conv2.w": dw2, "bn2.gamma": dg2, "bn2.beta": db2,
    }
    if cache["shortcut"] == "identity":
        dx = dx + dz
    elif cache["shortcut"] == "projection":
        dhp, grads["proj_bn.gamma"], grads["proj_bn.beta"] = batchnorm_backward(
            dz, unprefixed(cache, "proj_bn")
        )
        dxp, grads["proj.w"] = conv_backward(dhp, unprefixed(cache, "proj"))
        dx = dx + dxp
    ### END SOLUTION
    return dx, grads
