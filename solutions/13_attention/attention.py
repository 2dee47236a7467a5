"""The Transformer's building blocks: attention, multi-head attention, LayerNorm, positions.

Scaled dot-product attention lets every query position take a weighted average of the values,
with weights given by a softmax over its similarity to every key; multi-head attention runs
several such attentions side by side on learned projections. LayerNorm and sinusoidal position
encodings are the two other ingredients of a Transformer layer.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives the upstream gradient dL/dout and returns the gradients with respect to the
forward's array inputs, in the forward's argument order. ``cache`` is a flat dict whose keys are
fixed by each forward's docstring: the grader builds caches with its own forward and hands them
to your backward, so your backward gets credit even if your forward is wrong.

Masks are bool arrays with True = "this query may attend to this key" (the convention of
``torch.nn.functional.scaled_dot_product_attention``; note that ``torch.nn.MultiheadAttention``
uses the opposite one).

Dimensions: N sequences in a minibatch, h heads, T positions (Tq query and Tk key positions
when they differ), d the size of one head's queries and keys, dv the size of one head's values,
E = h * d the model width. Every array is float64 except masks (bool). Never modify an
argument in place.
"""

import numpy as np


def sdpa_forward(q, k, v, mask=None):
    """Scaled dot-product attention: out = softmax(q k^T / sqrt(d)) v, row by row.

    Where ``mask`` is False the score is replaced by -inf before the softmax, so that key gets
    weight exactly 0. A query row whose mask has no True entry would attend to nothing: raise
    ValueError instead of returning NaN.

    Inputs:
    - q: queries, of shape (N, h, Tq, d)
    - k: keys, of shape (N, h, Tk, d)
    - v: values, of shape (N, h, Tk, dv)
    - mask: None (attend everywhere) or a bool array of shape (Tq, Tk), shared by every
      sequence and head; mask[i, j] is True when query i may attend to key j

    Returns a tuple of:
    - out: attended values, of shape (N, h, Tq, dv)
    - cache: dict with keys "q", "k", "v" (the inputs, unchanged) and "attn", the attention
      weights of shape (N, h, Tq, Tk) (each row sums to 1, exactly 0 where mask is False)

    Raises:
    - ValueError if some row of ``mask`` is all False.
    """
    ### BEGIN SOLUTION
    # TODO: refuse a mask with an all-False row; scores = q k^T / sqrt(d); -inf where the mask
    # TODO: is False; a softmax over the keys (shifted by the row max); weights times v.
    if mask is not None and not np.all(np.any(mask, axis=-1)):
        raise ValueError("sdpa_forward: a row of the mask is all False, so a query sees no key")
    scores = (q @ np.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1])  # (N, h, Tq, Tk)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)  # (N, h, Tq, Tk)
    attn = weights / weights.sum(axis=-1, keepdims=True)
    out = attn @ v  # (N, h, Tq, dv)
    cache = {"q": q, "k": k, "v": v, "attn": attn}
    ### END SOLUTION
    return out, cache


def sdpa_backward(dout, cache):
    """Backward pass of scaled dot-product attention.

    Inputs:
    - dout: upstream gradient, of shape (N, h, Tq, dv)
    - cache: dict from sdpa_forward with keys "q" (N, h, Tq, d), "k" (N, h, Tk, d),
      "v" (N, h, Tk, dv) and "attn" (N, h, Tq, Tk)

    Returns a tuple of:
    - dq: gradient with respect to q, of shape (N, h, Tq, d)
    - dk: gradient with respect to k, of shape (N, h, Tk, d)
    - dv: gradient with respect to v, of shape (N, h, Tk, dv)
    """
    ### BEGIN SOLUTION
    # TODO: back through attn @ v, then the softmax (P * (dP - rowsum(dP * P))), then the
    # TODO: scaled product q k^T. The mask needs no special care: attn is 0 where it was False.
    q, k, v, attn = cache["q"], cache["k"], cache["v"], cache["attn"]
    dv = np.swapaxes(attn, -1, -2) @ dout  # (N, h, Tk, dv)
    dattn = dout @ np.swapaxes(v, -1, -2)  # (N, h, Tq, Tk)
    dscores = attn * (dattn - np.sum(dattn * attn, axis=-1, keepdims=True))  # (N, h, Tq, Tk)
    dscores = dscores / np.sqrt(q.shape[-1])
    dq = dscores @ k  # (N, h, Tq, d)
    dk = np.swapaxes(dscores, -1, -2) @ q  # (N, h, Tk, d)
    ### END SOLUTION
    return dq, dk, dv


