"""Hidden checks for paper 06.

Every forward is compared with the torch float64 reference (brute-force loops for the masks and
the greedy decoder); every backward with the reference's autograd gradient and with central
differences of the reference forward, on a cache built by the trusted solution (independent
credit). The masked log-softmax is differentiated on its finite entries only (the reference
replaces the -inf outputs by constants), while the upstream gradients handed to the learner
are random at masked entries too, so a backward that forgets to ignore them fails. Case lists
include n = 1, N = 1, a single available entry and fully tied scores. Each case is computed once
per process (functools.cache), frozen read-only, and reused for every learner in a batch.
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    Tolerance,
    assert_cache_keys,
    assert_close,
    assert_equal,
    assert_gradients,
    call_unmutated,
    expect_array,
    fail,
    frozen,
    using_solution,
)

# (N, n, H, A)
SCORE_CASES = [(1, 1, 3, 2), (3, 5, 4, 3), (2, 7, 3, 5)]
# (N, m, n): m output steps of teacher forcing over n positions
MASK_CASES = [(1, 1, 1), (3, 4, 4), (2, 3, 6), (5, 6, 6)]
# shapes of u for the masked log-softmax; the last axis is n
SOFTMAX_CASES = [(1, 1), (5, 6), (2, 4, 4), (3, 2, 5)]
# (N, n, H, A) for greedy decoding
DECODE_CASES = [(1, 1, 2, 3), (6, 5, 4, 3), (4, 8, 3, 4), (1, 6, 5, 2)]

PERMUTATION_TOL = Tolerance(rtol=1e-12, atol=1e-12)


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _scores_inputs(rng, N, n, H, A):
    return (
        rng.standard_normal((N, n, H)),
        rng.standard_normal((N, H)),
        rng.standard_normal((H, A)) / np.sqrt(H),
        rng.standard_normal((H, A)) / np.sqrt(H),
        rng.standard_normal(A),
    )


def _random_targets(rng, N, m, n):
    """N rows of m distinct positions in [0, n): the first m entries of random permutations."""
    return np.argsort(rng.random((N, n)), axis=1)[:, :m].astype(np.int64)


# --- pointer scores -----------------------------------------------------------------------------


@functools.cache
def scores_case(ref, seed, k):
    N, n, H, A = SCORE_CASES[k]
    rng = _rng(seed, 1, k)
    args = _scores_inputs(rng, N, n, H, A)
    du = rng.standard_normal((N, n))
    u, grads = torchref.vjp(ref.pointer_scores, args, du)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.pointer_scores, *a), args, du, wrt=range(5)
    )
    return frozen((args, du, u, grads, numeric))


@pytest.mark.points(1)
def test_pointer_scores_forward(impl, ref, seed):
    """pointer_scores_forward matches torch's tanh(E W1 + d W2) v"""
    for k in range(len(SCORE_CASES)):
        args, _, u, _, _ = scores_case(ref, seed, k)
        got, cache = call_unmutated(impl.pointer_scores_forward, *args)
        assert_close(f"pointer_scores_forward u (E of shape {args[0].shape})", got, u)
        assert_cache_keys("pointer_scores_forward", cache, ("E", "d", "W1", "W2", "v", "t"))


@pytest.mark.points(2)
def test_pointer_scores_backward(impl, sol, ref, seed):
    """pointer_scores_backward matches torch autograd and central differences"""
    for k in range(len(SCORE_CASES)):
        args, du, _, grads, numeric = scores_case(ref, seed, k)
        _, cache = sol.pointer_scores_forward(*args)
        got = call_unmutated(impl.pointer_scores_backward, du, cache)
        assert_gradients(
            f"pointer_scores_backward (E of shape {args[0].shape})", got,
            ("dE", "dd", "dW1", "dW2", "dv"),
            autograd=grads, numeric=numeric, batch_size=args[0].shape[0],
        )


@pytest.mark.points(1)
def test_pointer_scores_permutation(impl, seed):
    """permuting the rows of E permutes the scores the same way"""
    rng = _rng(seed, 2)
    # N = n, so that broadcasting d over the wrong axis runs instead of raising.
    E, d, W1, W2, v = _scores_inputs(rng, 6, 6, 3, 5)
    perm = rng.permutation(6)
    u, _ = impl.pointer_scores_forward(E, d, W1, W2, v)
    u_perm, _ = impl.pointer_scores_forward(E[:, perm], d, W1, W2, v)
    assert_close(
        "pointer_scores_forward on E[:, perm] (should equal u[:, perm])",
        u_perm, u[:, perm], tol=PERMUTATION_TOL, against="the permuted scores",
    )


