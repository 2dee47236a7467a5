"""Order Matters (Vinyals, Bengio and Kudlur, 2016): encoding a set without an order.

A set has no first element, so its encoding must not change when its elements are permuted.
Pooling (sum, mean, max) is the simplest such encoder. The paper's Process block is a richer
one: an LSTM with no input that, for a few steps, queries the set's memories with content-based
attention and feeds what it read back into itself. Attention is a weighted sum over the
memories, so any permutation of them leaves the result unchanged.

Layers come in pairs: ``<name>_forward(...) -> (out, cache)`` and ``<name>_backward(dout,
cache)``, which returns the gradients with respect to the forward's inputs in argument order.
``cache`` is a flat dict whose keys each docstring fixes; the grader builds caches with its own
forward and hands them to your backward.

Dimensions: N sets in a batch, n elements (memories) per set, H features per element; the
Process block's LSTM has H hidden units, so its query can be dotted with a memory. Every array
is float64. Never modify an argument in place.
"""

import numpy as np
from provided import lstm_step_backward, lstm_step_forward, under_prefix, with_prefix


def set_pool_forward(X, kind):
    """Pool a batch of sets over their elements: the order-free baseline encoder.

    Inputs:
    - X: the sets, of shape (N, n, H); X[k, i] is element i of set k
    - kind: "sum", "mean" or "max" (the maximum is taken feature by feature)

    Returns a tuple of:
    - out: pooled features, of shape (N, H)
    - cache: dict with keys "X" (the input, unchanged) and "kind"
    """
    ### BEGIN SOLUTION
    # TODO: reduce X over its set axis (axis 1); reject any other kind with a ValueError.
    if kind == "sum":
        pooled = X.sum(axis=1)  # (N, H)
    elif kind == "mean":
        pooled = X.sum(axis=1) / X.shape[1]  # (N, H)
    elif kind == "max":
        pooled = X.max(axis=1)  # (N, H)
    else:
        raise ValueError(f"unknown pooling kind {kind!r}")
    out, cache = pooled, {"X": X, "kind": kind}
    ### END SOLUTION
    return out, cache


def set_pool_backward(dout, cache):
    """Backward pass of set_pool_forward.

    Inputs:
    - dout: upstream gradient, of shape (N, H)
    - cache: dict from set_pool_forward with keys "X" (N, n, H) and "kind"

    Returns:
    - dX: gradient with respect to X, of shape (N, n, H). For "max", each (set, feature)
      gradient goes to the element holding the maximum (the first one, in case of a tie).
    """
    ### BEGIN SOLUTION
    # TODO: sum copies dout to every element, mean also divides by n, max routes it to the
    # TODO: argmax of each (set, feature) column.
    X, kind = cache["X"], cache["kind"]
    spread = np.broadcast_to(dout[:, None, :], X.shape)  # (N, n, H)
    if kind == "sum":
        dX = spread.copy()
    elif kind == "mean":
        dX = spread / X.shape[1]
    elif kind == "max":
        winner = X.argmax(axis=1)[:, None, :] == np.arange(X.shape[1])[None, :, None]
        dX = np.where(winner, spread, 0.0)  # (N, n, H)
    else:
        raise ValueError(f"unknown pooling kind {kind!r}")
    ### END SOLUTION
    return dX


def content_attention_forward(M, q):
    """Content-based attention: read from the memories M what matches the query q.

    e_i = M_i . q,   a = softmax_i(e),   r = sum_i a_i M_i

    Inputs:
    - M: memories, of shape (N, n, H)
    - q: queries, of shape (N, H)

    Returns a tuple of:
    - r: the read vectors, of shape (N, H)
    - cache: dict with keys "M", "q" (the inputs, unchanged) and "a", the attention weights
      of shape (N, n) (each row sums to 1)
    """
    ### BEGIN SOLUTION
    # TODO: scores by dot products, a softmax over the n memories (shift by the row maximum
    # TODO: first), then the weighted sum of the memories.
    e = np.einsum("kih,kh->ki", M, q)  # (N, n)
    unnorm = np.exp(e - e.max(axis=1, keepdims=True))  # (N, n)
    a = unnorm / unnorm.sum(axis=1, keepdims=True)  # (N, n)
    r = np.einsum("ki,kih->kh", a, M)  # (N, H)
    cache = {"M": M, "q": q, "a": a}
    ### END SOLUTION
    return r, cache


