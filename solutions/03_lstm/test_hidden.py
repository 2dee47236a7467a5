"""Hidden checks for paper 03.

Forwards are compared with torch float64 references (nn.LSTMCell and nn.LSTM with mapped
weights, gate order i, f, g, o); backwards with the reference's autograd gradient and with
central differences of the torch reference forward (every element), on a cache built by the
trusted solution (independent credit). BPTT is checked through 4 to 6 steps with gradients on
every step. The sequence functions are graded with the solution's step functions swapped in,
and input_grad_norms with the solution's lstm_backward. Weights are O(1), so every gate works in
its curved range. Case lists include N = T = H = 1. Each case is computed once per process
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

STEP_CASES = [(1, 1, 1), (3, 4, 5), (2, 3, 2)]  # (N, D, H)
SEQ_CASES = [(1, 1, 1, 1), (2, 5, 3, 3), (1, 6, 2, 2), (3, 4, 2, 1)]  # (N, T, D, H)
NORM_CASES = [(1, 1, 2, 1), (3, 8, 2, 3), (2, 12, 4, 5)]  # (N, T, D, H)

STEP_GRADS = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
SEQ_GRADS = ("dx", "dh0", "dc0", "dWx", "dWh", "db")
STEP_KEYS = ("x", "h_prev", "c_prev", "Wx", "Wh", "i", "f", "g", "o", "c")
SEQ_KEYS = ("x", "h0", "c0", "Wx", "Wh", "b", "i", "f", "g", "o", "c", "h")


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _pair(fn_name, result):
    """Split a step's ((h, c), cache) return value, failing with a clear message."""
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"{fn_name} should return ((h, c), cache)")
    states, cache = result
    if not (isinstance(states, tuple) and len(states) == 2):
        fail(f"{fn_name} should return the pair (h, c) as its first output")
    return states, cache


def _weights(rng, d, h, scale=1.0):
    """O(1) weights by default: gradients through the gates are far from negligible."""
    return (
        scale * rng.standard_normal((d, 4 * h)) / np.sqrt(d),
        scale * rng.standard_normal((h, 4 * h)) / np.sqrt(h),
        0.5 * scale * rng.standard_normal(4 * h),
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
    args = (
        rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h)),
        *_weights(rng, d, h),
    )
    dout = (rng.standard_normal((n, h)), rng.standard_normal((n, h)))
    return frozen((args, dout, *_with_numeric(ref.lstm_step, args, dout)))


@pytest.mark.points(1)
def test_lstm_step_forward(impl, ref, seed):
    """lstm_step_forward matches torch's nn.LSTMCell (h and c)"""
    for k in range(len(STEP_CASES)):
        args, _, (h, c), _, _ = step_case(ref, seed, k)
        (got_h, got_c), cache = _pair("lstm_step_forward", call_unmutated(impl.lstm_step_forward,
                                                                          *args))
        label = f"(N, D, H = {STEP_CASES[k]})"
        assert_close(f"lstm_step_forward h {label}", got_h, h)
        assert_close(f"lstm_step_forward c {label}", got_c, c)
        assert_cache_keys("lstm_step_forward", cache, STEP_KEYS)


@pytest.mark.points(2)
def test_lstm_step_backward(impl, sol, ref, seed):
    """lstm_step_backward matches torch autograd and central differences"""
    for k in range(len(STEP_CASES)):
        args, dout, _, grads, numeric = step_case(ref, seed, k)
        _, cache = sol.lstm_step_forward(*args)
        got = call_unmutated(impl.lstm_step_backward, dout, cache)
        assert_gradients(
            f"lstm_step_backward (N, D, H = {STEP_CASES[k]})", got, STEP_GRADS,
            autograd=grads, numeric=numeric, batch_size=STEP_CASES[k][0],
        )


@functools.cache
def seq_case(ref, seed, k):
    n, t, d, h = SEQ_CASES[k]
    rng = _rng(seed, 2, k)
    args = (
        rng.standard_normal((n, t, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h)),
        *_weights(rng, d, h),
    )
    dh = rng.standard_normal((n, t, h))
    return frozen((args, dh, *_with_numeric(ref.lstm, args, dh)))


