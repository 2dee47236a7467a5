"""Zaremba, Sutskever and Vinyals (2014): dropout for a multi-layer LSTM, on the right wires.

Dropout regularises an LSTM only if it leaves the memory alone: masks go on the non-recurrent
connections (into the first layer, between layers, before the output layer) and never on the
recurrent path h_{t-1} -> h_t. Masks are arguments: the caller draws the uniforms, so every
function here is deterministic and can be checked exactly.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` returns the gradients of the loss with respect to the forward's inputs. ``cache`` is a
flat dict whose keys each docstring fixes: the grader builds caches with its own forward and
hands them to your backward, so read only the documented keys.

Dimensions: N sequences in a minibatch, T time steps, D input features, H hidden units in each
LSTM layer, V outputs (the vocabulary of a language model). Arrays are float64; a dropout
probability p is a float in [0, 1). Never modify an argument in place.
"""

import numpy as np
from provided import lstm_step_backward, lstm_step_forward, nest, unnest

PARAM_NAMES = ("Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2", "Wy", "by")


def make_keep_mask(u, p):
    """The keep mask of dropout with drop probability p, from uniforms drawn by the caller.

    A unit is kept when its uniform is at least p, so it is kept with probability 1 - p.

    Inputs:
    - u: uniforms in [0, 1), an array of any shape
    - p: drop probability, a float in [0, 1)

    Returns:
    - mask: float64 array of u's shape, 1.0 where the unit is kept and 0.0 where it is dropped
    """
    ### BEGIN SOLUTION
    # TODO: compare u with p (a uniform equal to p is kept) and convert to float64.
    mask = (u >= p).astype(np.float64)
    ### END SOLUTION
    return mask


