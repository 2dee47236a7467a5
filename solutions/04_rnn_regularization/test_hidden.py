"""Hidden checks for paper 04.

Forwards are compared with the torch float64 reference (two nn.LSTM layers with the injected
masks between them); backwards with its autograd gradient and with central differences of the
reference forward, on caches built by the trusted solution (independent credit). The
composite's checks swap in the solution's dropout_forward/dropout_backward, so a wrong dropout
costs only dropout's points. Recurrences run over up to 5 steps; the edge cases p = 0, p = 0.9,
T = 1 and N = 1 are among the cases, and so are time-tied (N, 1, .) masks.
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

PARAM_NAMES = ("Wx1", "Wh1", "b1", "Wx2", "Wh2", "b2", "Wy", "by")
DROPOUT = ("dropout_forward", "dropout_backward")

# (x shape, mask shape, p). Masks keep about half the units whatever p is: the formula is
# the same for any 0/1 mask, and half-full masks test the 1/(1 - p) scale at p = 0.9 too.
DROPOUT_CASES = [
    ((3, 4, 5), (3, 4, 5), 0.5),
    ((2, 3, 4), (2, 1, 4), 0.9),
    ((1, 6), (1, 6), 0.25),
    ((2, 2, 3), (2, 2, 3), 0.0),
]

# (N, T, D, H, V, p, mask kind): "full" masks (N, T, .), "tied" masks (N, 1, .), "ones".
LSTM_CASES = [
    (2, 4, 3, 2, 4, 0.5, "full"),
    (1, 1, 2, 3, 3, 0.9, "full"),
    (3, 5, 2, 2, 3, 0.0, "ones"),
    (2, 3, 3, 2, 2, 0.3, "tied"),
]


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _half_mask(rng, shape):
    mask = (rng.random(shape) < 0.5).astype(np.float64)
    mask.reshape(-1)[0] = 1.0  # never an all-zero mask
    return mask


@functools.cache
def dropout_case(ref, seed, k):
    x_shape, mask_shape, p = DROPOUT_CASES[k]
    rng = _rng(seed, 1, k)
    x = rng.standard_normal(x_shape)
    mask = np.ones(mask_shape) if p == 0.0 else _half_mask(rng, mask_shape)
    dout = rng.standard_normal(x_shape)
    out, (dx,) = torchref.vjp(ref.dropout, (x, mask, p), dout, wrt=(0,))
    numeric = numerical_vjp(
        lambda a: torchref.forward(ref.dropout, a, mask, p), (x,), dout, wrt=(0,)
    )
    return frozen((x, mask, p, dout, out, dx, numeric[0]))


@pytest.mark.points(1)
def test_make_keep_mask(impl, seed):
    """make_keep_mask keeps u >= p (ties kept), as float64, for any shape"""
    rng = _rng(seed, 0)
    for shape, p in (((7,), 0.3), ((2, 3, 4), 0.9), ((4, 1, 3), 0.0), ((1,), 0.5)):
        u = rng.random(shape)
        u.reshape(-1)[: max(1, u.size // 4)] = p  # exact ties: a uniform equal to p is kept
        got = call_unmutated(impl.make_keep_mask, u, p)
        assert_equal(f"make_keep_mask(u of shape {shape}, p = {p})", got, np.where(u < p, 0.0, 1.0))
    u = rng.random(20000)
    kept = float(np.mean(impl.make_keep_mask(u, 0.3)))
    if abs(kept - 0.7) > 0.02:
        fail(f"make_keep_mask(u, p = 0.3) keeps {kept:.3f} of the units; it should keep 0.7")


@pytest.mark.points(1)
def test_dropout_forward(impl, ref, seed):
    """dropout_forward matches x * mask / (1 - p), with broadcast masks, p = 0 and p = 0.9"""
    for k in range(len(DROPOUT_CASES)):
        x, mask, p, _, out, _, _ = dropout_case(ref, seed, k)
        got, cache = call_unmutated(impl.dropout_forward, x, mask, p)
        assert_close(f"dropout_forward out (x {x.shape}, mask {mask.shape}, p = {p})", got, out)
        assert_cache_keys("dropout_forward", cache, ("mask", "p"))
        if p == 0.0:
            assert_close("dropout_forward with p = 0 and an all-ones mask", got, x, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_dropout_backward(impl, sol, ref, seed):
    """dropout_backward matches torch autograd and central differences"""
    for k in range(len(DROPOUT_CASES)):
        x, mask, p, dout, _, dx, numeric = dropout_case(ref, seed, k)
        _, cache = sol.dropout_forward(x, mask, p)
        got = call_unmutated(impl.dropout_backward, dout, cache)
        assert_gradients(
            f"dropout_backward (x {x.shape}, mask {mask.shape}, p = {p})", got, ("dx",),
            autograd=(dx,), numeric=(numeric,), masks={"dx": np.broadcast_to(mask, x.shape) > 0},
        )


@pytest.mark.points(1)
def test_dropout_is_unbiased(impl, seed):
    """E[dropout(x)] = x over 10^4 injected masks, within 4 standard errors"""
    rng = _rng(seed, 2)
    draws, p = 10_000, 0.4
    x = rng.standard_normal((3, 4)) + np.sign(rng.standard_normal((3, 4)))
    masks = (rng.random((draws, 3, 4)) >= p).astype(np.float64)
    out, _ = impl.dropout_forward(np.broadcast_to(x, masks.shape).copy(), masks, p)
    if not isinstance(out, np.ndarray) or out.shape != masks.shape:
        fail(f"dropout_forward should return an array of shape {masks.shape}")
    mean, stderr = out.mean(axis=0), out.std(axis=0) / np.sqrt(draws)
    z = np.abs(mean - x) / stderr
    worst = np.unravel_index(int(np.argmax(z)), z.shape)
    if z[worst] > 4:
        fail(
            f"dropout_forward is biased: over {draws} masks with p = {p}, the mean output at "
            f"{tuple(int(i) for i in worst)} is {mean[worst]:.4f} but x is {x[worst]:.4f} "
            f"({z[worst]:.1f} standard errors away). Inverted dropout divides kept units by 1 - p."
        )


def _lstm_inputs(rng, n, t, d, h, v, p, kind):
    x = rng.standard_normal((n, t, d))
    h0, c0 = rng.standard_normal((2, n, h)), rng.standard_normal((2, n, h))
    params = {
        "Wx1": rng.standard_normal((d, 4 * h)), "Wh1": rng.standard_normal((h, 4 * h)),
        "b1": rng.standard_normal(4 * h),
        "Wx2": rng.standard_normal((h, 4 * h)), "Wh2": rng.standard_normal((h, 4 * h)),
        "b2": rng.standard_normal(4 * h),
        "Wy": rng.standard_normal((h, v)), "by": rng.standard_normal(v),
    }
    steps = 1 if kind == "tied" else t
    shapes = {"in": (n, steps, d), "mid": (n, steps, h), "out": (n, steps, h)}
    if kind == "ones":
        masks = {site: np.ones(shape) for site, shape in shapes.items()}
    else:
        masks = {site: _half_mask(rng, shape) for site, shape in shapes.items()}
    return x, h0, c0, params, masks


def _ref_args(x, h0, c0, params, masks, p):
    return (x, h0, c0, *(params[k] for k in PARAM_NAMES), masks["in"], masks["mid"],
            masks["out"], p)


def _forward_ref(ref, masks, p):
    def f(x, h0, c0, params):
        return torchref.forward(ref.zaremba_lstm, *_ref_args(x, h0, c0, params, masks, p))
    return f


@functools.cache
def lstm_case(ref, seed, k):
    n, t, d, h, v, p, kind = LSTM_CASES[k]
    rng = _rng(seed, 3, k)
    x, h0, c0, params, masks = _lstm_inputs(rng, n, t, d, h, v, p, kind)
    dlogits = rng.standard_normal((n, t, v))
    logits, grads = torchref.vjp(
        ref.zaremba_lstm, _ref_args(x, h0, c0, params, masks, p), dlogits, wrt=range(11)
    )
    expected = dict(zip(("dx", "dh0", "dc0", *PARAM_NAMES), grads))
    # Central differences of the torch reference forward, every element of every input.
    nx, nh0, nc0, nparams = numerical_vjp(
        _forward_ref(ref, masks, p), (x, h0, c0, params), dlogits, wrt=(0, 1, 2, 3)
    )
    numeric = {"dx": nx, "dh0": nh0, "dc0": nc0, **nparams}
    return frozen((x, h0, c0, params, masks, p, dlogits, logits, expected, numeric))


def _label(k):
    n, t, d, h, v, p, kind = LSTM_CASES[k]
    return f"N={n}, T={t}, D={d}, H={h}, V={v}, p={p}, {kind} masks"


@pytest.mark.points(2)
def test_zaremba_lstm_forward(impl, sol, ref, seed):
    """zaremba_lstm_forward matches two torch LSTMs with the masks between them"""
    for k in range(len(LSTM_CASES)):
        x, h0, c0, params, masks, p, _, logits, _, _ = lstm_case(ref, seed, k)
        with using_solution(impl, sol, *DROPOUT):
            got, cache = call_unmutated(impl.zaremba_lstm_forward, x, h0, c0, params, masks, p)
        assert_close(f"zaremba_lstm_forward logits ({_label(k)})", got, logits)
        last = x.shape[1] - 1
        assert_cache_keys("zaremba_lstm_forward", cache, (
            "drop_in.mask", "drop_mid.p", "drop_out.mask", "lstm1.t0.x", f"lstm2.t{last}.act",
            "top", "Wy",
        ))


@pytest.mark.points(3)
def test_zaremba_lstm_backward(impl, sol, ref, seed):
    """zaremba_lstm_backward matches torch autograd and central differences, through time"""
    names = ("dx", "dh0", "dc0", *PARAM_NAMES)
    for k in range(len(LSTM_CASES)):
        x, h0, c0, params, masks, p, dlogits, _, expected, numeric = lstm_case(ref, seed, k)
        _, cache = sol.zaremba_lstm_forward(x, h0, c0, params, masks, p)
        with using_solution(impl, sol, *DROPOUT):
            got = call_unmutated(impl.zaremba_lstm_backward, dlogits, cache)
        if not isinstance(got, dict):
            kind = type(got).__name__
            fail(f"zaremba_lstm_backward should return a dict of gradients, got {kind}")
        assert_gradients(
            f"zaremba_lstm_backward ({_label(k)})", got, names,
            autograd=[expected[n] for n in names], numeric=[numeric[n] for n in names],
        )


@pytest.mark.points(1)
def test_zaremba_without_dropout_is_a_plain_lstm(impl, sol, ref, seed):
    """all-ones masks with p = 0 reproduce a plain two-layer nn.LSTM"""
    rng = _rng(seed, 4)
    x, h0, c0, params, _ = _lstm_inputs(rng, 3, 4, 2, 3, 3, 0.0, "ones")
    plain = torchref.forward(ref.plain_lstm2, x, h0, c0, *(params[k] for k in PARAM_NAMES))
    for shape in ((1, 1, 1), None):
        masks = {
            "in": np.ones(shape or x.shape), "mid": np.ones(shape or (3, 4, 3)),
            "out": np.ones(shape or (3, 4, 3)),
        }
        with using_solution(impl, sol, *DROPOUT):
            got, _ = impl.zaremba_lstm_forward(x, h0, c0, params, masks, 0.0)
        assert_close(
            f"zaremba_lstm_forward with all-ones masks of shape {shape or 'like the inputs'} and "
            "p = 0, against nn.LSTM(num_layers=2)", got, plain,
        )


@pytest.mark.points(1)
def test_zaremba_keeps_the_recurrence(impl, sol, seed):
    """where the 'in' mask is 0, dx = 0, while the last logits still depend on all of h0"""
    rng = _rng(seed, 5)
    n, t, d, h, v, p = 2, 4, 3, 3, 2, 0.5
    x, h0, c0, params, masks = _lstm_inputs(rng, n, t, d, h, v, p, "full")
    masks = {site: mask.copy() for site, mask in masks.items()}
    masks["in"][:, :, 1:] = 0.0  # only feature 0 of x gets through, at every step
    masks["in"][:, :, 0] = 1.0
    masks["mid"][:, 0, 0] = masks["out"][:, 0, 0] = 0.0  # unit 0 is dropped upwards at t = 0
    dlogits = np.zeros((n, t, v))
    dlogits[:, -1] = rng.standard_normal((n, v))  # a loss on the last step only
    _, cache = sol.zaremba_lstm_forward(x, h0, c0, params, masks, p)
    with using_solution(impl, sol, *DROPOUT):
        grads = impl.zaremba_lstm_backward(dlogits, cache)
    dx = grads["dx"] if isinstance(grads, dict) and "dx" in grads else None
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
        fail(f"zaremba_lstm_backward should return grads['dx'] of shape {x.shape}")
    if np.any(dx[:, :, 1:] != 0):
        fail(
            "zaremba_lstm_backward: dx should be exactly 0 where the 'in' mask dropped x "
            "(the dropout backward must be applied to dx)"
        )
    dh0 = grads.get("dh0")
    if not isinstance(dh0, np.ndarray) or dh0.shape != (2, n, h):
        fail(f"zaremba_lstm_backward should return grads['dh0'] of shape {(2, n, h)}")
    if np.abs(dh0).min() < 1e-9 * np.abs(dlogits).max():
        layer, row, unit = np.unravel_index(int(np.argmin(np.abs(dh0))), dh0.shape)
        fail(
            f"zaremba_lstm_backward: with a loss on step {t - 1} only, dh0[{layer}, {row}, "
            f"{unit}] is 0; every unit of h0 should reach the loss through the recurrence, "
            "which dropout never cuts"
        )
    # The forward agrees: unit 0 of layer 1's h0, although dropped upwards at t = 0, still
    # reaches the last logits through the recurrent connection.
    nudged = h0.copy()
    nudged[0, :, 0] += 0.5
    with using_solution(impl, sol, *DROPOUT):
        base, _ = impl.zaremba_lstm_forward(x, h0, c0, params, masks, p)
        moved, _ = impl.zaremba_lstm_forward(x, nudged, c0, params, masks, p)
    if np.allclose(base[:, -1], moved[:, -1], rtol=0, atol=1e-9):
        fail(
            "zaremba_lstm_forward: the last logits ignore unit 0 of layer 1's h0, which the "
            "'mid' mask drops upwards at t = 0; the mask must not touch the recurrent h"
        )


@functools.cache
def tied_case(sol, seed):
    rng = _rng(seed, 6)
    n, t, d, h, v, p = 2, 3, 2, 3, 2, 0.5
    x, h0, c0, params, tied = _lstm_inputs(rng, n, t, d, h, v, p, "tied")
    dlogits = rng.standard_normal((n, t, v))
    # Central differences of the trusted solution's forward (cheaper than torch per element).
    nx, nh0, nc0, nparams = numerical_vjp(
        lambda *a: sol.zaremba_lstm_forward(*a, tied, p)[0], (x, h0, c0, params), dlogits,
        wrt=(0, 1, 2, 3),
    )
    numeric = {"dx": nx, "dh0": nh0, "dc0": nc0, **nparams}
    return frozen((x, h0, c0, params, tied, p, dlogits, numeric))


@pytest.mark.points(1)
def test_zaremba_time_tied_masks(impl, sol, seed):
    """time-tied (N, 1, .) masks act as the same mask at every step, forward and backward"""
    x, h0, c0, params, tied, p, dlogits, numeric = tied_case(sol, seed)
    repeated = {site: np.repeat(mask, x.shape[1], axis=1) for site, mask in tied.items()}
    with using_solution(impl, sol, *DROPOUT):
        out_tied, _ = call_unmutated(impl.zaremba_lstm_forward, x, h0, c0, params, tied, p)
        out_full, _ = impl.zaremba_lstm_forward(x, h0, c0, params, repeated, p)
        assert_close("zaremba_lstm_forward with (N, 1, .) masks vs the same masks repeated "
                     "over T", out_tied, out_full, tol=EXACT_TOL, against="repeated masks")
        _, cache = sol.zaremba_lstm_forward(x, h0, c0, params, tied, p)
        got = call_unmutated(impl.zaremba_lstm_backward, dlogits, cache)
    names = ("dx", "dh0", "dc0", *PARAM_NAMES)
    assert_gradients("zaremba_lstm_backward with time-tied masks", got, names,
                     numeric=[numeric[k] for k in names])
