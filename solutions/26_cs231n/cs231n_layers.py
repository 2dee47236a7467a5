"""CS231n's layer kit: affine and ReLU layers, two classification losses, and Adam.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives the upstream gradient dL/dout and returns the gradients of the loss with respect
to the forward inputs, in the forward's argument order. ``cache`` is a flat dict of arrays whose
keys are fixed by each docstring: the grader builds caches with its own forward and hands them
to your backward, so your backward gets credit even if your forward is wrong.

The losses are plain functions returning ``(loss, dscores)``.

Dimensions: N examples in a minibatch, D input features (after flattening), M outputs of an
affine layer, C classes. Every array is float64 except labels ``y``, which are int64 in [0, C).
Never modify an argument in place.
"""

import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer: out = x w + b.

    Each example x[i] of shape (d_1, ..., d_k) is flattened to a vector of length
    D = d_1 * ... * d_k before the product.

    Inputs:
    - x: input data, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: dict with keys "x", "w", "b" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: flatten each example, apply w and b, and store the inputs in the cache.
    out = x.reshape(x.shape[0], -1) @ w + b  # (N, M)
    cache = {"x": x, "w": w, "b": b}
    ### END SOLUTION
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: dict from affine_forward with keys "x" (N, d_1, ..., d_k), "w" (D, M), "b" (M,)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    ### BEGIN SOLUTION
    # TODO: dx = dout w^T (reshaped like x), dw = x^T dout, db sums dout over the batch.
    x, w = cache["x"], cache["w"]
    flat_x = x.reshape(x.shape[0], -1)  # (N, D)
    dx = (dout @ w.T).reshape(x.shape)  # (N, d_1, ..., d_k)
    dw = flat_x.T @ dout  # (D, M)
    db = dout.sum(axis=0)  # (M,)
    ### END SOLUTION
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a rectified linear unit: out = max(0, x), element by element.

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output, of the same shape as x
    - cache: dict with key "x" (the input, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: keep the positive part of x.
    out = np.maximum(x, 0.0)
    cache = {"x": x}
    ### END SOLUTION
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a ReLU.

    Inputs:
    - dout: upstream gradient, of any shape
    - cache: dict from relu_forward with key "x" (same shape as dout)

    Returns:
    - dx: gradient with respect to x, of the same shape as dout
    """
    ### BEGIN SOLUTION
    # TODO: pass the gradient through where x > 0 and block it elsewhere.
    dx = np.where(cache["x"] > 0, dout, 0.0)
    ### END SOLUTION
    return dx


def svm_loss(scores, y):
    """Multiclass SVM (hinge) loss and its gradient, averaged over the batch.

    loss = (1/N) sum_i sum_{j != y_i} max(0, scores[i, j] - scores[i, y_i] + 1)

    Inputs:
    - scores: class scores, of shape (N, C)
    - y: labels, of shape (N,), int64 with 0 <= y[i] < C

    Returns a tuple of:
    - loss: a float
    - dscores: gradient of the loss with respect to scores, of shape (N, C)
    """
    ### BEGIN SOLUTION
    # TODO: margins of every wrong class, the mean of their positive parts, and the gradient.
    n = scores.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, y][:, None] + 1.0  # (N, C)
    margins[rows, y] = 0.0
    active = (margins > 0).astype(np.float64)  # (N, C)
    loss = float(np.maximum(margins, 0.0).sum() / n)
    dscores = active.copy()
    dscores[rows, y] = -active.sum(axis=1)
    dscores /= n
    ### END SOLUTION
    return loss, dscores


def softmax_loss(scores, y):
    """Softmax cross-entropy loss and its gradient, averaged over the batch.

    loss = -(1/N) sum_i log softmax(scores[i])[y_i], computed after subtracting each row's
    maximum so that exp never overflows.

    Inputs:
    - scores: class scores, of shape (N, C)
    - y: labels, of shape (N,), int64 with 0 <= y[i] < C

    Returns a tuple of:
    - loss: a float
    - dscores: gradient of the loss with respect to scores, of shape (N, C)
    """
    ### BEGIN SOLUTION
    # TODO: shift by the row maximum, take log-softmax, average the picked terms, then
    # TODO: dscores = (softmax - onehot(y)) / N.
    n = scores.shape[0]
    rows = np.arange(n)
    shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = float(-log_probs[rows, y].sum() / n)
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= n
    ### END SOLUTION
    return loss, dscores


def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam (Kingma and Ba), with bias correction.

    m <- beta1 m + (1 - beta1) dw;  v <- beta2 v + (1 - beta2) dw^2
    m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)
    w <- w - lr m_hat / (sqrt(v_hat) + eps)

    Inputs:
    - w: parameters, of any shape
    - dw: gradient of the loss with respect to w, same shape as w
    - m, v: first and second moment estimates, same shape as w (zeros before step 1)
    - t: the step number, an int >= 1
    - lr, beta1, beta2, eps: floats

    Returns a tuple of new arrays (the inputs are left untouched):
    - w: updated parameters
    - m: updated first moment
    - v: updated second moment
    """
    ### BEGIN SOLUTION
    # TODO: update both moments, correct their bias for step t, and take the step.
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    ### END SOLUTION
    return w, m, v
