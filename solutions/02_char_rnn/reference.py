"""PyTorch references for paper 02, run in float64 through autograder.torchref."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

_MODULES = {}


def _rnn(D, H):
    if (D, H) not in _MODULES:
        _MODULES[D, H] = nn.RNN(D, H, nonlinearity="tanh", batch_first=True).double()
    return _MODULES[D, H]


def _weights(Wx, Wh, b):
    # torch stores weights as (out, in) and applies x W^T; the module's are (in, out).
    # torch adds two biases; the second one is pinned to zero.
    return {
        "weight_ih_l0": Wx.T,
        "weight_hh_l0": Wh.T,
        "bias_ih_l0": b,
        "bias_hh_l0": torch.zeros_like(b),
    }


def rnn(x, h0, Wx, Wh, b):
    """nn.RNN over the sequence x (N, T, D) from h0 (N, H): the states (N, T, H)."""
    module = _rnn(x.shape[-1], h0.shape[-1])
    out, _ = functional_call(module, _weights(Wx, Wh, b), (x, h0[None]))
    return out


def rnn_step(x, h_prev, Wx, Wh, b):
    """One step: nn.RNN on a sequence of length 1."""
    return rnn(x[:, None], h_prev, Wx, Wh, b)[:, 0]


def softmax_ce(logits, y):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))


def sample(h0, idx0, Wx, Wh, b, Wy, by, u):
    """Inverse-CDF sampling with an explicit Python loop over the running sum of p."""
    V = Wy.shape[1]
    state, current = h0[None], int(idx0)
    ids = []
    for t in range(u.shape[0]):
        x = F.one_hot(torch.tensor([current]), V).to(torch.float64)
        state = rnn_step(x, state, Wx, Wh, b)
        p = torch.softmax(state[0] @ Wy + by, dim=0).tolist()
        running, choice = 0.0, V - 1
        for k in range(V):
            running += p[k]
            if running > float(u[t]):
                choice = k
                break
        ids.append(choice)
        current = choice
    return torch.tensor(ids, dtype=torch.int64)
