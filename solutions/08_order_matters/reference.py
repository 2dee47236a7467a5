"""PyTorch references for paper 08, run in float64 through autograder.torchref."""

import torch


def set_pool(X, kind):
    # torch.max(dim=...) sends the gradient to one index per column, as the assignment asks.
    reduce = {"sum": torch.sum, "mean": torch.mean}.get(kind)
    return reduce(X, dim=1) if reduce else torch.max(X, dim=1).values


def attention_weights(M, q):
    return torch.softmax(torch.bmm(M, q.unsqueeze(2)).squeeze(2), dim=1)


def content_attention(M, q):
    weights = attention_weights(M, q)
    return torch.bmm(weights.unsqueeze(1), M).squeeze(1)


def process_block(M, Wx, Wh, b, steps):
    """q*_steps of the Process block, with torch.nn.LSTMCell(2H, H) as the recurrence.

    The kit stores x @ Wx with Wx of shape (2H, 4H); torch stores weight_ih of shape (4H, 2H)
    and computes x @ weight_ih.T, so weight_ih = Wx.T and weight_hh = Wh.T. The kit has one
    bias, torch two: bias_ih = b and bias_hh = 0. Both use the gate order i, f, g, o.
    """
    n_sets, _, width = M.shape
    cell = torch.nn.LSTMCell(2 * width, width, dtype=torch.float64)
    weights = {
        "weight_ih": Wx.T,
        "weight_hh": Wh.T,
        "bias_ih": b,
        "bias_hh": torch.zeros_like(b),
    }
    h = torch.zeros(n_sets, width, dtype=torch.float64)
    c = torch.zeros(n_sets, width, dtype=torch.float64)
    read_state = torch.zeros(n_sets, 2 * width, dtype=torch.float64)  # q*_0
    for _ in range(steps):
        h, c = torch.func.functional_call(cell, weights, (read_state, (h, c)))
        read_state = torch.cat([h, content_attention(M, h)], dim=1)
    return read_state


def process_block_params(M, params, steps):
    """process_block with the LSTM weights in a dict, as the learner's function takes them."""
    return process_block(M, params["Wx"], params["Wh"], params["b"], steps)
