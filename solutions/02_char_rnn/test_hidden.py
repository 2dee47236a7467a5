"""Hidden checks for paper 02.

Forwards are compared with torch float64 references (nn.RNN with mapped weights,
F.cross_entropy, and a Python-loop inverse-CDF sampler); backwards with the reference's autograd
gradient and with central differences of the torch reference forward (every element), on a
cache built by the trusted solution (independent credit). BPTT is checked through 4 to 6 steps,
with upstream gradients on every step. The sequence functions and the sampler are graded with
the solution's step functions swapped in, so a wrong step costs only the step's checks. Case
lists include the edge shapes N = 1, T = 1, V = 2 and H = 1. Each case is computed once per
process (functools.cache), frozen read-only, and reused for every learner in a batch.
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    EXACT_TOL,
    assert_cache_keys,
    assert_close,
    assert_equal,
    assert_gradients,
    call_unmutated,
    fail,
    frozen,
    using_solution,
)

STEP_CASES = [(1, 3, 1), (4, 5, 6), (3, 1, 4)]  # (N, D, H)
# (N, T, D, H, upstream scale). The large upstream gradient of the last case makes weight
# gradients exceed 5, so clipping inside the backward pass is caught.
SEQ_CASES = [(1, 1, 2, 3, 1.0), (2, 5, 3, 4, 1.0), (3, 6, 2, 1, 1.0), (1, 4, 4, 5, 20.0)]
LOSS_CASES = [(1, 1, 2, 1.0), (2, 5, 7, 0.7), (3, 4, 25, -2.5)]  # (N, T, V, dloss)
SAMPLE_CASES = [(1, 2, 1), (5, 7, 20), (8, 25, 40)]  # (H, V, n)

STEP_GRADS = ("dx", "dh_prev", "dWx", "dWh", "db")
SEQ_GRADS = ("dx", "dh0", "dWx", "dWh", "db")


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _weights(rng, d, h):
    """O(1) weights: tanh works in its curved range and gradients survive several steps."""
    return (
        rng.standard_normal((d, h)) / np.sqrt(d),
        rng.standard_normal((h, h)) / np.sqrt(h),
        0.5 * rng.standard_normal(h),
    )


def _with_numeric(ref_fn, args, dout):
    out, grads = torchref.vjp(ref_fn, args, dout)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref_fn, *a), args, dout, wrt=range(len(args))
    )
    return out, grads, numeric


@functools.cache
def step_case(ref, seed, k):
    n, d, h = STEP_CASES[k]
    rng = _rng(seed, 1, k)
    args = (rng.standard_normal((n, d)), rng.standard_normal((n, h)), *_weights(rng, d, h))
    dh = rng.standard_normal((n, h))
    return frozen((args, dh, *_with_numeric(ref.rnn_step, args, dh)))


@pytest.mark.points(1)
def test_rnn_step_forward(impl, ref, seed):
    """rnn_step_forward matches one step of torch's nn.RNN"""
    for k in range(len(STEP_CASES)):
        args, _, out, _, _ = step_case(ref, seed, k)
        got, cache = call_unmutated(impl.rnn_step_forward, *args)
        assert_close(f"rnn_step_forward h (N, D, H = {STEP_CASES[k]})", got, out)
        assert_cache_keys("rnn_step_forward", cache, ("x", "h_prev", "Wx", "Wh", "h"))


@pytest.mark.points(2)
def test_rnn_step_backward(impl, sol, ref, seed):
    """rnn_step_backward matches torch autograd and central differences"""
    for k in range(len(STEP_CASES)):
        args, dh, _, grads, numeric = step_case(ref, seed, k)
        _, cache = sol.rnn_step_forward(*args)
        got = call_unmutated(impl.rnn_step_backward, dh, cache)
        assert_gradients(
            f"rnn_step_backward (N, D, H = {STEP_CASES[k]})", got, STEP_GRADS,
            autograd=grads, numeric=numeric, batch_size=STEP_CASES[k][0],
        )


@functools.cache
def seq_case(ref, seed, k):
    n, t, d, h, scale = SEQ_CASES[k]
    rng = _rng(seed, 2, k)
    args = (rng.standard_normal((n, t, d)), rng.standard_normal((n, h)), *_weights(rng, d, h))
    dh = scale * rng.standard_normal((n, t, h))
    return frozen((args, dh, *_with_numeric(ref.rnn, args, dh)))


def _seq_label(k):
    n, t, d, h, _ = SEQ_CASES[k]
    return f"N={n}, T={t}, D={d}, H={h}"


