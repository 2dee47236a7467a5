"""PyTorch references for paper 14, run in float64 through autograder.torchref.

The encoder is nn.RNN(D, H, bidirectional=True, batch_first=True) with its tanh nonlinearity.
torch keeps weight_ih (H, D) and weight_hh (H, H) and two biases whose sum is our b, so
weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b, bias_hh = 0; the backward direction's
weights are the "*_l0_reverse" ones. Its output already places both directions' states at the
source position they belong to, [forward, backward] along the last axis.
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