def mha_forward(x, Wq, Wk, Wv, Wo, bq, bk, bv, bo, n_heads, causal):
    """Multi-head self-attention.

    q = x Wq + bq, k = x Wk + bk, v = x Wv + bv, each split into n_heads heads of width
    d = E / n_heads (head i owns columns i*d to (i+1)*d - 1); each head goes through
    sdpa_forward (with a lower-triangular mask when ``causal``: position t may attend to
    positions 0..t only); the heads' outputs are concatenated back to width E (head i in
    columns i*d to (i+1)*d - 1) and projected: out = concat Wo + bo.

    Call sdpa_forward by its module-level name (the grader may swap in its own version).

    Inputs:
    - x: input sequences, of shape (N, T, E)
    - Wq, Wk, Wv, Wo: projection weights, each of shape (E, E)
    - bq, bk, bv, bo: projection biases, each of shape (E,)
    - n_heads: number of heads h, an int dividing E
    - causal: bool; if True, position t attends only to positions <= t

    Returns a tuple of:
    - out: output sequences, of shape (N, T, E)
    - cache: dict with keys
        "x", "Wq", "Wk", "Wv", "Wo" (the inputs, unchanged), "n_heads" (int), "causal" (bool),
        "ctx": the concatenated heads before the output projection, of shape (N, T, E),
        "sdpa.q", "sdpa.k", "sdpa.v", "sdpa.attn": sdpa_forward's cache, each key prefixed by
        "sdpa." (q, k, v of shape (N, h, T, d); attn of shape (N, h, T, T))
    """
    ### BEGIN SOLUTION
    # TODO: project, split into heads (N, T, E) -> (N, h, T, d), build the causal mask if
    # TODO: asked, attend with sdpa_forward, merge the heads back to (N, T, E), project.
    n, t, e = x.shape
    width = e // n_heads
    qh, kh, vh = (
        (x @ w + b).reshape(n, t, n_heads, width).transpose(0, 2, 1, 3)  # (N, h, T, d)
        for w, b in ((Wq, bq), (Wk, bk), (Wv, bv))
    )
    allowed = np.tril(np.ones((t, t), dtype=bool)) if causal else None  # (T, T)
    heads, head_cache = sdpa_forward(qh, kh, vh, allowed)  # (N, h, T, d)
    ctx = heads.transpose(0, 2, 1, 3).reshape(n, t, e)  # (N, T, E)
    out = ctx @ Wo + bo  # (N, T, E)
    cache = {"x": x, "Wq": Wq, "Wk": Wk, "Wv": Wv, "Wo": Wo, "n_heads": n_heads}
    cache.update({"causal": causal, "ctx": ctx})
    cache.update({"sdpa." + key: value for key, value in head_cache.items()})
    ### END SOLUTION
    return out, cache


