"""PyTorch references for paper 13, run in float64 through autograder.torchref.

Mask conventions. Three are in play and they disagree, so every reference below maps ours
explicitly and the hidden checks compare the learner with each of them:

- Ours (``sdpa_forward``'s ``mask``, and the mask ``mha_forward`` builds when ``causal``):
  bool (Tq, Tk), True = query i MAY attend to key j.
- ``F.scaled_dot_product_attention(attn_mask=<bool>)``: True = may attend. The same as ours,
  so the mask is passed unchanged (``sdpa``); ``is_causal=True`` is the lower-triangular
  (top-left aligned) mask ``tril(ones(Tq, Tk))`` (``sdpa_causal``).
- Additive float masks (``F.scaled_dot_product_attention(attn_mask=<float>)`` and
  ``nn.MultiheadAttention(attn_mask=<float>)``): the mask is added to the scores, so ours maps
  to ``np.where(mask, 0.0, -np.inf)`` (``sdpa_additive``, ``mha(..., mask_kind="float")``).
- ``nn.MultiheadAttention(attn_mask=<bool>)``: True = NOT allowed to attend, the opposite of
  ours, so a causal mask is passed as ``~tril`` (``mha(..., mask_kind="bool")``).

Fully masked rows: our ``sdpa_forward`` raises ValueError. torch returns NaN or zeros there
depending on the backend, so no reference is ever called with one.

Multi-head weights. ``nn.MultiheadAttention`` computes ``x @ W.T + b`` with the three input
projections stacked in one ``in_proj_weight`` of shape (3E, E); ours computes ``x @ W + b``.
Hence ``in_proj_weight = cat(Wq.T, Wk.T, Wv.T)``, ``in_proj_bias = cat(bq, bk, bv)``,
``out_proj.weight = Wo.T`` and ``out_proj.bias = bo``. torch splits heads as we do (head i owns
columns i*d .. (i+1)*d - 1 of the projections) and scales by 1/sqrt(d). The module stays in
training mode with dropout 0, which keeps it on the plain (non fast-path) code path.
"""

import functools
import math

import torch
import torch.nn.functional as F


def sdpa(q, k, v, mask=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def sdpa_additive(q, k, v, bias):
    # bias: float (Tq, Tk), 0 where our mask is True and -inf where it is False.
    return F.scaled_dot_product_attention(q, k, v, attn_mask=bias)


def sdpa_causal(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def attention_weights(q, k, mask=None):
    """softmax(q k^T / sqrt(d)) with masked-out scores filled with -inf: (N, h, Tq, Tk)."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


@functools.cache
def _mha_module(embed_dim, n_heads):
    # Its own parameters are never used: functional_call substitutes ours.
    return torch.nn.MultiheadAttention(
        embed_dim, n_heads, dropout=0.0, batch_first=True, dtype=torch.float64
    )


def mha(x, Wq, Wk, Wv, Wo, bq, bk, bv, bo, n_heads, causal, mask_kind="bool"):
    """nn.MultiheadAttention(E, n_heads, batch_first=True) on x with our weights: (N, T, E)."""
    module = _mha_module(x.shape[-1], n_heads)
    params = {
        "in_proj_weight": torch.cat([Wq.T, Wk.T, Wv.T], dim=0),
        "in_proj_bias": torch.cat([bq, bk, bv]),
        "out_proj.weight": Wo.T,
        "out_proj.bias": bo,
    }
    attn_mask = None
    if causal:
        t = x.shape[1]
        blocked = ~torch.ones(t, t, dtype=torch.bool).tril()  # torch's bool: True = blocked
        if mask_kind == "bool":
            attn_mask = blocked
        else:
            attn_mask = torch.zeros(t, t, dtype=torch.float64).masked_fill(blocked, -math.inf)
    out, _ = torch.func.functional_call(
        module, params, (x, x, x), {"attn_mask": attn_mask, "need_weights": False}
    )
    return out


def layernorm(x, gamma, beta, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)


def positional_encoding(T, d):
    # The classic closed form with exp(-ln(10000) * 2i / d) frequencies, filled by slices.
    position = torch.arange(T, dtype=torch.float64).unsqueeze(1)
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(position * freq)
    pe[:, 1::2] = torch.cos(position * freq[: d // 2])
    return pe
