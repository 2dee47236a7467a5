"""A character-level language model: a vanilla tanh RNN trained by backpropagation through time.

Karpathy's char-rnn reads text one character at a time, keeps a hidden state h_t, and predicts
the next character from it. Training unrolls the recurrence over a window of T characters and
backpropagates through every step (BPTT); sampling feeds each predicted character back in.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` takes the upstream gradient dL/dout and returns the gradients with respect to the
forward's inputs, in the forward's argument order. ``cache`` is a flat dict whose keys each
forward's docstring fixes: the grader builds caches with its own forward and hands them to your
backward, so a wrong forward does not cost you the backward's points.

The sequence functions call the step functions through their module-level names
(``rnn_step_forward``, ``rnn_step_backward``); the grader may swap in its own step functions
while checking ``rnn_forward`` and ``rnn_backward``, so build each step's cache with exactly the
keys ``rnn_step_forward`` documents.

Dimensions: N sequences in a minibatch, T time steps, D input features, H hidden units,
V vocabulary size (characters). Arrays are float64; character ids are int64 in [0, V).
Never modify an argument in place, and never draw random numbers: sampling uniforms are passed in.
"""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: h = tanh(x Wx + h_prev Wh + b).

    Inputs:
    - x: inputs at this step, of shape (N, D)
    - h_prev: hidden state of the previous step, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: the new hidden state, of shape (N, H)
    - cache: dict with keys "x" (N, D), "h_prev" (N, H), "Wx" (D, H), "Wh" (H, H) and
      "h" (N, H), the output
    """
    ### BEGIN SOLUTION
    # TODO: the affine pre-activation of x and h_prev, then tanh; keep what backward needs.
    h = np.tanh(x @ Wx + h_prev @ Wh + b)  # (N, H)
    cache = {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h": h}
    ### END SOLUTION
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward pass of one RNN step.

    Inputs:
    - dh: upstream gradient dL/dh, of shape (N, H)
    - cache: dict from rnn_step_forward with keys "x", "h_prev", "Wx", "Wh", "h"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dh_prev: gradient with respect to h_prev, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, H)
    - dWh: gradient with respect to Wh, of shape (H, H)
    - db: gradient with respect to b, of shape (H,)
    """
    ### BEGIN SOLUTION
    # TODO: go back through tanh (its derivative is 1 - h^2), then through the affine map.
    dpre = dh * (1.0 - cache["h"] ** 2)  # (N, H)
    dx = dpre @ cache["Wx"].T  # (N, D)
    dh_prev = dpre @ cache["Wh"].T  # (N, H)
    dWx = cache["x"].T @ dpre  # (D, H)
    dWh = cache["h_prev"].T @ dpre  # (H, H)
    db = dpre.sum(axis=0)  # (H,)
    ### END SOLUTION
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a vanilla RNN over a whole sequence, starting from the hidden state h0.

    Inputs:
    - x: input sequence, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: hidden states of every step, of shape (N, T, H); h[:, t] is the state after x[:, t]
    - cache: dict with keys "x" (N, T, D), "h0" (N, H), "Wx" (D, H), "Wh" (H, H), "b" (H,)
      and "h" (N, T, H), the output
    """
    ### BEGIN SOLUTION
    # TODO: loop over time with rnn_step_forward, carrying the hidden state from step to step.
    n, steps, _ = x.shape
    h = np.zeros((n, steps, h0.shape[1]))  # (N, T, H)
    state = h0
    for t in range(steps):
        state, _ = rnn_step_forward(x[:, t], state, Wx, Wh, b)
        h[:, t] = state
    cache = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "h": h}
    ### END SOLUTION
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time over a whole sequence.

    dh[:, t] is the gradient arriving at h[:, t] from outside the recurrence (e.g. from that
    step's prediction). The gradient flowing into h[:, t] from step t + 1 must be added to it.

    Inputs:
    - dh: upstream gradients on every hidden state, of shape (N, T, H)
    - cache: dict from rnn_forward with keys "x", "h0", "Wx", "Wh", "b", "h"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D)
    - dh0: gradient with respect to h0, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, H)
    - dWh: gradient with respect to Wh, of shape (H, H)
    - db: gradient with respect to b, of shape (H,)
    """
    ### BEGIN SOLUTION
    # TODO: walk backwards in time; at step t rebuild rnn_step_forward's cache from the slices,
    # TODO: call rnn_step_backward on dh[:, t] plus the gradient coming back from step t + 1,
    # TODO: and sum the weight gradients over the steps.
    x, h0, h = cache["x"], cache["h0"], cache["h"]
    Wx, Wh = cache["Wx"], cache["Wh"]
    dx = np.zeros_like(x)  # (N, T, D)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    carried = np.zeros_like(h0)  # (N, H), dL/dh[:, t] through step t + 1
    for t in reversed(range(x.shape[1])):
        h_prev = h0 if t == 0 else h[:, t - 1]
        step = {"x": x[:, t], "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h": h[:, t]}
        dx[:, t], carried, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + carried, step)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = carried
    ### END SOLUTION
    return dx, dh0, dWx, dWh, db