def _seq_label(k):
    n, t, d, h = SEQ_CASES[k]
    return f"N={n}, T={t}, D={d}, H={h}"


@pytest.mark.points(1)
def test_lstm_forward(impl, sol, ref, seed):
    """lstm_forward matches torch's nn.LSTM over whole sequences (T = 1 to 6)"""
    for k in range(len(SEQ_CASES)):
        args, _, out, _, _ = seq_case(ref, seed, k)
        with using_solution(impl, sol, "lstm_step_forward"):
            got, cache = call_unmutated(impl.lstm_forward, *args)
        assert_close(f"lstm_forward h ({_seq_label(k)})", got, out)
        assert_cache_keys("lstm_forward", cache, SEQ_KEYS)


@pytest.mark.points(3)
def test_lstm_backward(impl, sol, ref, seed):
    """lstm_backward (BPTT through up to 6 steps) matches torch autograd and central differences"""
    for k in range(len(SEQ_CASES)):
        args, dh, _, grads, numeric = seq_case(ref, seed, k)
        _, cache = sol.lstm_forward(*args)
        with using_solution(impl, sol, "lstm_step_backward"):
            got = call_unmutated(impl.lstm_backward, dh, cache)
        assert_gradients(
            f"lstm_backward ({_seq_label(k)})", got, SEQ_GRADS,
            autograd=grads, numeric=numeric, batch_size=SEQ_CASES[k][0],
        )


@functools.cache
def norm_case(ref, seed, k):
    n, t, d, h = NORM_CASES[k]
    rng = _rng(seed, 3, k)
    args = (
        rng.standard_normal((n, t, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h)),
        *_weights(rng, d, h),
    )
    dh_last = rng.standard_normal((n, h))
    return frozen((args, dh_last, torchref.forward(ref.input_grad_norms, *args, dh_last)))


@pytest.mark.points(2)
def test_input_grad_norms(impl, sol, ref, seed):
    """input_grad_norms matches the norms of torch's autograd dL/dx_t for a loss on h_T"""
    for k, (n, t, d, h) in enumerate(NORM_CASES):
        args, dh_last, norms = norm_case(ref, seed, k)
        _, cache = sol.lstm_forward(*args)
        with using_solution(impl, sol, "lstm_backward"):
            got = call_unmutated(impl.input_grad_norms, dh_last, cache)
        assert_close(f"input_grad_norms (N={n}, T={t}, D={d}, H={h})", got, norms)


@pytest.mark.points(1)
def test_lstm_properties(impl, seed):
    """lstm_forward at T = 1 is one step, and |h| < 1 even for large inputs"""
    rng = _rng(seed, 4)
    x, h0, c0 = rng.standard_normal((3, 1, 2)), rng.standard_normal((3, 4)), rng.standard_normal(
        (3, 4)
    )
    Wx, Wh, b = _weights(rng, 2, 4)
    h, cache = impl.lstm_forward(x, h0, c0, Wx, Wh, b)
    (step_h, step_c), _ = _pair("lstm_step_forward", impl.lstm_step_forward(x[:, 0], h0, c0, Wx,
                                                                           Wh, b))
    if not (isinstance(h, np.ndarray) and h.shape == (3, 1, 4)):
        fail("lstm_forward at T = 1 should return h of shape (N, 1, H)")
    assert_close("lstm_forward at T = 1 (should equal lstm_step_forward from h0, c0)", h[:, 0],
                 step_h, tol=EXACT_TOL, against="your lstm_step_forward")
    assert_cache_keys("lstm_forward", cache, ("c",))
    assert_close("lstm_forward cache['c'] at T = 1 (should equal the step's c)",
                 np.asarray(cache["c"])[:, 0], step_c, tol=EXACT_TOL,
                 against="your lstm_step_forward")
    x = 4.0 * rng.standard_normal((4, 6, 2))
    h, _ = impl.lstm_forward(x, np.zeros((4, 4)), 3.0 * rng.standard_normal((4, 4)),
                             *_weights(rng, 2, 4, scale=3.0))
    if not np.all(np.abs(h) < 1.0):
        fail(f"lstm_forward: |h| reaches {np.nanmax(np.abs(h)):.3g}, but h = o * tanh(c) with "
             "0 < o < 1 must stay inside (-1, 1)")


