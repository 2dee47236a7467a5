"""PyTorch references for paper 04, run in float64 through autograder.torchref.

Weight mapping (as in assignment 03): torch's LSTM keeps weight_ih (4H, D) and weight_hh
(4H, H) with the gates stacked i, f, g, o, and two biases whose sum is our b. So weight_ih =
Wx.T, weight_hh = Wh.T, bias_ih = b, bias_hh = 0. Dropout is applied with the injected masks,
never with F.dropout, whose random stream cannot be matched.
"""

import torch
import torch.nn.functional as F
from torch.func import functional_call


def make_keep_mask(u, p):
    return torch.where(u >= p, 1.0, 0.0).to(torch.float64)


def dropout(x, mask, p):
    return torch.mul(x, mask) / (1.0 - p)


def _lstm_layer(x, h0, c0, Wx, Wh, b):
    """One nn.LSTM layer over the whole sequence; x (N, T, D), h0 and c0 (N, H)."""
    d_in, four_h = Wx.shape
    lstm = torch.nn.LSTM(d_in, four_h // 4, batch_first=True, dtype=torch.float64)
    weights = {
        "weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T,
        "bias_ih_l0": b, "bias_hh_l0": torch.zeros_like(b),
    }
    hs, _ = functional_call(lstm, weights, (x, (h0.unsqueeze(0), c0.unsqueeze(0))))
    return hs


def zaremba_lstm(x, h0, c0, Wx1, Wh1, b1, Wx2, Wh2, b2, Wy, by, m_in, m_mid, m_out, p):
    """Two single-layer nn.LSTMs with the injected masks between them; logits (N, T, V)."""
    lower = _lstm_layer(dropout(x, m_in, p), h0[0], c0[0], Wx1, Wh1, b1)
    upper = _lstm_layer(dropout(lower, m_mid, p), h0[1], c0[1], Wx2, Wh2, b2)
    return F.linear(dropout(upper, m_out, p), Wy.T, by)


def plain_lstm2(x, h0, c0, Wx1, Wh1, b1, Wx2, Wh2, b2, Wy, by):
    """One two-layer nn.LSTM (num_layers=2) and a linear read-out: no dropout anywhere."""
    d_in, four_h = Wx1.shape
    lstm = torch.nn.LSTM(d_in, four_h // 4, num_layers=2, batch_first=True, dtype=torch.float64)
    weights = {
        "weight_ih_l0": Wx1.T, "weight_hh_l0": Wh1.T,
        "bias_ih_l0": b1, "bias_hh_l0": torch.zeros_like(b1),
        "weight_ih_l1": Wx2.T, "weight_hh_l1": Wh2.T,
        "bias_ih_l1": b2, "bias_hh_l1": torch.zeros_like(b2),
    }
    hs, _ = functional_call(lstm, weights, (x, (h0, c0)))
    return F.linear(hs, Wy.T, by)
