"""PyTorch references for paper 03, run in float64 through autograder.torchref."""

import torch
from torch import nn
from torch.func import functional_call

_MODULES = {}


def _module(kind, D, H):
    key = (kind, D, H)
    if key not in _MODULES:
        if kind == "cell":
            _MODULES[key] = nn.LSTMCell(D, H).double()
        else:
            _MODULES[key] = nn.LSTM(D, H, batch_first=True).double()
    return _MODULES[key]


def _weights(Wx, Wh, b, suffix):
    # torch keeps (4H, in) matrices and applies x W^T, with the gate rows in the order
    # i, f, g, o, the same order as the learner's columns; its second bias is pinned to zero.
    return {
        f"weight_ih{suffix}": Wx.T,
        f"weight_hh{suffix}": Wh.T,
        f"bias_ih{suffix}": b,
        f"bias_hh{suffix}": torch.zeros_like(b),
    }


def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """nn.LSTMCell: the pair (h, c)."""
    cell = _module("cell", x.shape[1], h_prev.shape[1])
    return functional_call(cell, _weights(Wx, Wh, b, ""), (x, (h_prev, c_prev)))


def lstm(x, h0, c0, Wx, Wh, b):
    """nn.LSTM over x (N, T, D) from (h0, c0): the hidden states (N, T, H)."""
    module = _module("seq", x.shape[2], h0.shape[1])
    out, _ = functional_call(module, _weights(Wx, Wh, b, "_l0"), (x, (h0[None], c0[None])))
    return out


def input_grad_norms(x, h0, c0, Wx, Wh, b, dh_last):
    """||d(sum(dh_last * h_T))/dx_t|| for each t, by autograd through nn.LSTM."""
    with torch.set_grad_enabled(True):  # torchref.forward runs references without grad
        inputs = x.detach().requires_grad_(True)
        last = lstm(inputs, h0, c0, Wx, Wh, b)[:, -1]
        (grad,) = torch.autograd.grad(last, inputs, grad_outputs=dh_last)
    return grad.square().sum(dim=(0, 2)).sqrt()
