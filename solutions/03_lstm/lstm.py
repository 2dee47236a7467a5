"""Long short-term memory (LSTM): gated updates of an additive memory cell, forward and backward.

An LSTM carries a cell state c_t next to its hidden state h_t. Gates computed from the input and
the previous hidden state decide how much of the old cell to keep (forget gate f), how much new
content to write (input gate i, candidate g) and how much of the cell to expose (output gate o).
Because the cell is updated additively, c_t = f * c_{t-1} + i * g, its gradient flows back
through time multiplied only by f, which is how LSTMs keep gradients alive over long spans.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` takes the upstream gradient and returns the gradients with respect to the forward's
inputs, in the forward's argument order. A step returns the pair (h, c), so its backward takes
the pair (dh, dc). ``cache`` is a flat dict whose keys each forward's docstring fixes: the grader
builds caches with its own forward and hands them to your backward.

The sequence functions call the step functions (and ``input_grad_norms`` calls
``lstm_backward``) through their module-level names; the grader may swap in its own versions of
the called functions while checking the caller, so build each step's cache with exactly the keys
``lstm_step_forward`` documents.

Dimensions: N sequences in a minibatch, T time steps, D input features, H hidden units. The
pre-activations have 4H columns, split in torch's gate order i, f, g, o. Arrays are float64.
Never modify an argument in place.
"""

import numpy as np


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), element-wise, without overflow.

    A helper for lstm_step_forward (graded through it). For a = -800 the textbook formula
    computes exp(800), which overflows; an implementation that only ever exponentiates
    non-positive numbers never does.

    Inputs:
    - a: array of any shape

    Returns:
    - s: array of the same shape, with values in [0, 1]
    """
    ### BEGIN SOLUTION
    # TODO: exponentiate -|a| only, and pick the form that is exact on each side of 0.
    e = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
    return s


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step.

    a = x Wx + h_prev Wh + b is split into four (N, H) blocks in the order i, f, g, o:
    i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o);
    c = f * c_prev + i * g;  h = o * tanh(c).

    Inputs:
    - x: inputs at this step, of shape (N, D)
    - h_prev: previous hidden state, of shape (N, H)
    - c_prev: previous cell state, of shape (N, H)
    - Wx: input-to-gates weights, of shape (D, 4H)
    - Wh: hidden-to-gates weights, of shape (H, 4H)
    - b: gate biases, of shape (4H,)

    Returns a tuple of:
    - (h, c): the new hidden and cell states, each of shape (N, H)
    - cache: dict with keys "x" (N, D), "h_prev" (N, H), "c_prev" (N, H), "Wx" (D, 4H),
      "Wh" (H, 4H), the gates "i", "f", "g", "o" (each (N, H), after their nonlinearities)
      and "c" (N, H), the new cell state
    """
    ### BEGIN SOLUTION
    # TODO: one matrix product for all four gates, split the columns i, f, g, o, apply
    # TODO: sigmoid / tanh, then update the cell and the hidden state.
    hidden = h_prev.shape[1]
    pre = x @ Wx + h_prev @ Wh + b  # (N, 4H)
    i, f, o = (sigmoid(pre[:, k * hidden:(k + 1) * hidden]) for k in (0, 1, 3))  # (N, H)
    g = np.tanh(pre[:, 2 * hidden:3 * hidden])  # (N, H)
    c = i * g + f * c_prev  # (N, H)
    h = o * np.tanh(c)  # (N, H)
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "g": g, "o": o, "c": c}
    ### END SOLUTION
    return (h, c), cache


