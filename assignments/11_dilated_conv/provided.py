"""Read-only helpers for the exploration notebook of paper 11 (not graded).

A per-pixel softmax cross-entropy for dense prediction, and an Adam update (Adam itself is
graded in assignment 26; this is a compact stand-in).
"""

import numpy as np


def pixel_softmax_loss(scores, labels):
    """Softmax cross-entropy at every pixel, averaged over all N*H*W pixels.

    - scores: class scores, of shape (N, K, H, W)
    - labels: int labels in [0, K), of shape (N, H, W)

    Returns (loss, dscores) with dscores of shape (N, K, H, W).
    """
    top = np.max(scores, axis=1, keepdims=True)
    e = np.exp(scores - top)
    prob = e / np.sum(e, axis=1, keepdims=True)  # (N, K, H, W)
    hit = labels[:, None] == np.arange(scores.shape[1]).reshape(1, -1, 1, 1)
    pixels = labels.size
    loss = -np.sum(np.log(prob[hit])) / pixels
    return float(loss), (prob - hit) / pixels


def adam_update(param, grad, moments, t, lr=1e-2, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step at step t >= 1; moments = (first, second). Returns (param, moments)."""
    first, second = moments
    b1, b2 = betas
    first = b1 * first + (1 - b1) * grad
    second = b2 * second + (1 - b2) * np.square(grad)
    unbiased = first / (1 - b1**t), second / (1 - b2**t)
    return param - lr * unbiased[0] / (np.sqrt(unbiased[1]) + eps), (first, second)
