"""Read-only helpers for paper 06 (not graded; do not edit).

The pointer network's decoder keeps a state ``d`` that changes after every pointing step. In
this assignment that update is fixed and parameter-free, so the graded functions can focus on
pointing. ``greedy_pointer_decode`` receives ``decoder_step`` as its ``step_fn`` argument; the
notebook also uses ``decoder_step_backward`` to train through the chain of states.
"""

import numpy as np


def decoder_step(d, e_chosen):
    """The decoder state after pointing at an input: tanh(d / 2 + e_chosen).

    Inputs:
    - d: the current decoder states, of shape (N, H)
    - e_chosen: the encoder embedding of the input each sequence just pointed at, of shape (N, H)

    Returns:
    - the next decoder states, of shape (N, H)
    """
    return np.tanh(0.5 * d + e_chosen)


def decoder_step_backward(grad_next, d_next):
    """Gradients of decoder_step with respect to (d, e_chosen).

    Inputs:
    - grad_next: gradient with respect to decoder_step's output, of shape (N, H)
    - d_next: decoder_step's output, of shape (N, H)

    Returns a tuple of:
    - gradient with respect to d, of shape (N, H)
    - gradient with respect to e_chosen, of shape (N, H)
    """
    through_tanh = grad_next * (1.0 - np.square(d_next))
    return 0.5 * through_tanh, through_tanh