@pytest.mark.points(1)
def test_rnn_forward(impl, sol, ref, seed):
    """rnn_forward matches torch's nn.RNN over whole sequences (T = 1 to 6)"""
    for k in range(len(SEQ_CASES)):
        args, _, out, _, _ = seq_case(ref, seed, k)
        with using_solution(impl, sol, "rnn_step_forward"):
            got, cache = call_unmutated(impl.rnn_forward, *args)
        assert_close(f"rnn_forward h ({_seq_label(k)})", got, out)
        assert_cache_keys("rnn_forward", cache, ("x", "h0", "Wx", "Wh", "b", "h"))


@pytest.mark.points(3)
def test_rnn_backward(impl, sol, ref, seed):
    """rnn_backward (BPTT through up to 6 steps) matches torch autograd and central differences"""
    for k in range(len(SEQ_CASES)):
        args, dh, _, grads, numeric = seq_case(ref, seed, k)
        _, cache = sol.rnn_forward(*args)
        with using_solution(impl, sol, "rnn_step_backward"):
            got = call_unmutated(impl.rnn_backward, dh, cache)
        assert_gradients(
            f"rnn_backward ({_seq_label(k)})", got, SEQ_GRADS,
            autograd=grads, numeric=numeric, batch_size=SEQ_CASES[k][0],
        )


@pytest.mark.points(1)
def test_rnn_properties(impl, sol, seed):
    """rnn_forward at T = 1 is one step; a gradient on the last state reaches x_1 and h0"""
    rng = _rng(seed, 3)
    x, h0, (Wx, Wh, b) = rng.standard_normal((3, 1, 4)), rng.standard_normal((3, 5)), _weights(
        rng, 4, 5
    )
    h, _ = impl.rnn_forward(x, h0, Wx, Wh, b)
    step, _ = impl.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
    if not (isinstance(h, np.ndarray) and h.shape == (3, 1, 5)):
        fail("rnn_forward at T = 1 should return h of shape (N, 1, H)")
    assert_close(
        "rnn_forward at T = 1 (should equal rnn_step_forward from h0)", h[:, 0], step,
        tol=EXACT_TOL, against="your rnn_step_forward",
    )
    x = rng.standard_normal((2, 6, 4))
    _, cache = sol.rnn_forward(x, h0[:2], Wx, Wh, b)
    dh = np.zeros((2, 6, 5))
    dh[:, -1] = rng.standard_normal((2, 5))
    dx, dh0, *_ = impl.rnn_backward(dh, cache)
    for name, grad in (("dx[:, 0]", dx[:, 0]), ("dh0", dh0)):
        if not np.all(np.isfinite(grad)) or np.linalg.norm(grad) < 1e-6:
            fail(
                f"rnn_backward: {name} is zero although the loss depends on it through 6 steps; "
                "carry the gradient of h[:, t - 1] back from step t (full BPTT, no truncation)"
            )


@functools.cache
def loss_case(ref, seed, k):
    n, t, v, dloss = LOSS_CASES[k]
    rng = _rng(seed, 4, k)
    logits, y = 3.0 * rng.standard_normal((n, t, v)), rng.integers(v, size=(n, t))
    loss, (dlogits,) = torchref.vjp(ref.softmax_ce, (logits, y), np.float64(dloss), wrt=(0,))
    numeric = numerical_vjp(
        lambda z: torchref.forward(ref.softmax_ce, z, y), (logits,), dloss, wrt=(0,)
    )
    return frozen((logits, y, float(loss), dlogits, numeric[0]))


@pytest.mark.points(1)
def test_softmax_ce_forward(impl, ref, seed):
    """softmax_ce_forward matches F.cross_entropy (mean over N * T)"""
    for k, (n, t, v, _) in enumerate(LOSS_CASES):
        logits, y, loss, _, _ = loss_case(ref, seed, k)
        got, cache = call_unmutated(impl.softmax_ce_forward, logits, y)
        assert_close(f"softmax_ce_forward loss (N={n}, T={t}, V={v})", got, loss)
        assert_cache_keys("softmax_ce_forward", cache, ("probs", "y"))


@pytest.mark.points(2)
def test_softmax_ce_backward(impl, sol, ref, seed):
    """softmax_ce_backward matches torch autograd and central differences"""
    for k, (n, t, v, dloss) in enumerate(LOSS_CASES):
        logits, y, _, dlogits, numeric = loss_case(ref, seed, k)
        _, cache = sol.softmax_ce_forward(logits, y)
        got = call_unmutated(impl.softmax_ce_backward, dloss, cache)
        assert_gradients(
            f"softmax_ce_backward (N={n}, T={t}, V={v}, dloss={dloss})", got, ("dlogits",),
            autograd=(dlogits,), numeric=(numeric,),
        )


