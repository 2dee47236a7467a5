"""PyTorch references for paper 15, run in float64 through autograder.torchref.

Stacks take their parameters as one flat dict keyed "block{l}.<key>" (plus "final.gamma" and
"final.beta"), because torchref differentiates dicts of tensors, not lists of dicts.
"""

import torch
import torch.nn.functional as F

BLOCK_KEYS = ("bn1.gamma", "bn1.beta", "conv1.w", "bn2.gamma", "bn2.beta", "conv2.w")


def bn(x, gamma, beta):
    if x.numel() > x.shape[1]:
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)
    # One value per channel (N = 1, H = W = 1): F.batch_norm refuses it in training mode.
    # Exactly, x - mean = 0, so the output is beta.
    return beta.reshape(1, -1, 1, 1).expand_as(x)


def preact_block(x, p):
    h = F.conv2d(F.relu(bn(x, p["bn1.gamma"], p["bn1.beta"])), p["conv1.w"], None, 1, 1)
    return x + F.conv2d(F.relu(bn(h, p["bn2.gamma"], p["bn2.beta"])), p["conv2.w"], None, 1, 1)


def post_block(x, p):
    """Assignment 10's block with the identity shortcut."""
    h = F.relu(bn(F.conv2d(x, p["conv1.w"], None, 1, 1), p["bn1.gamma"], p["bn1.beta"]))
    return F.relu(x + bn(F.conv2d(h, p["conv2.w"], None, 1, 1), p["bn2.gamma"], p["bn2.beta"]))


def _block_list(params, depth):
    return [{k: params[f"block{i}.{k}"] for k in BLOCK_KEYS} for i in range(depth)]


def preact_stack(x, params, depth):
    for p in _block_list(params, depth):
        x = preact_block(x, p)
    return F.relu(bn(x, params["final.gamma"], params["final.beta"]))


def grad_norm_profile(x, params, dout, depth, kind):
    """||dE/dx_l|| for l = 0 .. depth with E = sum(dout * x_depth), by retain_grad()."""
    block = preact_block if kind == "pre" else post_block
    with torch.set_grad_enabled(True):
        xs = [x.clone().requires_grad_(True)]
        for p in _block_list(params, depth):
            xs.append(block(xs[-1], p))
            xs[-1].retain_grad()
        (xs[-1] * dout).sum().backward()
    return torch.stack([torch.linalg.norm(h.grad) for h in xs])


def grad_norm_profile_flat(x, dout, kind, *weights):
    """grad_norm_profile with the blocks' arrays listed block by block in BLOCK_KEYS order."""
    params = {
        f"block{i // len(BLOCK_KEYS)}.{BLOCK_KEYS[i % len(BLOCK_KEYS)]}": w
        for i, w in enumerate(weights)
    }
    return grad_norm_profile(x, params, dout, len(weights) // len(BLOCK_KEYS), kind)


def preact_block_flat(x, *weights):
    """preact_block with its arrays in BLOCK_KEYS order (for baked public values)."""
    return preact_block(x, dict(zip(BLOCK_KEYS, weights)))


def preact_stack_flat(x, gamma, beta, *weights):
    """preact_stack with the final batch norm's gamma, beta, then the blocks' arrays."""
    params = {
        f"block{i // len(BLOCK_KEYS)}.{BLOCK_KEYS[i % len(BLOCK_KEYS)]}": w
        for i, w in enumerate(weights)
    }
    params.update({"final.gamma": gamma, "final.beta": beta})
    return preact_stack(x, params, len(weights) // len(BLOCK_KEYS))
