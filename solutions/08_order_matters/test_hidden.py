"""Hidden checks for paper 08.

Every forward is compared with the torch float64 reference (set pooling, torch.softmax
attention, the Process block with torch.nn.LSTMCell); every backward with the reference's
autograd gradient and with central differences of the reference forward, on a cache built by
the trusted solution (independent credit). The Process block's checks swap in the solution's
attention (using_solution), so a wrong attention costs only the attention's checks; its
backward is checked through up to five steps. Edge shapes: N = 1, n = 1, H = 1, steps = 1.
Max-pool inputs keep the top two elements of every column at least 1e-3 apart (no ties, no
kink within the finite-difference step). Each case is computed once per process
(functools.cache), frozen read-only, and reused for every learner in a batch.
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    EXACT_TOL,
    Tolerance,
    assert_cache_keys,
    assert_close,
    assert_gradients,
    call_unmutated,
    fail,
    frozen,
    using_solution,
)

KINDS = ("sum", "mean", "max")
POOL_CASES = [(1, 1, 3), (2, 5, 4), (4, 3, 2), (3, 7, 1)]  # (N, n, H)
ATTENTION_CASES = [(1, 1, 3), (2, 5, 4), (4, 3, 2), (3, 6, 1)]  # (N, n, H)
# (N, n, H, steps): several steps so a broken backward-through-time cannot hide.
PROCESS_CASES = [(2, 3, 3, 3), (1, 1, 2, 2), (3, 4, 2, 1), (2, 5, 2, 5), (1, 3, 1, 4)]
ATTENTION = ("content_attention_forward", "content_attention_backward")
#: Permuting a set may reorder floating-point sums, nothing more.
PERMUTATION_TOL = Tolerance(rtol=0.0, atol=1e-12)


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def distinct_top(rng, shape, gap=1e-3):
    """Gaussian sets whose largest element in every (set, feature) column leads by >= gap."""
    X = rng.standard_normal(shape)
    if shape[1] > 1:
        top2 = np.sort(X, axis=1)[:, -2:, :]  # (N, 2, H)
        close = (top2[:, 1] - top2[:, 0]) < gap  # (N, H)
        winner = X.argmax(axis=1)[:, None, :] == np.arange(shape[1])[None, :, None]
        X = X + 10 * gap * (winner & close[:, None, :])
    return X


def lstm_params(rng, width):
    """O(1) weights, so that every gate works away from saturation and from zero."""
    shapes = {"Wx": (2 * width, 4 * width), "Wh": (width, 4 * width), "b": (4 * width,)}
    scales = {"Wx": 0.8, "Wh": 0.8, "b": 0.5}
    return {name: scales[name] * rng.standard_normal(shape) for name, shape in shapes.items()}


@functools.cache
def pool_case(ref, seed, kind, k):
    shape = POOL_CASES[k]
    rng = _rng(seed, 1, KINDS.index(kind), k)
    X = distinct_top(rng, shape)
    dout = rng.standard_normal((shape[0], shape[2]))
    out, (dX,) = torchref.vjp(ref.set_pool, (X, kind), dout, wrt=(0,))
    numeric = numerical_vjp(lambda a: torchref.forward(ref.set_pool, a, kind), (X,), dout, (0,))
    return frozen((X, dout, out, dX, numeric[0]))


@pytest.mark.points(1)
def test_set_pool_forward(impl, ref, seed):
    """set_pool_forward matches torch's sum, mean and max over the set axis"""
    for kind in KINDS:
        for k in range(len(POOL_CASES)):
            X, _, out, _, _ = pool_case(ref, seed, kind, k)
            got, cache = call_unmutated(impl.set_pool_forward, X, kind)
            assert_close(f"set_pool_forward out (kind {kind!r}, X of shape {X.shape})", got, out)
            assert_cache_keys("set_pool_forward", cache, ("X", "kind"))


@pytest.mark.points(2)
def test_set_pool_backward(impl, sol, ref, seed):
    """set_pool_backward matches torch autograd and central differences for every kind"""
    for kind in KINDS:
        for k in range(len(POOL_CASES)):
            X, dout, _, dX, numeric = pool_case(ref, seed, kind, k)
            _, cache = sol.set_pool_forward(X, kind)
            got = call_unmutated(impl.set_pool_backward, dout, cache)
            assert_gradients(
                f"set_pool_backward (kind {kind!r}, X of shape {X.shape})", got, ("dX",),
                autograd=(dX,), numeric=(numeric,), batch_size=X.shape[0],
            )


