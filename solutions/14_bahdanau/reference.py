"""PyTorch references for paper 14, run in float64 through autograder.torchref.

The encoder is nn.RNN(D, H, bidirectional=True, batch_first=True) with its tanh nonlinearity.
torch keeps weight_ih (H, D) and weight_hh (H, H) and two biases whose sum is our b, so
weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b, bias_hh = 0; the backward direction's
weights are the "*_l0_reverse" ones. Its output already places both directions' states at the
source position they belong to, [forward, backward] along the last axis.

The gated unit is nn.GRUCell(D, S): torch keeps weight_ih (3S, D), weight_hh (3S, S) and two
biases with the gates stacked r, z, n, so weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = bx,
bias_hh = bh. torch's candidate is tanh(W_in x + b_in + r * (W_hn h + b_hn)): the reset gate
scales the hidden projection *with* its bias, where the paper (after Cho et al., 2014) writes
U(r * h) inside the matrix product. We grade torch's placement.
"""

import torch
import torch.nn.functional as F
from torch.func import functional_call


def birnn(x, Wxf, Whf, bf, Wxb, Whb, bb):
    rnn = torch.nn.RNN(
        Wxf.shape[0], Wxf.shape[1], bidirectional=True, batch_first=True, dtype=torch.float64
    )
    weights = {
        "weight_ih_l0": Wxf.T, "weight_hh_l0": Whf.T,
        "bias_ih_l0": bf, "bias_hh_l0": torch.zeros_like(bf),
        "weight_ih_l0_reverse": Wxb.T, "weight_hh_l0_reverse": Whb.T,
        "bias_ih_l0_reverse": bb, "bias_hh_l0_reverse": torch.zeros_like(bb),
    }
    annotations, _ = functional_call(rnn, weights, (x,))
    return annotations


def attention_weights(s_prev, Hann, src_mask, Wa, Ua, v):
    """alpha (N, T): softmax of the additive scores, masked positions filled with -inf."""
    energy = torch.tanh(F.linear(s_prev, Wa.T).unsqueeze(1) + F.linear(Hann, Ua.T))
    scores = F.linear(energy, v.unsqueeze(0)).squeeze(-1)
    return torch.softmax(scores.masked_fill(~src_mask, float("-inf")), dim=1)


def additive_attention(s_prev, Hann, src_mask, Wa, Ua, v):
    alpha = attention_weights(s_prev, Hann, src_mask, Wa, Ua, v)
    return torch.bmm(alpha.unsqueeze(1), Hann).squeeze(1)


def decoder_step(y_prev_emb, s_prev, context, Wy, Ws, Wc, b, Wout, bout):
    """(s, logits) of one tanh-RNN decoder step."""
    pre = F.linear(y_prev_emb, Wy.T) + F.linear(s_prev, Ws.T) + F.linear(context, Wc.T)
    s = torch.tanh(pre + b)
    return s, F.linear(torch.cat([s, context], dim=1), Wout.T, bout)


def gru_cell(x, h_prev, Wx, Wh, bx, bh):
    """nn.GRUCell with our weights (layout in the module docstring)."""
    cell = torch.nn.GRUCell(Wx.shape[0], Wh.shape[0], dtype=torch.float64)
    weights = {"weight_ih": Wx.T, "weight_hh": Wh.T, "bias_ih": bx, "bias_hh": bh}
    return functional_call(cell, weights, (x, h_prev))


def gru(xs, h0, Wx, Wh, bx, bh):
    """nn.GRU(D, S, batch_first=True) over xs (N, T, D) from h0 (N, S): states (N, T, S)."""
    rnn = torch.nn.GRU(Wx.shape[0], Wh.shape[0], batch_first=True, dtype=torch.float64)
    weights = {"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": bx, "bias_hh_l0": bh}
    states, _ = functional_call(rnn, weights, (xs, h0.unsqueeze(0)))
    return states


def gru_decoder_step(y_prev_emb, s_prev, context, Wx, Wh, bx, bh, Wout, bout):
    """(s, logits) of one gated decoder step: nn.GRUCell on [y_prev_emb, context]."""
    s = gru_cell(torch.cat([y_prev_emb, context], dim=1), s_prev, Wx, Wh, bx, bh)
    return s, F.linear(torch.cat([s, context], dim=1), Wout.T, bout)
