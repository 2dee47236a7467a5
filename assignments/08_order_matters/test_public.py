"""Self-checks for paper 08. Run them with `pytest` in this folder or `s30 check 08`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes (one-element
sets, a batch of one, a single process step, up to five steps).
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import (
    EXACT_TOL,
    Tolerance,
    assert_close,
    assert_gradients,
)

KINDS = ("sum", "mean", "max")


def _spaced_sets(seed, shape):
    """Sets whose entries are all distinct and at least 0.05 apart (no ties for max)."""
    size = int(np.prod(shape))
    values = np.linspace(-1.5, 1.5, num=size)
    return np.random.default_rng(seed).permutation(values).reshape(shape)


def _process_inputs(seed, n_sets, n, width):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n_sets, n, width))
    params = {
        "Wx": 0.8 * rng.standard_normal((2 * width, 4 * width)),
        "Wh": 0.8 * rng.standard_normal((width, 4 * width)),
        "b": 0.5 * rng.standard_normal(4 * width),
    }
    return rng, M, params


@pytest.mark.points(1)
def test_set_pool_forward_values(impl, baked):
    """set_pool_forward gives the expected sum, mean and max"""
    X = _spaced_sets(80, (2, 4, 3))
    for kind in KINDS:
        out, _ = impl.set_pool_forward(X, kind)
        assert_close(f"set_pool_forward out (kind {kind!r})", out, baked("set_pool", X, kind),
                     tol=EXACT_TOL)


@pytest.mark.points(1)
def test_set_pool_backward_numeric(impl):
    """set_pool_backward agrees with central differences of your set_pool_forward"""
    X = _spaced_sets(81, (3, 4, 2))
    dout = np.random.default_rng(82).standard_normal((3, 2))
    for kind in KINDS:
        _, cache = impl.set_pool_forward(X, kind)
        numeric = numerical_vjp(output_of(impl.set_pool_forward), (X, kind), dout, wrt=(0,))
        assert_gradients(f"set_pool_backward (kind {kind!r})", impl.set_pool_backward(dout, cache),
                         ("dX",), numeric=numeric, batch_size=3)


@pytest.mark.points(1)
def test_content_attention_forward_values(impl, baked):
    """content_attention_forward gives the expected read vector and weights"""
    rng = np.random.default_rng(83)
    M, q = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3))
    r, cache = impl.content_attention_forward(M, q)
    assert_close("content_attention_forward r", r, baked("content_attention", M, q),
                 tol=EXACT_TOL)
    assert_close("content_attention_forward cache['a']", cache["a"],
                 baked("attention_weights", M, q), tol=EXACT_TOL)


@pytest.mark.points(1)
def test_content_attention_backward_numeric(impl):
    """content_attention_backward agrees with central differences of your forward"""
    rng = np.random.default_rng(84)
    M, q = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 2))
    dr = rng.standard_normal((3, 2))
    _, cache = impl.content_attention_forward(M, q)
    numeric = numerical_vjp(output_of(impl.content_attention_forward), (M, q), dr, wrt=(0, 1))
    assert_gradients("content_attention_backward", impl.content_attention_backward(dr, cache),
                     ("dM", "dq"), numeric=numeric, batch_size=3)


@pytest.mark.points(1)
def test_process_block_forward_values(impl, baked):
    """process_block_forward gives the expected q* after 3 steps"""
    _, M, params = _process_inputs(85, 2, 4, 3)
    q_star, _ = impl.process_block_forward(M, params, 3)
    expected = baked("process_block", M, params["Wx"], params["Wh"], params["b"], 3)
    assert_close("process_block_forward q_star (3 steps)", q_star, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_process_block_backward_numeric(impl):
    """process_block_backward agrees with central differences of your forward, over 3 steps"""
    rng, M, params = _process_inputs(86, 2, 3, 2)
    dq_star = rng.standard_normal((2, 4))
    _, cache = impl.process_block_forward(M, params, 3)
    numeric = numerical_vjp(output_of(impl.process_block_forward), (M, params, 3), dq_star,
                            wrt=(0, 1))
    assert_gradients("process_block_backward", impl.process_block_backward(dq_star, cache),
                     ("dM", "dlstm_params"), numeric=numeric, batch_size=2)


@pytest.mark.points(1)
def test_process_block_permutation_invariance(impl):
    """q* stays the same when the elements of each set are shuffled"""
    rng, M, params = _process_inputs(87, 3, 5, 2)
    perm = rng.permutation(5)
    q_star, _ = impl.process_block_forward(M, params, 4)
    shuffled, _ = impl.process_block_forward(M[:, perm], params, 4)
    assert_close("process_block_forward q_star after shuffling the memories", shuffled, q_star,
                 tol=Tolerance(rtol=0.0, atol=1e-12), against="q_star before shuffling")
