"""Read-only helper for the exploration notebook of paper 13; nothing here is graded.

Adam is graded in assignment 26. This is a compact version for a whole dict of parameters, so
the notebook can train a small Transformer layer built from your functions.
"""

import numpy as np


def adam_update(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (with bias correction) on every array of a parameter dict.

    Inputs:
    - params: dict name -> float64 array
    - grads: dict with the same keys and shapes (dL/dparams)
    - state: dict returned by the previous call, or {} before the first step
    - lr, beta1, beta2, eps: floats

    Returns a tuple of new dicts (the inputs are left untouched):
    - params: the updated parameters
    - state: moments and step count to pass to the next call
    """
    step = state.get("step", 0) + 1
    moment1, moment2, updated = {}, {}, {}
    old1, old2 = state.get("moment1", {}), state.get("moment2", {})
    for name, value in params.items():
        grad = grads[name]
        avg = beta1 * old1.get(name, np.zeros_like(value)) + (1 - beta1) * grad
        sq = beta2 * old2.get(name, np.zeros_like(value)) + (1 - beta2) * grad**2
        avg_hat, sq_hat = avg / (1 - beta1**step), sq / (1 - beta2**step)
        updated[name] = value - lr * avg_hat / (np.sqrt(sq_hat) + eps)
        moment1[name], moment2[name] = avg, sq
    return updated, {"step": step, "moment1": moment1, "moment2": moment2}