@pytest.mark.points(1)
def test_set_pool_properties(impl, seed):
    """pooling ignores the order of the elements, and a one-element set pools to itself"""
    rng = _rng(seed, 2)
    X = distinct_top(rng, (3, 6, 4))
    perm = rng.permutation(6)
    single = rng.standard_normal((4, 1, 3))
    for kind in KINDS:
        out, _ = impl.set_pool_forward(X, kind)
        shuffled, _ = impl.set_pool_forward(X[:, perm], kind)
        assert_close(
            f"set_pool_forward (kind {kind!r}) after permuting the elements of every set "
            "(a set encoding must not depend on the order)",
            shuffled, out, tol=PERMUTATION_TOL, against="the unpermuted output",
        )
        out, _ = impl.set_pool_forward(single, kind)
        assert_close(
            f"set_pool_forward (kind {kind!r}) of one-element sets (should be the element)",
            out, single[:, 0], tol=EXACT_TOL,
        )


@functools.cache
def attention_case(ref, seed, k):
    N, n, H = ATTENTION_CASES[k]
    rng = _rng(seed, 3, k)
    M, q = rng.standard_normal((N, n, H)), rng.standard_normal((N, H))
    dr = rng.standard_normal((N, H))
    r, grads = torchref.vjp(ref.content_attention, (M, q), dr)
    a = torchref.forward(ref.attention_weights, M, q)
    numeric = numerical_vjp(
        lambda *args: torchref.forward(ref.content_attention, *args), (M, q), dr, wrt=(0, 1)
    )
    return frozen((M, q, dr, r, a, grads, numeric))


@pytest.mark.points(1)
def test_content_attention_forward(impl, ref, seed):
    """content_attention_forward's read vector and weights match torch.softmax attention"""
    for k in range(len(ATTENTION_CASES)):
        M, q, _, r, a, _, _ = attention_case(ref, seed, k)
        got, cache = call_unmutated(impl.content_attention_forward, M, q)
        assert_close(f"content_attention_forward r (M of shape {M.shape})", got, r)
        assert_cache_keys("content_attention_forward", cache, ("M", "q", "a"))
        assert_close(f"content_attention_forward cache['a'] (M of shape {M.shape})", cache["a"], a)


@pytest.mark.points(2)
def test_content_attention_backward(impl, sol, ref, seed):
    """content_attention_backward matches torch autograd and central differences"""
    for k in range(len(ATTENTION_CASES)):
        M, q, dr, _, _, grads, numeric = attention_case(ref, seed, k)
        _, cache = sol.content_attention_forward(M, q)
        got = call_unmutated(impl.content_attention_backward, dr, cache)
        assert_gradients(
            f"content_attention_backward (M of shape {M.shape})", got, ("dM", "dq"),
            autograd=grads, numeric=numeric, batch_size=M.shape[0],
        )


@functools.cache
def huge_score_case(ref, seed):
    rng = _rng(seed, 4)
    M, q = rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4))
    # Scale each query so that its largest score is exactly +1000: exp(1000) overflows unless
    # the softmax is shifted by its maximum.
    top = np.einsum("kih,kh->ki", M, q).max(axis=1)  # (N,)
    top_neg = np.einsum("kih,kh->ki", M, -q).max(axis=1)  # (N,)
    q = np.where((top > top_neg)[:, None], q / top[:, None], -q / top_neg[:, None]) * 1000.0
    return frozen((M, q, torchref.forward(ref.content_attention, M, q)))


@pytest.mark.points(1)
def test_content_attention_properties(impl, ref, seed):
    """weights sum to 1, reads ignore the memories' order, n = 1 reads m_1, no overflow"""
    rng = _rng(seed, 5)
    M, q = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 3))
    r, cache = impl.content_attention_forward(M, q)
    a = cache["a"]
    assert_close("content_attention_forward: rows of cache['a'] (should sum to 1)",
                 a.sum(axis=1), np.ones(4), tol=EXACT_TOL)
    if (a < 0).any():
        fail("content_attention_forward: cache['a'] has negative weights")
    perm = rng.permutation(6)
    r_perm, cache_perm = impl.content_attention_forward(M[:, perm], q)
    assert_close("content_attention_forward r after permuting the memories (should not change)",
                 r_perm, r, tol=PERMUTATION_TOL, against="the unpermuted read")
    assert_close("content_attention_forward cache['a'] after permuting the memories "
                 "(should be permuted the same way)", cache_perm["a"], a[:, perm],
                 tol=PERMUTATION_TOL, against="the permuted weights")
    single, dr = rng.standard_normal((2, 1, 5)), rng.standard_normal((2, 5))
    r, cache = impl.content_attention_forward(single, rng.standard_normal((2, 5)))
    assert_close("content_attention_forward r with one memory (should be that memory)",
                 r, single[:, 0], tol=EXACT_TOL)
    dM, dq = impl.content_attention_backward(dr, cache)
    assert_close("content_attention_backward dM with one memory (should be dr)",
                 dM, dr[:, None, :], tol=EXACT_TOL)
    assert_close("content_attention_backward dq with one memory (should be 0)",
                 dq, np.zeros_like(dr), tol=EXACT_TOL)
    M, q, r_ref = huge_score_case(ref, seed)
    with np.errstate(all="ignore"):
        r, _ = impl.content_attention_forward(M, q)
    assert_close("content_attention_forward r at scores of about +-1000 "
                 "(shift the scores by their row maximum before exp)", r, r_ref)


