"""PyTorch references for paper 16, run in float64 through autograder.torchref.

MLP parameters are passed flat, (W0, b0, W1, b1, ...), so that torchref can differentiate each
one; our weights are (in, out), torch's F.linear wants (out, in), hence W.T.
"""

import numpy as np
import torch
import torch.nn.functional as F


def all_pairs(O, q):
    N, n, D = O.shape
    first = O[:, :, None].expand(N, n, n, D)
    second = O[:, None].expand(N, n, n, D)
    question = q[:, None, None].expand(N, n, n, q.shape[-1])
    return torch.cat([first, second, question], dim=-1).reshape(N, n * n, -1)


def mlp(x, *params):
    weights, biases = params[0::2], params[1::2]
    for k, (W, b) in enumerate(zip(weights, biases)):
        x = F.linear(x, W.T, b)
        if k < len(weights) - 1:
            x = F.relu(x)
    return x


def relation_network(O, q, g_layers, *params):
    """params: the g MLP's (W0, b0, ...) for g_layers layers, then the f MLP's."""
    g_params, f_params = params[: 2 * g_layers], params[2 * g_layers :]
    return mlp(mlp(all_pairs(O, q), *g_params).sum(dim=1), *f_params)


def sort_of_clevr_loop(objects, question):
    """The oracle as a plain Python loop over objects (strict comparisons keep the lowest index)."""
    objects, question = np.asarray(objects), np.asarray(question)
    K = objects.shape[1] - 3
    colour = max(range(K), key=lambda c: (question[c], -c))
    kind = max(range(3), key=lambda c: (question[K + c], -c))
    subject = next(i for i in range(len(objects)) if objects[i, colour] == 1.0)
    sx, sy = objects[subject, K], objects[subject, K + 1]
    target, best = subject, None
    for i in range(len(objects)):
        if kind == 0 or (kind == 1 and i == subject):
            continue
        dist = ((objects[i, K] - sx) ** 2 + (objects[i, K + 1] - sy) ** 2) ** 0.5
        if best is None or (dist < best if kind == 1 else dist > best):
            target, best = i, dist
    return int(objects[target, K + 2])
