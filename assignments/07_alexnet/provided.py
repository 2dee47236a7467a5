"""Read-only helpers for the exploration notebook of paper 07 (not graded here).

The affine layer, ReLU and softmax loss are graded in assignment 26; these are compact
stand-ins so the notebook can train a small CNN around your AlexNet layers. The optimiser is
SGD with momentum, as in the paper (momentum 0.9).
"""

import numpy as np


def affine_forward(x, w, b):
    """out = x flattened to (N, D), times w (D, M), plus b (M,). Returns (out, cache)."""
    rows = np.reshape(x, (len(x), -1))
    return np.dot(rows, w) + b, {"x": x, "w": w}


def affine_backward(dout, cache):
    """Gradients (dx, dw, db) of an affine layer; dx has the shape of the input."""
    inputs, weights = cache["x"], cache["w"]
    rows = np.reshape(inputs, (len(inputs), -1))
    grad_in = np.dot(dout, weights.T).reshape(inputs.shape)
    return grad_in, np.dot(rows.T, dout), np.sum(dout, axis=0)


def relu_forward(x):
    """Elementwise max(x, 0). Returns (out, cache)."""
    return np.clip(x, 0.0, None), {"positive": x > 0}


def relu_backward(dout, cache):
    """The upstream gradient where the input was positive, 0 elsewhere."""
    return dout * cache["positive"]


def softmax_loss(scores, y):
    """Mean cross-entropy of softmax(scores (N, C)) against labels y (N,): (loss, dscores)."""
    z = scores - np.max(scores, axis=1, keepdims=True)
    p = np.exp(z)
    p /= np.sum(p, axis=1, keepdims=True)
    picked = np.arange(len(y)), y
    loss = -np.mean(np.log(p[picked]))
    grad = p.copy()
    grad[picked] -= 1.0
    return float(loss), grad / len(y)


def sgd_momentum(w, dw, velocity, lr=0.01, momentum=0.9):
    """One step of SGD with momentum: v <- momentum v - lr dw; w <- w + v. Returns (w, v)."""
    velocity = momentum * velocity - lr * dw
    return w + velocity, velocity