@pytest.mark.points(1)
def test_softmax_ce_properties(impl, ref, seed):
    """softmax CE: ln V at uniform logits, shift invariance, dlogits rows sum to 0, no overflow"""
    n, t, v = 2, 3, 6
    rng = _rng(seed, 5)
    y = rng.integers(v, size=(n, t))
    loss, _ = impl.softmax_ce_forward(np.full((n, t, v), 2.5), y)
    assert_close("softmax_ce_forward at uniform logits (should be ln V)", loss, np.log(v),
                 tol=EXACT_TOL)
    logits = rng.standard_normal((n, t, v))
    loss, cache = impl.softmax_ce_forward(logits, y)
    dlogits = impl.softmax_ce_backward(1.0, cache)
    if not (isinstance(dlogits, np.ndarray) and dlogits.shape == (n, t, v)):
        fail(f"softmax_ce_backward should return dlogits of shape {(n, t, v)}")
    assert_close("softmax_ce_backward row sums (should be 0)", dlogits.sum(axis=-1),
                 np.zeros((n, t)))
    shift = 7.0 * rng.standard_normal((n, t, 1))
    shifted_loss, shifted_cache = impl.softmax_ce_forward(logits + shift, y)
    assert_close("softmax_ce_forward after adding a constant to each row", shifted_loss, loss)
    assert_close(
        "softmax_ce_backward after adding a constant to each row",
        impl.softmax_ce_backward(1.0, shifted_cache), dlogits,
    )
    huge = 1000.0 * rng.choice([-1.0, 1.0], size=(n, t, v)) + rng.standard_normal((n, t, v))
    expected, (expected_d,) = torchref.vjp(ref.softmax_ce, (huge, y), np.float64(1.0), wrt=(0,))
    with np.errstate(all="ignore"):
        loss, cache = impl.softmax_ce_forward(huge, y)
        got_d = impl.softmax_ce_backward(1.0, cache)
    assert_close("softmax_ce_forward at logits of +-1000 (shift by the row max)", loss, expected)
    assert_close("softmax_ce_backward at logits of +-1000", got_d, expected_d)


@functools.cache
def sample_case(ref, seed, k):
    h, v, n = SAMPLE_CASES[k]
    rng = _rng(seed, 6, k)
    args = (
        rng.standard_normal(h), int(rng.integers(v)),
        1.5 * rng.standard_normal((v, h)), rng.standard_normal((h, h)) / np.sqrt(h),
        0.5 * rng.standard_normal(h), 2.0 * rng.standard_normal((h, v)), rng.standard_normal(v),
        rng.random(n),
    )
    return frozen((args, torchref.forward(ref.sample, *args)))


@pytest.mark.points(2)
def test_sample(impl, sol, ref, seed):
    """sample matches a Python-loop inverse-CDF sampler fed the same uniforms"""
    for k, (h, v, n) in enumerate(SAMPLE_CASES):
        args, ids = sample_case(ref, seed, k)
        with using_solution(impl, sol, "rnn_step_forward"):
            got = call_unmutated(impl.sample, *args)
        assert_equal(f"sample ids (H={h}, V={v}, n={n})", got, ids)


@pytest.mark.points(1)
def test_sample_tie_rule(impl, sol, seed):
    """sample picks the smallest k with cumsum(p)[k] > u, and depends on u only"""
    rng = _rng(seed, 7)
    h, v = 3, 4
    Wx, Wh, b = _weights(rng, v, h)
    # Wy = 0 and by = 0 make p exactly 1/4, so cumsum(p) = 0.25, 0.5, 0.75, 1 exactly.
    u = np.array([0.0, 0.25, 0.5, 0.75, 0.2499, 0.7501, 0.999])
    args = (rng.standard_normal(h), 2, Wx, Wh, b, np.zeros((h, v)), np.zeros(v), u)
    with using_solution(impl, sol, "rnn_step_forward"):
        got = call_unmutated(impl.sample, *args)
        again = impl.sample(*args)
    assert_equal(
        "sample with p = 1/4 each (u = 0.25 must give id 1: cumsum(p)[k] > u, strictly)",
        got, np.array([0, 1, 2, 3, 0, 3, 3]),
    )
    assert_equal("sample called twice with the same u (it must not draw its own randomness)",
                 again, got)
