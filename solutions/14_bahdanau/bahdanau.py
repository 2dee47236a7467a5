"""Bahdanau, Cho and Bengio (2015): translation that learns where to look in the source.

A bidirectional RNN turns the source sentence into one annotation per word, h_j = [forward h_j;
backward h_j], so each annotation describes its word in the context of the whole sentence. At
every target step the decoder scores each annotation against its previous state s_{i-1} with a
small feed-forward net (additive attention), takes the softmax of the scores as an alignment
alpha_ij, and reads the alpha-weighted average of the annotations as its context. The decoder
here is a plain tanh RNN rather than the paper's gated unit.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` returns the gradients of the loss with respect to the forward's inputs, in argument
order. ``cache`` is a flat dict whose keys each docstring fixes: the grader builds caches with
its own forward and hands them to your backward, so read only the documented keys.

Dimensions: N sentences in a minibatch, T source positions (equal within a batch: bucket by
length), D source embedding size, H hidden units per encoder direction (annotations have 2H),
S decoder state size, A attention size, E target embedding size, V target vocabulary size.
Arrays are float64 except src_mask (bool). Never modify an argument in place.
"""

import numpy as np


def birnn_forward(x, pf, pb):
    """Bidirectional tanh RNN encoder: one annotation per source position.

        forward:   f_j = tanh(x_j Wx_f + f_{j-1} Wh_f + b_f),   j = 0 .. T-1,  f_{-1} = 0
        backward:  r_j = tanh(x_j Wx_b + r_{j+1} Wh_b + b_b),   j = T-1 .. 0,  r_T = 0
        Hann[:, j] = [f_j, r_j]

    The forward state f_j has read x_0 .. x_j; the backward state r_j has read x_{T-1} .. x_j.
    Both are stored at position j.

    Inputs:
    - x: source embeddings, of shape (N, T, D)
    - pf: the forward RNN's weights, a tuple (Wx (D, H), Wh (H, H), b (H,))
    - pb: the backward RNN's weights, a tuple of the same shapes

    Returns a tuple of:
    - Hann: annotations, of shape (N, T, 2H); [..., :H] forward, [..., H:] backward
    - cache: dict with keys "x" (N, T, D), "fwd.Wx", "fwd.Wh" and "bwd.Wx", "bwd.Wh" (the
      weights), "fwd.h" and "bwd.h" (N, T, H): each direction's states by source position
    """
    ### BEGIN SOLUTION
    # TODO: run one tanh RNN left to right and one right to left (both from zero states),
    # TODO: store each direction's state at the position it was computed for, concatenate.
    n, steps, _ = x.shape
    cache = {"x": x}
    halves = []
    for name, (Wx, Wh, b), order in (
        ("fwd", pf, range(steps)),
        ("bwd", pb, range(steps - 1, -1, -1)),
    ):
        states = np.zeros((n, steps, Wh.shape[0]))  # (N, T, H)
        h = np.zeros((n, Wh.shape[0]))  # (N, H)
        for j in order:
            h = np.tanh(x[:, j] @ Wx + h @ Wh + b)  # (N, H)
            states[:, j] = h
        halves.append(states)
        cache.update({f"{name}.Wx": Wx, f"{name}.Wh": Wh, f"{name}.h": states})
    Hann = np.concatenate(halves, axis=2)  # (N, T, 2H)
    ### END SOLUTION
    return Hann, cache


