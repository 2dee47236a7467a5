"""Pointer networks (Vinyals, Fortunato and Jaitly, 2015): attention as the output distribution.

Instead of choosing from a fixed vocabulary, the decoder points at one of its n inputs: additive
attention scores u_j = v^T tanh(E_j W1 + d W2) over the encoder states E_j, a softmax over the
positions still available, and the chosen input's embedding fed back into the decoder state.

The scores and the masked log-softmax come in pairs: ``<name>_forward(...)`` returns
``(out, cache)`` and ``<name>_backward(dout, cache)`` returns the gradients with respect to the
forward's inputs, in argument order. ``cache`` is a flat dict whose keys each forward's docstring
fixes: the grader builds caches with its own forward and hands them to your backward.

Dimensions: N sequences in a batch, n input positions, m output steps, H the size of encoder and
decoder states, A the attention size. Reals are float64, indices int64, masks bool. Never modify
an argument in place.
"""

import numpy as np


def pointer_scores_forward(E, d, W1, W2, v):
    """Additive attention scores of one decoder state over every input position.

    u[b, j] = v^T tanh(E[b, j] W1 + d[b] W2)

    Inputs:
    - E: encoder states, of shape (N, n, H)
    - d: decoder states, of shape (N, H)
    - W1: projection of the encoder states, of shape (H, A)
    - W2: projection of the decoder state, of shape (H, A)
    - v: scoring vector, of shape (A,)

    Returns a tuple of:
    - u: scores, of shape (N, n)
    - cache: dict with keys "E", "d", "W1", "W2", "v" (the inputs, unchanged) and
      "t" (the tanh activations, of shape (N, n, A))
    """
    ### BEGIN SOLUTION
    # TODO: project E and d, add them with d broadcast over the n positions, tanh, then dot with v.
    t = np.tanh(E @ W1 + (d @ W2)[:, None, :])  # (N, n, A)
    u = t @ v  # (N, n)
    cache = {"E": E, "d": d, "W1": W1, "W2": W2, "v": v, "t": t}
    ### END SOLUTION
    return u, cache


def pointer_scores_backward(du, cache):
    """Backward pass of pointer_scores_forward.

    Inputs:
    - du: upstream gradient, of shape (N, n)
    - cache: dict from pointer_scores_forward with keys "E" (N, n, H), "d" (N, H),
      "W1" (H, A), "W2" (H, A), "v" (A,), "t" (N, n, A)

    Returns a tuple of:
    - dE: gradient with respect to E, of shape (N, n, H)
    - dd: gradient with respect to d, of shape (N, H)
    - dW1: gradient with respect to W1, of shape (H, A)
    - dW2: gradient with respect to W2, of shape (H, A)
    - dv: gradient with respect to v, of shape (A,)
    """
    ### BEGIN SOLUTION
    # TODO: go back through the dot with v, then tanh (1 - t^2), then both projections; d was
    # TODO: broadcast over the n positions, so its gradient sums over them.
    E, d, t = cache["E"], cache["d"], cache["t"]
    W1, W2, v = cache["W1"], cache["W2"], cache["v"]
    dv = np.einsum("bja,bj->a", t, du)  # (A,)
    dpre = du[:, :, None] * v * (1.0 - t**2)  # (N, n, A)
    dpre_d = dpre.sum(axis=1)  # (N, A)
    dE = dpre @ W1.T  # (N, n, H)
    dW1 = np.einsum("bjh,bja->ha", E, dpre)  # (H, A)
    dd = dpre_d @ W2.T  # (N, H)
    dW2 = d.T @ dpre_d  # (H, A)
    ### END SOLUTION
    return dE, dd, dW1, dW2, dv


def pointer_masks(targets, n):
    """Which input positions are still available at each output step under teacher forcing.

    mask[b, i, j] is True when position j is not among targets[b, :i], the positions the
    target sequence pointed at before step i. Step 0 has every position available.

    Inputs:
    - targets: target pointer sequences, of shape (N, m), int64 in [0, n), with m <= n
      distinct positions per row
    - n: the number of input positions, an int

    Returns:
    - mask: of shape (N, m, n), bool
    """
    ### BEGIN SOLUTION
    # TODO: one-hot the targets, count how often each position was chosen strictly before
    # TODO: step i (a cumulative sum minus the current step), keep the positions never chosen.
    onehot = targets[:, :, None] == np.arange(n)  # (N, m, n)
    chosen_before = np.cumsum(onehot, axis=1) - onehot  # (N, m, n)
    mask = chosen_before == 0
    ### END SOLUTION
    return mask


