"""Full pre-activation residual blocks, from He et al., "Identity Mappings in Deep Residual
Networks".

Moving batch norm and ReLU *before* each convolution, and nothing after the addition, makes
every block x_{l+1} = x_l + F(x_l). Unrolled, x_L = x_l + sum_{i=l}^{L-1} F(x_i), so the
gradient at any block input contains dE/dx_L itself, passed down without any factor.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives dE/dout and returns the gradients with respect to the forward's inputs.
``cache`` is a flat dict whose keys the forward's docstring fixes: the grader builds caches
with its own forward and hands them to your backward. Composite caches hold their layers'
caches under dotted keys (``"bn1.xhat"``, ``"block0.conv1.x"``); ``prefixed`` and
``unprefixed`` from ``provided.py`` move a layer's cache in and out.

Batch norm, the convolution and the original (post-activation) block come from
``provided.py``. Call them, and your own block functions inside the stack and the profile, by
these module-level names: the grader swaps in its own versions to grade each function alone.

Dimensions: N examples, C channels (the same in every block), H x W pixels, L blocks.
Every array is float64. Never modify an argument in place.
"""

import numpy as np
from provided import (
    basic_block_backward,
    basic_block_forward,
    batchnorm_backward,
    batchnorm_forward,
    conv_backward,
    conv_forward,
    prefixed,
    unprefixed,
)


def preact_block_forward(x, p):
    """Forward pass of a full pre-activation block.

        out = x + conv2(relu(BN2(conv1(relu(BN1(x))))))

    Both convolutions are 3x3 with stride 1, pad 1 and no bias; batch norm uses the batch
    statistics (eps = 1e-5). Nothing follows the addition.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - p: dict with "bn1.gamma" (C,), "bn1.beta" (C,), "conv1.w" (C, C, 3, 3),
      "bn2.gamma" (C,), "bn2.beta" (C,), "conv2.w" (C, C, 3, 3)

    Returns a tuple of:
    - out: of shape (N, C, H, W)
    - cache: flat dict with keys
        "bn1.*", "conv1.*", "bn2.*", "conv2.*": the layers' caches, prefixed
        "relu1.x" (N, C, H, W): BN1's output, the input of the first ReLU
        "relu2.x" (N, C, H, W): BN2's output, the input of the second ReLU
    """
    ### BEGIN SOLUTION
    # TODO: BN1 -> ReLU -> conv1 -> BN2 -> ReLU -> conv2, then add x. Store each layer's cache
    # TODO: with prefixed(...) and the two ReLU inputs.
    a1, bn1 = batchnorm_forward(x, p["bn1.gamma"], p["bn1.beta"])  # (N, C, H, W)
    h1, conv1 = conv_forward(np.maximum(a1, 0.0), p["conv1.w"], 1, 1)
    a2, bn2 = batchnorm_forward(h1, p["bn2.gamma"], p["bn2.beta"])
    residual, conv2 = conv_forward(np.maximum(a2, 0.0), p["conv2.w"], 1, 1)
    out = x + residual  # (N, C, H, W)
    cache = {**prefixed("bn1", bn1), **prefixed("conv1", conv1), "relu1.x": a1}
    cache.update({**prefixed("bn2", bn2), **prefixed("conv2", conv2), "relu2.x": a2})
    ### END SOLUTION
    return out, cache


def preact_block_backward(dout, cache):
    """Backward pass of preact_block_forward.

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: dict from preact_block_forward

    Returns a tuple of:
    - dx: of shape (N, C, H, W)
    - grads: dict keyed like p ("bn1.gamma", "bn1.beta", "conv1.w", "bn2.gamma", "bn2.beta",
      "conv2.w"), each of its parameter's shape
    """
    ### BEGIN SOLUTION
    # TODO: the shortcut hands dout to dx unchanged; the branch adds its own backward of dout
    # TODO: (conv2, ReLU, BN2, conv1, ReLU, BN1, in that order).
    dr2, dw2 = conv_backward(dout, unprefixed(cache, "conv2"))
    dh1, dg2, db2 = batchnorm_backward(
        np.where(cache["relu2.x"] > 0, dr2, 0.0), unprefixed(cache, "bn2")
    )
    dr1, dw1 = conv_backward(dh1, unprefixed(cache, "conv1"))
    dbranch, dg1, db1 = batchnorm_backward(
        np.where(cache["relu1.x"] > 0, dr1, 0.0), unprefixed(cache, "bn1")
    )
    dx = dout + dbranch  # (N, C, H, W)
    grads = {"bn1.gamma": dg1, "bn1.beta": db1, "conv1.w": dw1,
             "bn2.gamma": dg2, "bn2.beta": db2, "conv2.w": dw2}
    ### END SOLUTION
    return dx, grads


