"""Read-only blocks for assignment 08. Nothing in this file is graded here.

The Process block runs an LSTM cell with no external input. That cell is the subject of
assignment 03 (where you derive its backward pass yourself); here you get a working copy so
that this assignment can focus on attention over a set. It follows the course's convention:
gates laid out in torch's order i, f, g, o along the 4H axis of ``Wx``, ``Wh`` and ``b``.

Also here: two small helpers for flat, prefixed caches (``"attn2.a"``, ``"lstm3.x"``), which is
how a composite block keeps the caches of its sub-blocks in one flat dict.
"""

import numpy as np


def logistic(z):
    """sigma(z) = 1 / (1 + exp(-z)), evaluated through tanh so that nothing can overflow."""
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step of an LSTM cell.

    Inputs:
    - x: input, of shape (N, D)
    - h_prev, c_prev: previous hidden and cell state, each of shape (N, H)
    - Wx: input-to-gates weights, of shape (D, 4H), column blocks [i | f | g | o]
    - Wh: hidden-to-gates weights, of shape (H, 4H), same blocks
    - b: gate biases, of shape (4H,)

    Returns a tuple of:
    - (h, c): the next hidden and cell state, each of shape (N, H)
    - cache: dict with keys "x", "h_prev", "c_prev", "Wx", "Wh" (the inputs), "gates" of
      shape (4, N, H) holding i, f, g, o after their nonlinearities, and "tanh_c" (N, H)
    """
    n_rows, width = h_prev.shape
    pre = (x @ Wx + h_prev @ Wh + b).reshape(n_rows, 4, width).swapaxes(0, 1)  # (4, N, H)
    gates = logistic(pre)
    gates[2] = np.tanh(pre[2])  # the candidate g is the only tanh gate
    i, f, g, o = gates
    c_out = f * c_prev + g * i
    tanh_c = np.tanh(c_out)
    cache = dict(x=x, h_prev=h_prev, c_prev=c_prev, Wx=Wx, Wh=Wh, gates=gates, tanh_c=tanh_c)
    return (o * tanh_c, c_out), cache


def lstm_step_backward(dout, cache):
    """Backward pass of lstm_step_forward.

    Inputs:
    - dout: tuple (dh, dc) of upstream gradients for h and c, each of shape (N, H)
    - cache: dict from lstm_step_forward

    Returns a tuple of:
    - dx: (N, D);  dh_prev, dc_prev: (N, H)
    - dWx: (D, 4H);  dWh: (H, 4H);  db: (4H,)
    """
    dh_out, dc_out = dout
    i, f, g, o = cache["gates"]
    tanh_c = cache["tanh_c"]
    through_c = dc_out + dh_out * o * (1.0 - tanh_c**2)  # all the gradient reaching c_out
    # d(loss)/d(gate output), stacked like the gates, times each gate's local slope.
    upstream = np.stack(
        [through_c * g, through_c * cache["c_prev"], through_c * i, dh_out * tanh_c]
    )
    slope = cache["gates"] * (1.0 - cache["gates"])
    slope[2] = 1.0 - g * g
    dpre = (upstream * slope).swapaxes(0, 1).reshape(len(dh_out), -1)  # (N, 4H), blocks i f g o
    return (
        dpre @ cache["Wx"].T,
        dpre @ cache["Wh"].T,
        through_c * f,
        cache["x"].T @ dpre,
        cache["h_prev"].T @ dpre,
        dpre.sum(axis=0),
    )


def with_prefix(prefix, cache):
    """A copy of ``cache`` whose keys start with ``prefix`` (e.g. "attn2.")."""
    return {prefix + key: value for key, value in cache.items()}


def under_prefix(prefix, cache):
    """The entries of a flat ``cache`` whose keys start with ``prefix``, with it removed."""
    return {key[len(prefix):]: value for key, value in cache.items() if key.startswith(prefix)}