@pytest.mark.points(2)
def test_lstm_carries_the_cell(impl, sol, seed):
    """forget bias +30, input bias -30: c_T = c_0 and dc_T/dc_0 = I to 1e-12"""
    rng = _rng(seed, 5)
    n, t, d, h = 3, 4, 2, 3
    x, h0, c0 = rng.standard_normal((n, t, d)), rng.standard_normal((n, h)), rng.standard_normal(
        (n, h)
    )
    Wx, Wh, b = _weights(rng, d, h, scale=0.1)
    b = b + np.concatenate([np.full(h, -30.0), np.full(h, 30.0), np.zeros(2 * h)])
    carry = Tolerance(rtol=0.0, atol=1e-12)
    _, cache = impl.lstm_forward(x, h0, c0, Wx, Wh, b)
    assert_cache_keys("lstm_forward", cache, ("c",))
    assert_close("lstm_forward: the last cell state c_T with the forget gate open (f ~ 1) and "
                 "the input gate shut (i ~ 0); it should equal c_0",
                 np.asarray(cache["c"])[:, -1], c0, tol=carry, against="c_0")
    # The Jacobian dc_T/dc_0 of one example, row by row: H copies of the example, the upstream
    # dc_T of copy j is the unit vector e_j, chained backwards through the learner's step.
    xs, h0s, c0s = (np.repeat(a[:1], h, axis=0) for a in (x, h0, c0))
    _, seq = sol.lstm_forward(xs, h0s, c0s, Wx, Wh, b)
    dh_carry, dc_carry = np.zeros((h, h)), np.eye(h)
    for step in reversed(range(t)):
        step_cache = {key: seq[key][:, step] for key in ("i", "f", "g", "o", "c")}
        step_cache.update(
            x=xs[:, step], Wx=Wx, Wh=Wh,
            h_prev=h0s if step == 0 else seq["h"][:, step - 1],
            c_prev=c0s if step == 0 else seq["c"][:, step - 1],
        )
        grads = impl.lstm_step_backward((dh_carry, dc_carry), step_cache)
        if not (isinstance(grads, tuple) and len(grads) == 6):
            fail("lstm_step_backward should return (dx, dh_prev, dc_prev, dWx, dWh, db)")
        dh_carry, dc_carry = grads[1], grads[2]
    assert_close("dc_T/dc_0 chained through lstm_step_backward with the forget gate open "
                 "(should be the identity: the cell's gradient passes through f ~ 1)",
                 dc_carry, np.eye(h), tol=carry, against="the identity")


@pytest.mark.points(1)
def test_sigmoid_at_800(impl, ref, seed):
    """gates at pre-activations of +-800 raise no overflow and match torch"""
    rng = _rng(seed, 6)
    n, d, h = 2, 3, 2
    x, h_prev, c_prev = np.zeros((n, d)), np.zeros((n, h)), rng.standard_normal((n, h))
    Wx, Wh = np.zeros((d, 4 * h)), np.zeros((h, 4 * h))
    b = 800.0 * rng.choice([-1.0, 1.0], size=4 * h)
    expected = torchref.forward(ref.lstm_step, x, h_prev, c_prev, Wx, Wh, b)
    try:
        with np.errstate(over="raise", invalid="raise"):
            (got_h, got_c), _ = _pair("lstm_step_forward",
                                      impl.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b))
    except FloatingPointError as exc:
        fail(f"lstm_step_forward overflowed at gate pre-activations of +-800 ({exc}): "
             "1 / (1 + exp(-a)) computes exp(800) for a = -800; exponentiate -|a| instead")
    assert_close("lstm_step_forward h at pre-activations of +-800", got_h, expected[0])
    assert_close("lstm_step_forward c at pre-activations of +-800", got_c, expected[1])
