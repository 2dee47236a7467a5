"""Bahdanau, Cho and Bengio (2015): translation that learns where to look in the source.

A bidirectional RNN turns the source sentence into one annotation per word, h_j = [forward h_j;
backward h_j], so each annotation describes its word in the context of the whole sentence. At
every target step the decoder scores each annotation against its previous state s_{i-1} with a
small feed-forward net (additive attention), takes the softmax of the scores as an alignment
alpha_ij, and reads the alpha-weighted average of the annotations as its context. The decoder
comes twice: decoder_step_* is a plain tanh RNN (the curriculum's simplification), and
gru_decoder_step_* is the paper's gated unit, built on gru_cell_* (torch's nn.GRUCell).

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` returns the gradients of the loss with respect to the forward's inputs, in argument
order. ``cache`` is a flat dict whose keys each docstring fixes: the grader builds caches with
its own forward and hands them to your backward, so read only the documented keys.

Dimensions: N sentences in a minibatch, T source positions (equal within a batch: bucket by
length), D source embedding size, H hidden units per encoder direction (annotations have 2H),
S decoder state size, A attention size, E target embedding size, V target vocabulary size;
the GRU cell on its own reads inputs of size D and keeps a state of size S.
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


def gru_cell_forward(x, h_prev, Wx, Wh, bx, bh):
    """One step of a gated recurrent unit, with torch's nn.GRUCell conventions.

    The last axis of Wx, Wh, bx and bh holds three blocks of S columns, in the order r, z, n:

        r = sigmoid(x Wx_r + bx_r + h_prev Wh_r + bh_r)           reset gate
        z = sigmoid(x Wx_z + bx_z + h_prev Wh_z + bh_z)           update gate
        n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))        candidate state
        h = (1 - z) * n + z * h_prev

    The reset gate multiplies the hidden projection together with its bias bh_n, as torch
    does (the paper and some textbooks apply it to h_prev before the matrix). z near 1 keeps
    the old state; z near 0 replaces it with the candidate.

    Inputs:
    - x: input, of shape (N, D)
    - h_prev: previous state, of shape (N, S)
    - Wx: input weights, of shape (D, 3S)
    - Wh: recurrent weights, of shape (S, 3S)
    - bx: input bias, of shape (3S,)
    - bh: recurrent bias, of shape (3S,)

    Returns a tuple of:
    - h: the new state, of shape (N, S)
    - cache: dict with keys "x", "h_prev", "Wx", "Wh" (the inputs), "r", "z", "n" (N, S): the
      gates and the candidate, and "hn" (N, S): h_prev Wh_n + bh_n, the part r multiplies
    """
    ### BEGIN SOLUTION
    # TODO: both projections at once (each (N, 3S)), a sigmoid that only ever exponentiates
    # TODO: numbers <= 0, then the reset gate scales the hidden part of the candidate.
    size = h_prev.shape[1]
    from_x = x @ Wx + bx  # (N, 3S)
    from_h = h_prev @ Wh + bh  # (N, 3S)
    pre = from_x[:, : 2 * size] + from_h[:, : 2 * size]  # (N, 2S): r and z before the sigmoid
    small = np.exp(-np.abs(pre))  # in (0, 1], never overflows
    gates = np.where(pre >= 0, 1.0, small) / (1.0 + small)  # (N, 2S)
    r, z = gates[:, :size], gates[:, size:]  # (N, S) each
    hn = from_h[:, 2 * size :]  # (N, S)
    n = np.tanh(from_x[:, 2 * size :] + r * hn)  # (N, S)
    h = (1.0 - z) * n + z * h_prev  # (N, S)
    cache = {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "r": r, "z": z, "n": n, "hn": hn}
    ### END SOLUTION
    return h, cache


def gru_cell_backward(dh, cache):
    """Backward pass of gru_cell_forward.

    Inputs:
    - dh: upstream gradient of h, of shape (N, S)
    - cache: dict from gru_cell_forward (keys listed there)

    Returns a tuple of:
    - dx: of shape (N, D)
    - dh_prev: of shape (N, S)
    - dWx: of shape (D, 3S);  dWh: of shape (S, 3S)
    - dbx: of shape (3S,);  dbh: of shape (3S,)
    """
    ### BEGIN SOLUTION
    # TODO: h_prev is reached directly (through z * h_prev) and through all three blocks of
    # TODO: h_prev Wh. The n block of the hidden projection sees its gradient scaled by r.
    r, z, n, hn, h_prev = (cache[key] for key in ("r", "z", "n", "hn", "h_prev"))
    dpre_n = dh * (1.0 - z) * (1.0 - n**2)  # (N, S)
    dpre_r = dpre_n * hn * r * (1.0 - r)  # (N, S)
    dpre_z = dh * (h_prev - n) * z * (1.0 - z)  # (N, S)
    dfrom_x = np.concatenate([dpre_r, dpre_z, dpre_n], axis=1)  # (N, 3S)
    dfrom_h = np.concatenate([dpre_r, dpre_z, dpre_n * r], axis=1)  # (N, 3S)
    dx = dfrom_x @ cache["Wx"].T  # (N, D)
    dh_prev = dh * z + dfrom_h @ cache["Wh"].T  # (N, S)
    dWx = cache["x"].T @ dfrom_x  # (D, 3S)
    dWh = h_prev.T @ dfrom_h  # (S, 3S)
    dbx, dbh = dfrom_x.sum(axis=0), dfrom_h.sum(axis=0)  # (3S,) each
    ### END SOLUTION
    return dx, dh_prev, dWx, dWh, dbx, dbh


def gru_decoder_step_forward(y_prev_emb, s_prev, context, p):
    """One step of the paper's gated decoder, fed the previous target word and the context.

        s = gru_cell([y_prev_emb, context], s_prev)     (gru_cell_forward, Wx reads E + 2H)
        logits = [s, context] Wout + bout

    Call gru_cell_forward by its module-level name (the grader may swap in its own).

    Inputs:
    - y_prev_emb: embedding of the previous target word, of shape (N, E)
    - s_prev: previous decoder state, of shape (N, S)
    - context: this step's context from the attention, of shape (N, 2H)
    - p: dict with "Wx" (E + 2H, 3S), "Wh" (S, 3S), "bx" (3S,), "bh" (3S,): the cell's
      weights, and "Wout" (S + 2H, V), "bout" (V,): the output layer

    Returns a tuple of:
    - (s, logits): the new state (N, S) and the output scores (N, V)
    - cache: dict with keys "y_prev_emb", "context" (the inputs), "s" (N, S), "Wout" (the
      weights), and the cell's cache under "cell." + each of its keys ("cell.x", "cell.h_prev",
      "cell.Wx", "cell.Wh", "cell.r", "cell.z", "cell.n", "cell.hn")
    """
    ### BEGIN SOLUTION
    # TODO: the cell reads the word and the context side by side; the output layer reads the
    # TODO: new state and the context. Keep the cell's cache under prefixed keys.
    inputs = np.concatenate([y_prev_emb, context], axis=1)  # (N, E + 2H)
    s, cell_cache = gru_cell_forward(inputs, s_prev, p["Wx"], p["Wh"], p["bx"], p["bh"])
    logits = np.hstack([s, context]) @ p["Wout"] + p["bout"]  # (N, V)
    cache = {"cell." + key: value for key, value in cell_cache.items()}
    cache.update(y_prev_emb=y_prev_emb, context=context, s=s, Wout=p["Wout"])
    ### END SOLUTION
    return (s, logits), cache


def gru_decoder_step_backward(dout, cache):
    """Backward pass of gru_decoder_step_forward.

    Call gru_cell_backward by its module-level name, on the cell's cache rebuilt from the
    "cell." keys.

    Inputs:
    - dout: a tuple (ds, dlogits): upstream gradients of s (N, S) and of logits (N, V)
    - cache: dict from gru_decoder_step_forward (keys listed there)

    Returns a tuple of:
    - dy_prev_emb: of shape (N, E)
    - ds_prev: of shape (N, S)
    - dcontext: of shape (N, 2H)
    - dp: dict of gradients keyed and shaped like p: "Wx", "Wh", "bx", "bh", "Wout", "bout"
    """
    ### BEGIN SOLUTION
    # TODO: s gets gradient from the next step and from the logits; the cell's input gradient
    # TODO: splits back into the word's part and the context's, which also reached the logits.
    ds, dlogits = dout
    s, context = cache["s"], cache["context"]
    readout = np.hstack([s, context])  # (N, S + 2H)
    dreadout = dlogits @ cache["Wout"].T  # (N, S + 2H)
    cell_cache = {key[5:]: value for key, value in cache.items() if key.startswith("cell.")}
    dinputs, ds_prev, dWx, dWh, dbx, dbh = gru_cell_backward(
        ds + dreadout[:, : s.shape[1]], cell_cache
    )
    words = cache["y_prev_emb"].shape[1]
    dy_prev_emb = dinputs[:, :words]  # (N, E)
    dcontext = dinputs[:, words:] + dreadout[:, s.shape[1] :]  # (N, 2H)
    dp = dict(Wx=dWx, Wh=dWh, bx=dbx, bh=dbh, Wout=readout.T @ dlogits, bout=dlogits.sum(axis=0))
    ### END SOLUTION
    return dy_prev_emb, ds_prev, dcontext, dp