def birnn_backward(dHann, cache):
    """Backward pass of birnn_forward, through time in both directions.

    Inputs:
    - dHann: upstream gradient, of shape (N, T, 2H)
    - cache: dict from birnn_forward (keys listed there)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, T, D)
    - dpf: gradients of the forward RNN's weights, a tuple (dWx (D, H), dWh (H, H), db (H,))
    - dpb: gradients of the backward RNN's weights, a tuple of the same shapes
    """
    ### BEGIN SOLUTION
    # TODO: for each direction, walk its steps in reverse processing order, adding the gradient
    # TODO: carried from the step that came after; the "previous" state of the backward RNN at
    # TODO: position j is the one at j + 1.
    x = cache["x"]
    steps, hid = x.shape[1], cache["fwd.Wh"].shape[0]
    dx = np.zeros_like(x)  # (N, T, D)
    grads = []
    for name, dstates, order, prev in (
        ("fwd", dHann[:, :, :hid], range(steps - 1, -1, -1), -1),
        ("bwd", dHann[:, :, hid:], range(steps), +1),
    ):
        Wx, Wh, states = cache[f"{name}.Wx"], cache[f"{name}.Wh"], cache[f"{name}.h"]
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(hid)
        dcarry = np.zeros_like(states[:, 0])  # (N, H)
        for j in order:
            dpre = (dstates[:, j] + dcarry) * (1.0 - states[:, j] ** 2)  # (N, H)
            h_before = states[:, j + prev] if 0 <= j + prev < steps else np.zeros_like(dpre)
            dWx += x[:, j].T @ dpre
            dWh += h_before.T @ dpre
            db += dpre.sum(axis=0)
            dx[:, j] += dpre @ Wx.T
            dcarry = dpre @ Wh.T
        grads.append((dWx, dWh, db))
    dpf, dpb = grads
    ### END SOLUTION
    return dx, dpf, dpb


def additive_attention_forward(s_prev, Hann, src_mask, Wa, Ua, v):
    """Additive (Bahdanau) attention of one decoder step over the source annotations.

        e_j = v . tanh(s_prev Wa + Hann_j Ua)                     (N, T) scores
        alpha = softmax of e over the positions where src_mask is True (0 elsewhere)
        context = sum_j alpha_j Hann_j                            (N, 2H)

    Inputs:
    - s_prev: the decoder's previous state s_{i-1}, of shape (N, S)
    - Hann: annotations, of shape (N, T, 2H)
    - src_mask: bool, of shape (N, T); True marks real source positions. Every row has at
      least one True
    - Wa: of shape (S, A);  Ua: of shape (2H, A);  v: of shape (A,)

    Returns a tuple of:
    - context: of shape (N, 2H)
    - cache: dict with keys "s_prev", "Hann", "src_mask", "Wa", "Ua", "v" (the inputs),
      "act" (N, T, A): the tanh activations, and "alpha" (N, T): the attention weights
    """
    ### BEGIN SOLUTION
    # TODO: scores from the tanh of both projections, a softmax that gives masked positions
    # TODO: exactly zero weight (shift by the row maximum first), then the weighted sum.
    act = np.tanh((s_prev @ Wa)[:, None, :] + Hann @ Ua)  # (N, T, A)
    scores = np.where(src_mask, act @ v, -np.inf)  # (N, T)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))  # 0 where masked
    alpha = weights / weights.sum(axis=1, keepdims=True)  # (N, T)
    context = np.einsum("nt,ntk->nk", alpha, Hann)  # (N, 2H)
    cache = {"s_prev": s_prev, "Hann": Hann, "src_mask": src_mask, "Wa": Wa, "Ua": Ua, "v": v}
    cache.update(act=act, alpha=alpha)
    ### END SOLUTION
    return context, cache


def additive_attention_backward(dcontext, cache):
    """Backward pass of additive_attention_forward.

    Inputs:
    - dcontext: upstream gradient, of shape (N, 2H)
    - cache: dict from additive_attention_forward (keys listed there)

    Returns a tuple of:
    - ds_prev: of shape (N, S)
    - dHann: of shape (N, T, 2H); exactly 0 at masked positions
    - dWa: of shape (S, A);  dUa: of shape (2H, A);  dv: of shape (A,)
    """
    ### BEGIN SOLUTION
    # TODO: Hann receives gradient twice: directly through the weighted sum and through the
    # TODO: scores. Softmax backward: de = alpha * (dalpha - sum_j alpha_j dalpha_j).
    Hann, alpha, act = cache["Hann"], cache["alpha"], cache["act"]
    dalpha = np.einsum("ntk,nk->nt", Hann, dcontext)  # (N, T)
    de = alpha * (dalpha - (alpha * dalpha).sum(axis=1, keepdims=True))  # (N, T)
    dv = np.einsum("nta,nt->a", act, de)  # (A,)
    dpre = de[:, :, None] * cache["v"] * (1.0 - act**2)  # (N, T, A)
    dHann = alpha[:, :, None] * dcontext[:, None, :] + dpre @ cache["Ua"].T  # (N, T, 2H)
    dUa = np.einsum("ntk,nta->ka", Hann, dpre)  # (2H, A)
    dquery = dpre.sum(axis=1)  # (N, A)
    dWa = cache["s_prev"].T @ dquery  # (S, A)
    ds_prev = dquery @ cache["Wa"].T  # (N, S)
    ### END SOLUTION
    return ds_prev, dHann, dWa, dUa, dv