def mha_backward(dout, cache):
    """Backward pass of multi-head self-attention.

    Call sdpa_backward by its module-level name (the grader may swap in its own version).

    Inputs:
    - dout: upstream gradient, of shape (N, T, E)
    - cache: dict from mha_forward (keys listed in its docstring)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, E)
    - dWq, dWk, dWv, dWo: gradients with respect to the weights, each of shape (E, E)
    - dbq, dbk, dbv, dbo: gradients with respect to the biases, each of shape (E,)
    """
    ### BEGIN SOLUTION
    # TODO: back through the output projection, split dctx into heads like the forward did,
    # TODO: call sdpa_backward on the "sdpa." part of the cache, merge the heads, and go back
    # TODO: through the three input projections (x feeds all three: add their dx).
    x, ctx, n_heads = cache["x"], cache["ctx"], cache["n_heads"]
    n, t, e = x.shape
    flat_x = x.reshape(n * t, e)  # (N*T, E)
    flat_dout = dout.reshape(n * t, e)  # (N*T, E)
    dWo = ctx.reshape(n * t, e).T @ flat_dout  # (E, E)
    dbo = flat_dout.sum(axis=0)  # (E,)
    dctx = dout @ cache["Wo"].T  # (N, T, E)
    dheads = dctx.reshape(n, t, n_heads, e // n_heads).transpose(0, 2, 1, 3)  # (N, h, T, d)
    head_cache = {key[5:]: value for key, value in cache.items() if key.startswith("sdpa.")}
    dqh, dkh, dvh = sdpa_backward(dheads, head_cache)  # each (N, h, T, d)
    dq, dk, dv = (g.transpose(0, 2, 1, 3).reshape(n * t, e) for g in (dqh, dkh, dvh))
    dWq, dWk, dWv = flat_x.T @ dq, flat_x.T @ dk, flat_x.T @ dv  # each (E, E)
    dbq, dbk, dbv = dq.sum(axis=0), dk.sum(axis=0), dv.sum(axis=0)  # each (E,)
    dx = (dq @ cache["Wq"].T + dk @ cache["Wk"].T + dv @ cache["Wv"].T).reshape(n, t, e)
    ### END SOLUTION
    return dx, dWq, dWk, dWv, dWo, dbq, dbk, dbv, dbo


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """Layer normalisation over the last axis.

    out = gamma * (x - mean) / sqrt(var + eps) + beta, where mean and var are taken over the
    last axis of x, and var is the biased variance (divide by E, not E - 1).

    Inputs:
    - x: input, of shape (..., E) (e.g. (N, T, E) or (N, E))
    - gamma: scale, of shape (E,)
    - beta: shift, of shape (E,)
    - eps: a float added to the variance

    Returns a tuple of:
    - out: normalised output, of the same shape as x
    - cache: dict with keys "x", "gamma", "beta", "eps" (the inputs, unchanged),
      "xhat" ((x - mean) / sqrt(var + eps), the shape of x) and "rstd"
      (1 / sqrt(var + eps), of shape (..., 1))
    """
    ### BEGIN SOLUTION
    # TODO: mean and biased variance over the last axis, normalise, then scale and shift.
    centred = x - x.mean(axis=-1, keepdims=True)  # (..., E)
    rstd = 1.0 / np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + eps)  # (..., 1)
    xhat = centred * rstd  # (..., E)
    out = gamma * xhat + beta
    cache = {"x": x, "gamma": gamma, "beta": beta, "eps": eps, "xhat": xhat, "rstd": rstd}
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalisation.

    Inputs:
    - dout: upstream gradient, of the shape of x, (..., E)
    - cache: dict from layernorm_forward with keys "x", "gamma", "beta", "eps", "xhat", "rstd"

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (..., E)
    - dgamma: gradient with respect to gamma, of shape (E,)
    - dbeta: gradient with respect to beta, of shape (E,)
    """
    ### BEGIN SOLUTION
    # TODO: dgamma and dbeta sum over every axis but the last. For dx, with g = dout * gamma:
    # TODO: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), means over the last axis.
    xhat, rstd = cache["xhat"], cache["rstd"]
    leading = tuple(range(dout.ndim - 1))
    dgamma = np.sum(dout * xhat, axis=leading)  # (E,)
    dbeta = np.sum(dout, axis=leading)  # (E,)
    g = dout * cache["gamma"]  # (..., E)
    g_mean = g.mean(axis=-1, keepdims=True)  # (..., 1)
    gx_mean = np.mean(g * xhat, axis=-1, keepdims=True)  # (..., 1)
    dx = rstd * (g - g_mean - xhat * gx_mean)  # (..., E)
    ### END SOLUTION
    return dx, dgamma, dbeta


def positional_encoding(T, d):
    """Sinusoidal position encodings of the Transformer.

    PE[p, 2i] = sin(p / 10000^(2i/d)) and PE[p, 2i+1] = cos(p / 10000^(2i/d)): columns 2i and
    2i + 1 share one frequency. For odd d the last column, d - 1, is a sine.

    Inputs:
    - T: number of positions, an int >= 1
    - d: encoding width, an int >= 1

    Returns:
    - PE: float64 array of shape (T, d)
    """
    ### BEGIN SOLUTION
    # TODO: a (T, 1) column of positions against a (d,) row of frequencies; sine in the even
    # TODO: columns, cosine in the odd ones.
    positions = np.arange(T, dtype=np.float64)[:, None]  # (T, 1)
    columns = np.arange(d)  # (d,)
    frequencies = np.power(10000.0, -(columns - columns % 2) / d)  # (d,)
    angles = positions * frequencies  # (T, d)
    PE = np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))  # (T, d)
    ### END SOLUTION
    return PE