def lstm_step_backward(dout, cache):
    """Backward pass of one LSTM step.

    Inputs:
    - dout: the pair (dh, dc) of upstream gradients on h and on c, each of shape (N, H)
    - cache: dict from lstm_step_forward with keys "x", "h_prev", "c_prev", "Wx", "Wh",
      "i", "f", "g", "o", "c"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dh_prev: gradient with respect to h_prev, of shape (N, H)
    - dc_prev: gradient with respect to c_prev, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, 4H)
    - dWh: gradient with respect to Wh, of shape (H, 4H)
    - db: gradient with respect to b, of shape (4H,)
    """
    ### BEGIN SOLUTION
    # TODO: the cell receives dc plus what reaches it through h = o * tanh(c); from there
    # TODO: go back through each gate's nonlinearity to the (N, 4H) pre-activations, in the
    # TODO: order i, f, g, o, and then through the affine map as in a vanilla RNN.
    dh, dc = dout
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    tanh_c = np.tanh(cache["c"])  # (N, H)
    dcell = dc + dh * o * (1.0 - tanh_c**2)  # (N, H)
    dpre = np.concatenate(
        [
            dcell * g * i * (1.0 - i),
            dcell * cache["c_prev"] * f * (1.0 - f),
            dcell * i * (1.0 - g**2),
            dh * tanh_c * o * (1.0 - o),
        ],
        axis=1,
    )  # (N, 4H)
    dx = dpre @ cache["Wx"].T  # (N, D)
    dh_prev = dpre @ cache["Wh"].T  # (N, H)
    dc_prev = dcell * f  # (N, H)
    dWx = cache["x"].T @ dpre  # (D, 4H)
    dWh = cache["h_prev"].T @ dpre  # (H, 4H)
    db = dpre.sum(axis=0)  # (4H,)
    ### END SOLUTION
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Run an LSTM over a whole sequence, starting from the states h0 and c0.

    Inputs:
    - x: input sequence, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - c0: initial cell state, of shape (N, H)
    - Wx: input-to-gates weights, of shape (D, 4H)
    - Wh: hidden-to-gates weights, of shape (H, 4H)
    - b: gate biases, of shape (4H,)

    Returns a tuple of:
    - h: hidden states of every step, of shape (N, T, H)
    - cache: dict with keys "x" (N, T, D), "h0" (N, H), "c0" (N, H), "Wx" (D, 4H),
      "Wh" (H, 4H), "b" (4H,), the gates of every step "i", "f", "g", "o" (each (N, T, H)),
      the cell states "c" (N, T, H) and the hidden states "h" (N, T, H)
    """
    ### BEGIN SOLUTION
    # TODO: loop over time with lstm_step_forward, carrying (h, c), and stack what each step
    # TODO: keeps along a new time axis.
    n, steps, _ = x.shape
    per_step = {key: np.zeros((n, steps, h0.shape[1])) for key in ("i", "f", "g", "o", "c", "h")}
    h_t, c_t = h0, c0
    for t in range(steps):
        (h_t, c_t), step = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        for key in ("i", "f", "g", "o", "c"):
            per_step[key][:, t] = step[key]
        per_step["h"][:, t] = h_t
    h = per_step["h"]  # (N, T, H)
    cache = {"x": x, "h0": h0, "c0": c0, "Wx": Wx, "Wh": Wh, "b": b, **per_step}
    ### END SOLUTION
    return h, cache


def lstm_backward(dh, cache):
    """Backpropagation through time for an LSTM.

    dh[:, t] is the gradient arriving at h[:, t] from outside the recurrence. The cell state has
    no output of its own, so it receives no upstream gradient after the last step: the only
    gradients reaching c[:, t] come through h[:, t] and from step t + 1.

    Inputs:
    - dh: upstream gradients on every hidden state, of shape (N, T, H)
    - cache: dict from lstm_forward with keys "x", "h0", "c0", "Wx", "Wh", "b", "i", "f",
      "g", "o", "c", "h"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D)
    - dh0: gradient with respect to h0, of shape (N, H)
    - dc0: gradient with respect to c0, of shape (N, H)
    - dWx: gradient with respect to Wx, of shape (D, 4H)
    - dWh: gradient with respect to Wh, of shape (H, 4H)
    - db: gradient with respect to b, of shape (4H,)
    """
    ### BEGIN SOLUTION
    # TODO: walk backwards in time; rebuild each step's cache from the slices (h_prev and
    # TODO: c_prev are h0 and c0 at the first step), call lstm_step_backward with the pair
    # TODO: (dh[:, t] + gradient from step t + 1 on h, gradient from step t + 1 on c), and
    # TODO: sum the weight gradients over the steps.
    x, h, c = cache["x"], cache["h"], cache["c"]
    dx = np.zeros_like(x)  # (N, T, D)
    dWx, dWh, db = np.zeros_like(cache["Wx"]), np.zeros_like(cache["Wh"]), np.zeros_like(cache["b"])
    dh_next, dc_next = np.zeros_like(cache["h0"]), np.zeros_like(cache["c0"])  # (N, H)
    for t in reversed(range(x.shape[1])):
        step = {key: cache[key][:, t] for key in ("i", "f", "g", "o", "c")}
        step.update(x=x[:, t], Wx=cache["Wx"], Wh=cache["Wh"])
        step["h_prev"] = cache["h0"] if t == 0 else h[:, t - 1]
        step["c_prev"] = cache["c0"] if t == 0 else c[:, t - 1]
        grads = lstm_step_backward((dh[:, t] + dh_next, dc_next), step)
        dx[:, t], dh_next, dc_next = grads[:3]
        dWx, dWh, db = dWx + grads[3], dWh + grads[4], db + grads[5]
    dh0, dc0 = dh_next, dc_next
    ### END SOLUTION
    return dx, dh0, dc0, dWx, dWh, db


def input_grad_norms(dh_last, cache):
    """How strongly a loss on the last hidden state depends on each input.

    For the loss L = sum(dh_last * h[:, T-1]), which depends on the last hidden state only,
    returns ||dL/dx_t|| for every step t, the norm taken over the batch and the features.
    Computed with lstm_backward.

    Inputs:
    - dh_last: gradient of the loss with respect to the last hidden state, of shape (N, H)
    - cache: dict from lstm_forward (see lstm_backward)

    Returns:
    - norms: array of shape (T,); norms[t] = sqrt(sum over n, d of dx[n, t, d]^2)
    """
    ### BEGIN SOLUTION
    # TODO: an upstream gradient that is zero except at the last step, one call to
    # TODO: lstm_backward, then a norm per time step.
    n, steps, _ = cache["x"].shape
    upstream = np.zeros((n, steps, dh_last.shape[1]))  # (N, T, H)
    upstream[:, -1] = dh_last
    dx = lstm_backward(upstream, cache)[0]  # (N, T, D)
    norms = np.sqrt(np.sum(dx**2, axis=(0, 2)))  # (T,)
    ### END SOLUTION
    return norms