def dropout_forward(x, mask, p):
    """Inverted dropout with an injected mask: out = x * mask / (1 - p).

    Scaling the kept units by 1/(1 - p) during training keeps E[out] = x, so nothing changes at
    test time (pass an all-ones mask and p = 0 there, or simply skip the layer).

    Inputs:
    - x: input, of any shape, e.g. (N, T, D)
    - mask: keep mask of 0.0 and 1.0, of x's shape or broadcastable to it, e.g. (N, 1, D) for
      one mask per sequence shared by all time steps
    - p: drop probability the mask was drawn with, a float in [0, 1); p = 0 with an all-ones
      mask is the identity

    Returns a tuple of:
    - out: output, of x's shape
    - cache: dict with keys "mask" (the mask as given) and "p"
    """
    ### BEGIN SOLUTION
    # TODO: multiply by the mask and rescale by 1/(1 - p); keep what the backward needs.
    out = x * (mask / (1.0 - p))  # x's shape
    cache = {"mask": mask, "p": p}
    ### END SOLUTION
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream gradient, of the forward input's shape
    - cache: dict from dropout_forward with keys "mask" (broadcastable to dout) and "p"

    Returns:
    - dx: gradient with respect to x, of dout's shape
    """
    ### BEGIN SOLUTION
    # TODO: the gradient flows only through kept units, with the same 1/(1 - p) scale.
    dx = dout * (cache["mask"] / (1.0 - cache["p"]))  # dout's shape
    ### END SOLUTION
    return dx


def zaremba_lstm_forward(x, h0, c0, params, masks, p):
    """Two stacked LSTM layers and an affine output layer, dropout on the vertical wires only.

        x~ = dropout(x, masks["in"])                   the input sequence
        h1_t = LSTM1(x~_t, h1_{t-1}),  t = 0..T-1      recurrence untouched
        h1~ = dropout(h1, masks["mid"])                between the layers
        h2_t = LSTM2(h1~_t, h2_{t-1})                  recurrence untouched
        logits = dropout(h2, masks["out"]) Wy + by

    Call the cell through ``lstm_step_forward`` (from provided.py) and the three dropout sites
    through ``dropout_forward``: the grader may swap in its own versions of those two names.

    Inputs:
    - x: inputs, of shape (N, T, D)
    - h0, c0: initial hidden and cell states, of shape (2, N, H); index 0 is the lower layer
    - params: dict with "Wx1" (D, 4H), "Wh1" (H, 4H), "b1" (4H,) for the lower layer, "Wx2"
      (H, 4H), "Wh2" (H, 4H), "b2" (4H,) for the upper layer, "Wy" (H, V), "by" (V,)
    - masks: dict of keep masks "in" (broadcastable to (N, T, D)), "mid" and "out" (each
      broadcastable to (N, T, H)); (N, 1, .) masks share one mask across all time steps
    - p: drop probability, a float in [0, 1)

    Returns a tuple of:
    - logits: output scores, of shape (N, T, V)
    - cache: flat dict with keys
        "drop_in.*", "drop_mid.*", "drop_out.*"   dropout_forward's cache at each site
                                                  ("drop_in.mask", "drop_in.p", ...)
        "lstm1.t{t}.*", "lstm2.t{t}.*"            lstm_step_forward's cache of layer 1 or 2
                                                  at step t = 0..T-1 ("lstm1.t0.x", ...)
        "top"                                     (N, T, H): the dropped upper-layer output
        "Wy"                                      (H, V)
      provided.py's ``nest(prefix, cache)`` writes a sub-cache under a prefix and
      ``unnest(cache, prefix)`` reads it back.
    """
    ### BEGIN SOLUTION
    # TODO: dropout on x; run layer 1 over all steps; dropout between the layers; run layer 2;
    # TODO: dropout on its output; affine to V outputs. Store every sub-cache under its prefix.
    steps = x.shape[1]
    cache = {}
    seq, site_cache = dropout_forward(x, masks["in"], p)  # (N, T, D)
    cache.update(nest("drop_in", site_cache))
    for layer, site in ((1, "mid"), (2, "out")):
        h, c = h0[layer - 1], c0[layer - 1]  # (N, H)
        states = []
        for t in range(steps):
            Wx, Wh, b = params[f"Wx{layer}"], params[f"Wh{layer}"], params[f"b{layer}"]
            (h, c), step_cache = lstm_step_forward(seq[:, t], h, c, Wx, Wh, b)
            cache.update(nest(f"lstm{layer}.t{t}", step_cache))
            states.append(h)
        seq, site_cache = dropout_forward(np.stack(states, axis=1), masks[site], p)  # (N, T, H)
        cache.update(nest(f"drop_{site}", site_cache))
    logits = seq @ params["Wy"] + params["by"]  # (N, T, V)
    cache["top"], cache["Wy"] = seq, params["Wy"]
    ### END SOLUTION
    return logits, cache


def zaremba_lstm_backward(dlogits, cache):
    """Backward pass of zaremba_lstm_forward, through time and through both layers.

    Call the cell's backward through ``lstm_step_backward`` and dropout's through
    ``dropout_backward``. Each layer's hidden state receives gradient from two places: the
    layer above at the same step, and its own next step (zero after the last step).

    Inputs:
    - dlogits: upstream gradient, of shape (N, T, V)
    - cache: dict from zaremba_lstm_forward (keys listed there)

    Returns:
    - grads: dict with "dx" (N, T, D), "dh0" (2, N, H), "dc0" (2, N, H), and one entry per
      parameter, keyed and shaped like params: "Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2", "Wy",
      "by"
    """
    ### BEGIN SOLUTION
    # TODO: Wy and by first; then for layer 2 and layer 1 in turn: dropout backward, then
    # TODO: steps T-1 down to 0, carrying dh and dc backwards and summing weight gradients.
    top, Wy = cache["top"], cache["Wy"]
    steps = top.shape[1]
    grads = {"Wy": np.einsum("nth,ntv->hv", top, dlogits), "by": dlogits.sum(axis=(0, 1))}
    dseq = dlogits @ Wy.T  # (N, T, H)
    dh0, dc0 = [None, None], [None, None]
    for layer, site in ((2, "out"), (1, "mid")):
        dseq = dropout_backward(dseq, unnest(cache, f"drop_{site}"))  # (N, T, H)
        dh, dc = np.zeros_like(dseq[:, 0]), np.zeros_like(dseq[:, 0])  # (N, H)
        dinputs = [None] * steps
        dWx = dWh = db = 0.0
        for t in reversed(range(steps)):
            step_cache = unnest(cache, f"lstm{layer}.t{t}")
            dinputs[t], dh, dc, gWx, gWh, gb = lstm_step_backward((dseq[:, t] + dh, dc), step_cache)
            dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
        grads[f"Wx{layer}"], grads[f"Wh{layer}"], grads[f"b{layer}"] = dWx, dWh, db
        dh0[layer - 1], dc0[layer - 1] = dh, dc
        dseq = np.stack(dinputs, axis=1)  # (N, T, D) below layer 1, (N, T, H) below layer 2
    grads["dx"] = dropout_backward(dseq, unnest(cache, "drop_in"))  # (N, T, D)
    grads["dh0"], grads["dc0"] = np.stack(dh0), np.stack(dc0)  # (2, N, H)
    ### END SOLUTION
    return grads