# --- masks --------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_pointer_masks(impl, ref, seed):
    """pointer_masks excludes exactly the positions targeted at earlier steps"""
    for k, (N, m, n) in enumerate(MASK_CASES):
        targets = frozen(_random_targets(_rng(seed, 3, k), N, m, n))
        got = call_unmutated(impl.pointer_masks, targets, n)
        expected = torchref.forward(ref.pointer_masks, targets, n)
        assert_equal(f"pointer_masks (targets of shape {targets.shape}, n = {n})", got, expected)


# --- masked log-softmax -------------------------------------------------------------------------


def _softmax_inputs(rng, shape):
    """Scores and a mask with at least one True per row; some rows keep a single entry."""
    u = 2.0 * rng.standard_normal(shape)
    mask = rng.random(shape) < 0.6
    flat = mask.reshape(-1, shape[-1])
    keep = rng.integers(shape[-1], size=flat.shape[0])
    flat[np.arange(flat.shape[0]), keep] = True
    if flat.shape[0] > 1:
        flat[0] = False
        flat[0, keep[0]] = True  # a row with a single available entry
        flat[-1] = True  # a row with every entry available
    return u, flat.reshape(shape)


@functools.cache
def softmax_case(ref, seed, k):
    shape = SOFTMAX_CASES[k]
    rng = _rng(seed, 4, k)
    u, mask = _softmax_inputs(rng, shape)
    dlogp = rng.standard_normal(shape)  # random at masked entries too: they must be ignored
    logp = torchref.forward(ref.masked_log_softmax, u, mask)
    _, (du,) = torchref.vjp(ref.masked_log_softmax_finite, (u, mask), dlogp, wrt=(0,))
    numeric = numerical_vjp(
        lambda x: torchref.forward(ref.masked_log_softmax_finite, x, mask), (u,), dlogp, wrt=(0,)
    )
    return frozen((u, mask, dlogp, logp, du, numeric[0]))


def _check_logp(name, got, expected, mask):
    """-inf exactly where mask is False, the reference elsewhere."""
    got = expect_array(name, got, expected)
    if np.isnan(got).any():
        fail(f"{name} contains NaN")
    assert_equal(f"{name}: which entries are -inf (the masked ones)", np.isneginf(got), ~mask)
    assert_close(name, np.where(mask, got, 0.0), np.where(mask, expected, 0.0), mask=mask)


@pytest.mark.points(1)
def test_masked_log_softmax_forward(impl, ref, seed):
    """masked_log_softmax_forward matches F.log_softmax of the -inf-filled scores"""
    for k in range(len(SOFTMAX_CASES)):
        u, mask, _, logp, _, _ = softmax_case(ref, seed, k)
        got, cache = call_unmutated(impl.masked_log_softmax_forward, u, mask)
        _check_logp(f"masked_log_softmax_forward logp (u of shape {u.shape})", got, logp, mask)
        assert_cache_keys("masked_log_softmax_forward", cache, ("logp", "mask"))


@pytest.mark.points(2)
def test_masked_log_softmax_backward(impl, sol, ref, seed):
    """masked_log_softmax_backward matches autograd and central differences (finite entries)"""
    for k in range(len(SOFTMAX_CASES)):
        u, mask, dlogp, _, du, numeric = softmax_case(ref, seed, k)
        _, cache = sol.masked_log_softmax_forward(u, mask)
        got = call_unmutated(impl.masked_log_softmax_backward, dlogp, cache)
        assert_gradients(
            f"masked_log_softmax_backward (u of shape {u.shape})", got, ("du",),
            autograd=(du,), numeric=(numeric,), masks={"du": mask},
        )