def content_attention_backward(dr, cache):
    """Backward pass of content_attention_forward.

    Inputs:
    - dr: upstream gradient of the read vectors, of shape (N, H)
    - cache: dict from content_attention_forward with keys "M" (N, n, H), "q" (N, H) and
      "a" (N, n)

    Returns a tuple of:
    - dM: gradient with respect to M, of shape (N, n, H); M gets gradient both as the values
      being averaged and through the scores
    - dq: gradient with respect to q, of shape (N, H)
    """
    ### BEGIN SOLUTION
    # TODO: da_i = M_i . dr; through the softmax de = a (da - sum_j a_j da_j); then the two
    # TODO: paths into M (values and scores) and the one into q.
    M, q, a = cache["M"], cache["q"], cache["a"]
    da = np.einsum("kih,kh->ki", M, dr)  # (N, n)
    de = a * (da - (a * da).sum(axis=1, keepdims=True))  # (N, n)
    dM = a[:, :, None] * dr[:, None, :] + de[:, :, None] * q[:, None, :]  # (N, n, H)
    dq = np.einsum("ki,kih->kh", de, M)  # (N, H)
    ### END SOLUTION
    return dM, dq


def process_block_forward(M, lstm_params, steps):
    """The Process block: an LSTM without input that attends over the set for a few steps.

    Start from q*_0 = 0 of shape (N, 2H) and h_0 = c_0 = 0 of shape (N, H); for t = 1..steps:

        (q_t, c_t) = LSTM step with input q*_{t-1} and state (q_{t-1}, c_{t-1})
        r_t = content attention over M with query q_t
        q*_t = [q_t, r_t]   (concatenated along the feature axis)

    Call lstm_step_forward (from provided.py) and content_attention_forward by these names.

    Inputs:
    - M: memories, of shape (N, n, H)
    - lstm_params: dict with keys "Wx" (2H, 4H), "Wh" (H, 4H), "b" (4H,); gate order i, f, g, o
    - steps: number of process steps, an int >= 1

    Returns a tuple of:
    - q_star: q*_steps, of shape (N, 2H)
    - cache: flat dict with key "steps" and, for t = 1..steps, every key k of step t's LSTM
      cache as f"lstm{t}.{k}" and of its attention cache as f"attn{t}.{k}" (use
      with_prefix from provided.py)
    """
    ### BEGIN SOLUTION
    # TODO: run the recurrence, storing each step's sub-caches under "lstm{t}." and "attn{t}.".
    n_sets, _, width = M.shape
    Wx, Wh, b = lstm_params["Wx"], lstm_params["Wh"], lstm_params["b"]
    q_star = np.zeros((n_sets, 2 * width))  # q*_0
    q, c = np.zeros((n_sets, width)), np.zeros((n_sets, width))  # h_0, c_0
    cache = {"steps": steps}
    for t in range(1, 1 + steps):  # t = 1..steps
        (q, c), cell_cache = lstm_step_forward(q_star, q, c, Wx, Wh, b)
        r, attn_cache = content_attention_forward(M, q)  # (N, H)
        q_star = np.concatenate([q, r], axis=1)  # (N, 2H)
        cache.update(with_prefix(f"lstm{t}.", cell_cache))
        cache.update(with_prefix(f"attn{t}.", attn_cache))
    ### END SOLUTION
    return q_star, cache


def process_block_backward(dq_star, cache):
    """Backward pass of process_block_forward, through every step.

    Call lstm_step_backward (from provided.py) and content_attention_backward by these names.

    Inputs:
    - dq_star: upstream gradient of q*_steps, of shape (N, 2H)
    - cache: flat dict from process_block_forward (use under_prefix from provided.py)

    Returns a tuple of:
    - dM: gradient with respect to M, of shape (N, n, H), summed over the steps
    - dlstm_params: dict with keys "Wx" (2H, 4H), "Wh" (H, 4H), "b" (4H,), summed over steps
    """
    ### BEGIN SOLUTION
    # TODO: walk the steps backwards. At step t the gradient of q*_t splits into its q_t half
    # TODO: and its r_t half; q_t also gets attention's dq and the next step's dh_prev; the
    # TODO: LSTM step's dx is the gradient of q*_{t-1}. Accumulate dM and the weight grads.
    width = dq_star.shape[1] // 2
    dM = np.zeros(cache["attn1.M"].shape)  # (N, n, H)
    grads = {"Wx": 0.0, "Wh": 0.0, "b": 0.0}
    dq_carry = np.zeros((dq_star.shape[0], width))  # dL/dq_t through step t+1's LSTM state
    dc_carry = np.zeros((dq_star.shape[0], width))  # dL/dc_t through step t+1's LSTM state
    d_state = dq_star  # dL/dq*_t
    for t in range(cache["steps"], 0, -1):
        dM_t, dq_read = content_attention_backward(
            d_state[:, width:], under_prefix(f"attn{t}.", cache)
        )
        dM = dM + dM_t
        dq_total = d_state[:, :width] + dq_read + dq_carry  # (N, H)
        d_state, dq_carry, dc_carry, dWx, dWh, db = lstm_step_backward(
            (dq_total, dc_carry), under_prefix(f"lstm{t}.", cache)
        )
        grads = {"Wx": grads["Wx"] + dWx, "Wh": grads["Wh"] + dWh, "b": grads["b"] + db}
    dlstm_params = grads
    ### END SOLUTION
    return dM, dlstm_params