def decoder_step_forward(y_prev_emb, s_prev, context, p):
    """One step of the tanh RNN decoder, fed the previous target word and the context.

        s = tanh(y_prev_emb Wy + s_prev Ws + context Wc + b)
        logits = [s, context] Wout + bout

    Inputs:
    - y_prev_emb: embedding of the previous target word, of shape (N, E)
    - s_prev: previous decoder state, of shape (N, S)
    - context: this step's context from the attention, of shape (N, 2H)
    - p: dict with "Wy" (E, S), "Ws" (S, S), "Wc" (2H, S), "b" (S,), "Wout" (S + 2H, V),
      "bout" (V,)

    Returns a tuple of:
    - (s, logits): the new state (N, S) and the output scores (N, V)
    - cache: dict with keys "y_prev_emb", "s_prev", "context" (the inputs), "s" (N, S),
      "Wy", "Ws", "Wc", "Wout" (the weights)
    """
    ### BEGIN SOLUTION
    # TODO: the new state from three inputs; the output layer reads the state and the context.
    s = np.tanh(y_prev_emb @ p["Wy"] + s_prev @ p["Ws"] + context @ p["Wc"] + p["b"])  # (N, S)
    logits = np.concatenate([s, context], axis=1) @ p["Wout"] + p["bout"]  # (N, V)
    cache = {"y_prev_emb": y_prev_emb, "s_prev": s_prev, "context": context, "s": s}
    cache.update({name: p[name] for name in ("Wy", "Ws", "Wc", "Wout")})
    ### END SOLUTION
    return (s, logits), cache


def decoder_step_backward(dout, cache):
    """Backward pass of decoder_step_forward.

    Inputs:
    - dout: a tuple (ds, dlogits): upstream gradients of s (N, S) and of logits (N, V)
    - cache: dict from decoder_step_forward (keys listed there)

    Returns a tuple of:
    - dy_prev_emb: of shape (N, E)
    - ds_prev: of shape (N, S)
    - dcontext: of shape (N, 2H)
    - dp: dict of gradients keyed and shaped like p: "Wy", "Ws", "Wc", "b", "Wout", "bout"
    """
    ### BEGIN SOLUTION
    # TODO: the output layer sends gradient to s and to the context; s also gets ds from
    # TODO: the next step. Then back through the tanh to the three inputs.
    ds, dlogits = dout
    s, context = cache["s"], cache["context"]
    size = s.shape[1]
    features = np.concatenate([s, context], axis=1)  # (N, S + 2H)
    dfeatures = dlogits @ cache["Wout"].T  # (N, S + 2H)
    dpre = (ds + dfeatures[:, :size]) * (1.0 - s**2)  # (N, S)
    dp = {
        "Wy": cache["y_prev_emb"].T @ dpre,
        "Ws": cache["s_prev"].T @ dpre,
        "Wc": context.T @ dpre,
        "b": dpre.sum(axis=0),
        "Wout": features.T @ dlogits,
        "bout": dlogits.sum(axis=0),
    }
    dy_prev_emb = dpre @ cache["Wy"].T  # (N, E)
    ds_prev = dpre @ cache["Ws"].T  # (N, S)
    dcontext = dfeatures[:, size:] + dpre @ cache["Wc"].T  # (N, 2H)
    ### END SOLUTION
    return dy_prev_emb, ds_prev, dcontext, dp