@pytest.mark.points(1)
def test_masked_log_softmax_properties(impl, sol, seed):
    """probabilities sum to 1 over available entries; n = 1 and lone entries give 0; no overflow"""
    rng = _rng(seed, 5)
    u, mask = _softmax_inputs(rng, (6, 5))
    logp, _ = impl.masked_log_softmax_forward(u, mask)
    total = np.where(mask, np.exp(logp), 0.0).sum(axis=1)
    assert_close("sum of exp(logp) over available entries (should be 1)", total, np.ones(6))
    logp, _ = impl.masked_log_softmax_forward(u, np.eye(5, dtype=bool)[[1, 3, 0, 4, 2, 2]])
    assert_close(
        "logp at the single available entry of each row (should be 0)",
        logp[np.isfinite(logp)], np.zeros(6),
    )
    u1, mask1 = rng.standard_normal((3, 1)), np.ones((3, 1), dtype=bool)
    logp, _ = impl.masked_log_softmax_forward(u1, mask1)
    assert_close("masked_log_softmax_forward with n = 1 (should be 0)", logp, np.zeros((3, 1)))
    _, cache = sol.masked_log_softmax_forward(u1, mask1)
    du = impl.masked_log_softmax_backward(rng.standard_normal((3, 1)), cache)
    assert_close("masked_log_softmax_backward with n = 1 (should be 0)", du, np.zeros((3, 1)))
    huge = 1000.0 * np.sign(rng.standard_normal((4, 6))) + rng.standard_normal((4, 6))
    big_mask = np.ones((4, 6), dtype=bool)
    with np.errstate(all="ignore"):
        logp, _ = impl.masked_log_softmax_forward(huge, big_mask)
    shifted = huge - huge.max(axis=1, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert_close("masked_log_softmax_forward at scores of +-1000 (subtract the row max)",
                 logp, expected)


@pytest.mark.points(1)
def test_masked_log_softmax_refuses_empty_rows(impl, seed):
    """a row with no available entry is refused (raise), not hidden behind -1e9"""
    rng = _rng(seed, 6)
    u = rng.standard_normal((3, 4))
    mask = np.ones((3, 4), dtype=bool)
    impl.masked_log_softmax_forward(u, mask)  # must work (and shows "not implemented" on a stub)
    mask[1] = False
    try:
        with np.errstate(all="ignore"):
            result = impl.masked_log_softmax_forward(u, mask)
    except NotImplementedError:
        raise
    except Exception:
        return
    logp = result[0] if isinstance(result, tuple) else result
    fail(
        "masked_log_softmax_forward returned a result for a row with no available entry (row 1 "
        f"became {np.asarray(logp)[1]}); raise ValueError instead: a softmax over nothing is "
        "undefined, and -1e9 or NaN would hide the bug"
    )


# --- greedy decoding ----------------------------------------------------------------------------


@functools.cache
def decode_case(ref, seed, k):
    N, n, H, A = DECODE_CASES[k]
    rng = _rng(seed, 7, k)
    E, d0, W1, W2, v = _scores_inputs(rng, N, n, H, A)
    W1, W2 = 2.0 * W1, 2.0 * W2  # scores that depend strongly on the decoder state
    args = (E, d0, W1, W2, v)
    return frozen((args, torchref.forward(ref.greedy_decode, *args)))


@pytest.mark.points(2)
def test_greedy_pointer_decode(impl, sol, ref, seed, provided):
    """greedy_pointer_decode matches a brute-force decoder (with provided.decoder_step)"""
    for k in range(len(DECODE_CASES)):
        args, expected = decode_case(ref, seed, k)
        with using_solution(impl, sol, "pointer_scores_forward"):
            got = call_unmutated(impl.greedy_pointer_decode, *args, provided.decoder_step)
        assert_equal(f"greedy_pointer_decode (E of shape {args[0].shape})", got, expected)


@pytest.mark.points(1)
def test_greedy_pointer_decode_properties(impl, sol, seed, provided):
    """each decoded row is a permutation, and tied scores go to the lowest index"""
    rng = _rng(seed, 8)
    N, n, H, A = 5, 7, 3, 4
    E, d0, W1, W2, v = _scores_inputs(rng, N, n, H, A)
    with using_solution(impl, sol, "pointer_scores_forward"):
        got = impl.greedy_pointer_decode(E, d0, W1, W2, v, provided.decoder_step)
        got = expect_array("greedy_pointer_decode", got, np.zeros((N, n), dtype=np.int64))
        bad = [b for b in range(N) if sorted(got[b].tolist()) != list(range(n))]
        if bad:
            fail(
                f"greedy_pointer_decode row {bad[0]} is {got[bad[0]].tolist()}, not a permutation "
                f"of 0..{n - 1}: positions chosen at earlier steps must be masked out"
            )
        tied = impl.greedy_pointer_decode(E, d0, W1, W2, np.zeros(A), provided.decoder_step)
    assert_equal(
        "greedy_pointer_decode with all scores tied (v = 0; ties go to the lowest index)",
        tied, np.tile(np.arange(n, dtype=np.int64), (N, 1)),
    )