def preact_stack_forward(x, blocks, final):
    """L pre-activation blocks, then the batch norm and ReLU the paper adds after the last one.

        x_0 = x,  x_{l+1} = preact_block(x_l, blocks[l]),  out = relu(BN(x_L))

    Inputs:
    - x: input, of shape (N, C, H, W)
    - blocks: list of L >= 1 parameter dicts, each as in preact_block_forward
    - final: dict with "gamma" (C,) and "beta" (C,), the final batch norm's parameters

    Returns a tuple of:
    - out: of shape (N, C, H, W)
    - cache: flat dict with keys
        "depth": L (an int)
        "block{l}.*" for l = 0 .. L-1: block l's cache, prefixed (e.g. "block0.relu1.x")
        "final_bn.*": the final batch norm's cache, prefixed
        "relu.x" (N, C, H, W): the final batch norm's output, the input of the last ReLU
    """
    ### BEGIN SOLUTION
    # TODO: run the blocks in order with preact_block_forward, then BN and ReLU.
    cache = {"depth": len(blocks)}
    for l, p in enumerate(blocks):
        x, block_cache = preact_block_forward(x, p)  # (N, C, H, W)
        cache.update(prefixed(f"block{l}", block_cache))
    normed, final_cache = batchnorm_forward(x, final["gamma"], final["beta"])
    out = np.maximum(normed, 0.0)  # (N, C, H, W)
    cache.update({**prefixed("final_bn", final_cache), "relu.x": normed})
    ### END SOLUTION
    return out, cache


def preact_stack_backward(dout, cache):
    """Backward pass of preact_stack_forward.

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: dict from preact_stack_forward

    Returns a tuple of:
    - dx: of shape (N, C, H, W)
    - grads_list: list of L dicts, grads_list[l] keyed like blocks[l]
    - dfinal: dict with "gamma" (C,) and "beta" (C,)
    """
    ### BEGIN SOLUTION
    # TODO: undo the ReLU and the final batch norm, then the blocks from last to first.
    dnormed = np.where(cache["relu.x"] > 0, dout, 0.0)
    dx, dgamma, dbeta = batchnorm_backward(dnormed, unprefixed(cache, "final_bn"))
    grads_list = [None] * cache["depth"]
    for l in reversed(range(cache["depth"])):
        dx, grads_list[l] = preact_block_backward(dx, unprefixed(cache, f"block{l}"))
    dfinal = {"gamma": dgamma, "beta": dbeta}
    ### END SOLUTION
    return dx, grads_list, dfinal


def grad_norm_profile(x, blocks, dout, kind):
    """Norms of the gradient at every block input of a stack of L residual blocks.

    x_0 = x and x_{l+1} = block(x_l, blocks[l]) for l = 0 .. L-1, with no final batch norm.
    For the loss E = sum(dout * x_L), return ||dE/dx_l|| (the Frobenius norm over all N*C*H*W
    entries) for l = 0 .. L; the last entry is ||dout||.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - blocks: list of L >= 1 parameter dicts with keys "conv1.w", "bn1.gamma", "bn1.beta",
      "conv2.w", "bn2.gamma", "bn2.beta" (both kinds of block use the same keys and shapes)
    - dout: dE/dx_L, of shape (N, C, H, W)
    - kind: "pre" (preact_block_forward/backward) or "post" (the provided
      basic_block_forward/backward of assignment 10, identity shortcut, stride 1)

    Returns:
    - norms: of shape (L + 1,)
    """
    ### BEGIN SOLUTION
    # TODO: forward through the blocks keeping each cache, then backward from dout, recording
    # TODO: the gradient's norm at every block input.
    forward = preact_block_forward if kind == "pre" else basic_block_forward
    backward = preact_block_backward if kind == "pre" else basic_block_backward
    caches = []
    for p in blocks:
        x, block_cache = forward(x, p)
        caches.append(block_cache)
    norms = [np.linalg.norm(dout)]
    for block_cache in reversed(caches):
        dout, _ = backward(dout, block_cache)
        norms.append(np.linalg.norm(dout))
    norms = np.array(norms[::-1])  # (L + 1,)
    ### END SOLUTION
    return norms