@functools.cache
def process_case(ref, seed, k):
    N, n, H, steps = PROCESS_CASES[k]
    rng = _rng(seed, 6, k)
    M, params = rng.standard_normal((N, n, H)), lstm_params(rng, H)
    dout = rng.standard_normal((N, 2 * H))
    out, grads = torchref.vjp(ref.process_block_params, (M, params, steps), dout, wrt=(0, 1))
    # Central differences of the torch reference itself (about 0.1 s per case).
    numeric = numerical_vjp(
        lambda m, p: torchref.forward(ref.process_block_params, m, p, steps),
        (M, params), dout, wrt=(0, 1),
    )
    return frozen((M, params, steps, dout, out, grads, numeric))


@pytest.mark.points(2)
def test_process_block_forward(impl, sol, ref, seed):
    """process_block_forward matches torch.nn.LSTMCell + softmax attention over several steps"""
    for k in range(len(PROCESS_CASES)):
        M, params, steps, _, out, _, _ = process_case(ref, seed, k)
        with using_solution(impl, sol, *ATTENTION):
            got, cache = call_unmutated(impl.process_block_forward, M, params, steps)
        assert_close(f"process_block_forward q_star (M of shape {M.shape}, {steps} steps)",
                     got, out, batch_size=M.shape[0])
        assert_cache_keys("process_block_forward", cache,
                      ("steps", f"lstm{steps}.gates", f"attn{steps}.a", "attn1.M"))


@pytest.mark.points(3)
def test_process_block_backward(impl, sol, ref, seed):
    """process_block_backward matches torch autograd and central differences through time"""
    for k in range(len(PROCESS_CASES)):
        M, params, steps, dout, _, grads, numeric = process_case(ref, seed, k)
        _, cache = sol.process_block_forward(M, params, steps)
        with using_solution(impl, sol, *ATTENTION):
            got = call_unmutated(impl.process_block_backward, dout, cache)
        assert_gradients(
            f"process_block_backward (M of shape {M.shape}, {steps} steps)", got,
            ("dM", "dlstm_params"), autograd=grads, numeric=numeric, batch_size=M.shape[0],
        )


@pytest.mark.points(1)
def test_process_block_permutation_invariance(impl, seed):
    """q* does not change when the memories are permuted, and dM is permuted with them"""
    for k, (N, n, H, steps) in enumerate([(3, 6, 3, 4), (2, 4, 2, 1)]):
        rng = _rng(seed, 7, k)
        M, params = rng.standard_normal((N, n, H)), lstm_params(rng, H)
        dout, perm = rng.standard_normal((N, 2 * H)), rng.permutation(n)
        label = f"process_block on M of shape {M.shape} with {steps} steps, memories permuted"
        out, cache = impl.process_block_forward(M, params, steps)
        out_perm, cache_perm = impl.process_block_forward(M[:, perm], params, steps)
        assert_close(f"{label}: q_star (a set encoding must not depend on the order)",
                     out_perm, out, tol=PERMUTATION_TOL, against="the unpermuted q_star")
        dM, dparams = impl.process_block_backward(dout, cache)
        dM_perm, dparams_perm = impl.process_block_backward(dout, cache_perm)
        assert_close(f"{label}: dM (should be permuted like M)", dM_perm, dM[:, perm],
                     tol=PERMUTATION_TOL, against="the permuted dM")
        assert_close(f"{label}: dlstm_params (should not change)", dparams_perm, dparams,
                     tol=PERMUTATION_TOL, against="the unpermuted gradients")