def softmax_ce_forward(logits, y):
    """Mean softmax cross-entropy over every position of every sequence.

    loss = -(1/(N T)) sum_{n,t} log softmax(logits[n, t])[y[n, t]], computed after subtracting
    each row's maximum so that exp never overflows.

    Inputs:
    - logits: unnormalised scores, of shape (N, T, V)
    - y: target ids, of shape (N, T), int64 with 0 <= y[n, t] < V

    Returns a tuple of:
    - loss: a float
    - cache: dict with keys "probs" (N, T, V), the softmax of logits, and "y" (N, T)
    """
    ### BEGIN SOLUTION
    # TODO: shift each row by its maximum, take the log-softmax, average -log p(target).
    z = logits - np.max(logits, axis=-1, keepdims=True)  # (N, T, V)
    log_norm = np.log(np.sum(np.exp(z), axis=-1, keepdims=True))  # (N, T, 1)
    log_p = z - log_norm  # (N, T, V)
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)  # (N, T, 1)
    loss = float(-np.mean(picked))
    cache = {"probs": np.exp(log_p), "y": y}
    ### END SOLUTION
    return loss, cache


def softmax_ce_backward(dloss, cache):
    """Backward pass of the mean softmax cross-entropy.

    Inputs:
    - dloss: upstream gradient dL/dloss, a float
    - cache: dict from softmax_ce_forward with keys "probs" (N, T, V) and "y" (N, T)

    Returns:
    - dlogits: gradient with respect to logits, of shape (N, T, V):
      dloss * (probs - onehot(y)) / (N T)
    """
    ### BEGIN SOLUTION
    # TODO: softmax minus the one-hot targets, scaled by dloss and divided by N * T.
    probs, y = cache["probs"], cache["y"]
    onehot = np.arange(probs.shape[-1]) == y[..., None]  # (N, T, V) bool
    dlogits = dloss * (probs - onehot) / y.size  # (N, T, V)
    ### END SOLUTION
    return dlogits


def sample(h0, idx0, Wx, Wh, b, Wy, by, u):
    """Generate n characters from the model, one at a time.

    Start from the hidden state h0 and the character idx0. At step t: feed the current character
    as a one-hot row x (1, V), update h = tanh(x Wx + h Wh + b), compute p = softmax(h Wy + by),
    and emit the smallest k with cumsum(p)[k] > u[t] (inverse-CDF sampling with the uniform u[t];
    if rounding leaves no such k, emit V - 1). The emitted character is the next input.

    Inputs:
    - h0: initial hidden state, of shape (H,)
    - idx0: id of the first input character, an int in [0, V)
    - Wx: input-to-hidden weights, of shape (V, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: hidden biases, of shape (H,)
    - Wy: hidden-to-output weights, of shape (H, V)
    - by: output biases, of shape (V,)
    - u: uniforms in [0, 1), of shape (n,), one per generated character

    Returns:
    - ids: the generated character ids, of shape (n,), int64
    """
    ### BEGIN SOLUTION
    # TODO: loop over u; one-hot input, one RNN step, softmax, inverse-CDF pick, feed it back.
    vocab = Wy.shape[1]
    ids = np.zeros(u.shape[0], dtype=np.int64)
    state, current = h0[None, :], int(idx0)  # (1, H)
    for t in range(u.shape[0]):
        onehot = np.zeros((1, vocab))
        onehot[0, current] = 1.0
        state, _ = rnn_step_forward(onehot, state, Wx, Wh, b)
        scores = (state @ Wy + by)[0]  # (V,)
        p = np.exp(scores - scores.max())
        cdf = np.cumsum(p / p.sum())  # (V,)
        current = min(int(np.searchsorted(cdf, u[t], side="right")), vocab - 1)
        ids[t] = current
    ### END SOLUTION
    return ids