def masked_log_softmax_forward(u, mask):
    """Log-softmax over the available positions; unavailable positions get -inf.

    logp[..., j] = u[..., j] - log sum_{k available} exp(u[..., k]) if mask[..., j], else -inf.

    Inputs:
    - u: scores, of shape (..., n), e.g. (N, n) or (N, m, n)
    - mask: of the same shape as u, bool; True = available. Every row (last axis) must have at
      least one True entry: raise ValueError otherwise (a softmax over nothing is undefined).

    Returns a tuple of:
    - logp: log-probabilities, of the same shape as u; exactly -inf where mask is False
    - cache: dict with keys "logp" (the output) and "mask" (the input, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: refuse rows with nothing available; replace unavailable scores by -inf, subtract the
    # TODO: row maximum (over available entries), then subtract the log of the sum of exps.
    if not mask.any(axis=-1).all():
        raise ValueError("masked_log_softmax_forward: a row of mask has no available entry")
    masked = np.where(mask, u, -np.inf)  # (..., n)
    shifted = masked - masked.max(axis=-1, keepdims=True)  # (..., n)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # (..., n)
    cache = {"logp": logp, "mask": mask}
    ### END SOLUTION
    return logp, cache


def masked_log_softmax_backward(dlogp, cache):
    """Backward pass of masked_log_softmax_forward.

    With g = dlogp where mask is True and 0 elsewhere (the -inf outputs are constants), and
    p = exp(logp), the gradient is du = g - p * sum(g) over the last axis; it is 0 wherever
    mask is False.

    Inputs:
    - dlogp: upstream gradient, of shape (..., n); its entries at masked positions are ignored
    - cache: dict from masked_log_softmax_forward with keys "logp" and "mask" (shape (..., n))

    Returns:
    - du: gradient with respect to u, of shape (..., n)
    """
    ### BEGIN SOLUTION
    # TODO: zero dlogp where mask is False, then apply the log-softmax backward row by row.
    g = np.where(cache["mask"], dlogp, 0.0)  # (..., n)
    du = g - np.exp(cache["logp"]) * g.sum(axis=-1, keepdims=True)  # (..., n)
    ### END SOLUTION
    return du


def greedy_pointer_decode(E, d0, W1, W2, v, step_fn):
    """Decode a full pointer sequence greedily: every input is pointed at exactly once.

    At step i: u = pointer_scores_forward(E, d, W1, W2, v); positions chosen at earlier steps
    are unavailable; the choice is the argmax of u over the available positions (ties go to the
    lowest index); then d = step_fn(d, E[b, choice[b]]) for every sequence b.

    Inputs:
    - E: encoder states, of shape (N, n, H)
    - d0: initial decoder states, of shape (N, H)
    - W1, W2: projections, of shape (H, A); v: scoring vector, of shape (A,)
    - step_fn: the decoder update, a function of (d (N, H), e_chosen (N, H)) returning the next
      d (N, H); use the one you are given (provided.decoder_step)

    Returns:
    - pointers: the chosen positions, of shape (N, n), int64; each row is a permutation of 0..n-1
    """
    ### BEGIN SOLUTION
    # TODO: loop over the n output steps (not over the batch): score with pointer_scores_forward,
    # TODO: rule out used positions, take the argmax, mark it used, and advance d with step_fn.
    N, n, _ = E.shape
    rows = np.arange(N)
    available = np.ones((N, n), dtype=bool)
    pointers = np.zeros((N, n), dtype=np.int64)
    d = d0
    for i in range(n):
        u, _ = pointer_scores_forward(E, d, W1, W2, v)  # (N, n)
        choice = np.argmax(np.where(available, u, -np.inf), axis=1)  # (N,)
        pointers[:, i] = choice
        available[rows, choice] = False
        d = step_fn(d, E[rows, choice])  # (N, H)
    ### END SOLUTION
    return pointers
