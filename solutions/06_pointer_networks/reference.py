"""PyTorch references for paper 06, run in float64 through autograder.torchref."""

import numpy as np
import torch
import torch.nn.functional as F
from provided import decoder_step


def pointer_scores(E, d, W1, W2, v):
    return torch.tanh(E @ W1 + (d @ W2)[:, None]) @ v


def pointer_masks(targets, n):
    """Brute force: position j is available at step i unless it occurs in targets[b, :i]."""
    targets = np.asarray(targets)
    N, m = targets.shape
    mask = np.ones((N, m, int(n)), dtype=bool)
    for b in range(N):
        for i in range(m):
            for earlier in targets[b, :i]:
                mask[b, i, earlier] = False
    return torch.from_numpy(mask)


def masked_log_softmax(u, mask):
    return F.log_softmax(u.masked_fill(~mask, float("-inf")), dim=-1)


def masked_log_softmax_finite(u, mask):
    """The same with the -inf outputs replaced by 0, for gradients on the finite entries only.

    The masked outputs are constants, so an upstream gradient there contributes nothing.
    """
    return masked_log_softmax(u, mask).masked_fill(~mask, 0.0)


def greedy_decode(E, d0, W1, W2, v):
    """Brute force greedy decoding with provided.decoder_step, one sequence and step at a time.

    A strict '>' scan over positions keeps the lowest index among tied scores.
    """
    E, d0, W1, W2, v = (np.asarray(a) for a in (E, d0, W1, W2, v))
    N, n, _ = E.shape
    result = np.zeros((N, n), dtype=np.int64)
    for b in range(N):
        d = d0[b : b + 1]
        used = set()
        for i in range(n):
            scores = pointer_scores(*(torch.from_numpy(a) for a in (E[b : b + 1], d, W1, W2, v)))
            best, best_score = -1, -np.inf
            for j in range(n):
                if j not in used and (best < 0 or float(scores[0, j]) > best_score):
                    best, best_score = j, float(scores[0, j])
            result[b, i] = best
            used.add(best)
            d = decoder_step(d, E[b : b + 1, best])
    return torch.from_numpy(result)
