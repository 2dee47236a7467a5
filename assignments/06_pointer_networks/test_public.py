"""Self-checks for paper 06. Run them with `pytest` in this folder or `s30 check 6`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import (
    EXACT_TOL,
    assert_close,
    assert_equal,
    assert_gradients,
    expect_array,
)


def _scores_inputs(seed, N, n, H, A):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, n, H)),
        rng.standard_normal((N, H)),
        0.5 * rng.standard_normal((H, A)),
        0.5 * rng.standard_normal((H, A)),
        rng.standard_normal(A),
    )


@pytest.mark.points(1)
def test_pointer_scores_forward_values(impl, baked):
    """pointer_scores_forward gives the expected scores"""
    args = _scores_inputs(60, 2, 4, 3, 5)
    u, _ = impl.pointer_scores_forward(*args)
    assert_close("pointer_scores_forward u", u, baked("pointer_scores", *args), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_pointer_scores_backward_numeric(impl):
    """pointer_scores_backward agrees with central differences of your pointer_scores_forward"""
    args = _scores_inputs(61, 3, 4, 2, 3)
    du = np.random.default_rng(62).standard_normal((3, 4))
    _, cache = impl.pointer_scores_forward(*args)
    numeric = numerical_vjp(output_of(impl.pointer_scores_forward), args, du, wrt=range(5))
    assert_gradients(
        "pointer_scores_backward", impl.pointer_scores_backward(du, cache),
        ("dE", "dd", "dW1", "dW2", "dv"), numeric=numeric, batch_size=3,
    )


@pytest.mark.points(1)
def test_pointer_masks_values(impl):
    """pointer_masks removes the positions targeted at earlier steps"""
    targets = np.array([[2, 0, 1], [1, 3, 0]])
    got = impl.pointer_masks(targets, 4)
    expected = np.array([
        [[1, 1, 1, 1], [1, 1, 0, 1], [0, 1, 0, 1]],
        [[1, 1, 1, 1], [1, 0, 1, 1], [1, 0, 1, 0]],
    ], dtype=bool)
    assert_equal("pointer_masks(targets, 4)", got, expected)


def _softmax_inputs(seed):
    rng = np.random.default_rng(seed)
    u = 2.0 * rng.standard_normal((4, 5))
    mask = np.array([
        [1, 1, 1, 1, 1], [0, 1, 0, 1, 1], [0, 0, 1, 0, 0], [1, 0, 0, 1, 0],
    ], dtype=bool)
    return u, mask


@pytest.mark.points(1)
def test_masked_log_softmax_forward_values(impl, baked):
    """masked_log_softmax_forward gives the expected values and -inf at masked entries"""
    u, mask = _softmax_inputs(63)
    logp, _ = impl.masked_log_softmax_forward(u, mask)
    expected = baked("masked_log_softmax", u, mask)
    logp = expect_array("masked_log_softmax_forward logp", logp, expected)
    assert_equal("which logp entries are -inf (exactly the masked ones)", np.isneginf(logp), ~mask)
    assert_close(
        "masked_log_softmax_forward logp (available entries)",
        logp[mask], expected[mask], tol=EXACT_TOL,
    )


@pytest.mark.points(2)
def test_masked_log_softmax_backward_numeric(impl):
    """masked_log_softmax_backward agrees with central differences on the finite entries"""
    u, mask = _softmax_inputs(64)
    dlogp = np.random.default_rng(65).standard_normal(u.shape)  # masked entries must be ignored
    _, cache = impl.masked_log_softmax_forward(u, mask)
    # Central differences of the finite entries only: the -inf entries are constants.
    finite_logp = output_of(impl.masked_log_softmax_forward, then=lambda lp: np.where(mask, lp, 0))
    numeric = numerical_vjp(finite_logp, (u, mask), dlogp, wrt=(0,))
    assert_gradients(
        "masked_log_softmax_backward", impl.masked_log_softmax_backward(dlogp, cache), ("du",),
        numeric=numeric, masks={"du": mask},
    )


@pytest.mark.points(1)
def test_greedy_pointer_decode_values(impl, baked, provided):
    """greedy_pointer_decode gives the expected pointers (a permutation per row)"""
    E, d0, W1, W2, v = _scores_inputs(66, 3, 5, 4, 3)
    got = impl.greedy_pointer_decode(E, d0, W1, W2, v, provided.decoder_step)
    assert_equal("greedy_pointer_decode", got, baked("greedy_decode", E, d0, W1, W2, v))
