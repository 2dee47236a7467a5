"""Read-only helpers for paper 03: a vanilla tanh RNN over whole sequences, forward and backward.

Paper 02 grades this block; here it is the baseline the notebook compares the LSTM with. Do not
edit it. Shapes: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), states (N, T, H).
"""

import numpy as np


def vanilla_rnn_forward(x, h0, Wx, Wh, b):
    """States h_t = tanh(x_t Wx + h_{t-1} Wh + b) for t = 1..T; returns (states, cache)."""
    states = [h0]
    for x_t in np.moveaxis(x, 1, 0):
        states.append(np.tanh(b + x_t @ Wx + states[-1] @ Wh))
    hs = np.stack(states[1:], axis=1)
    return hs, {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "hs": hs}


def vanilla_rnn_backward(dh, cache):
    """(dx, dh0, dWx, dWh, db) for upstream gradients dh (N, T, H) on every state."""
    x, hs, Wx, Wh = cache["x"], cache["hs"], cache["Wx"], cache["Wh"]
    before = np.concatenate([cache["h0"][:, None], hs[:, :-1]], axis=1)  # h_{t-1} at every t
    dx, dWx, dWh = np.empty_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db, back = np.zeros(Wh.shape[0]), np.zeros_like(cache["h0"])
    for t in range(x.shape[1] - 1, -1, -1):
        g = (dh[:, t] + back) * (1 - hs[:, t] ** 2)
        dx[:, t], back = g @ Wx.T, g @ Wh.T
        dWx += x[:, t].T @ g
        dWh += before[:, t].T @ g
        db += g.sum(0)
    return dx, back, dWx, dWh, db
