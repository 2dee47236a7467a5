"""Hidden checks for paper 07.

Every forward is compared with the torch float64 reference (F.conv2d, F.max_pool2d,
F.local_response_norm with alpha*n); every backward with the reference's autograd gradient and
with central differences of the reference forward over every element, on a cache built by the
trusted solution (independent credit). Case lists hold the curriculum's edge shapes: N = C = 1,
stride 2 with flooring, pad = 0, a kernel as large as the input. Pooling inputs keep every
window's maximum at least 0.05 above the rest (off the kinks), except in the tie-rule check.
Each case is computed once per process (functools.cache), frozen read-only, and reused for
every learner in a batch.
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
    frozen,
)

# (x shape, F, (HH, WW), stride, pad)
CONV_CASES = [
    ((1, 1, 5, 5), 1, (3, 3), 1, 0),  # N = C = F = 1, pad 0
    ((2, 3, 8, 7), 2, (3, 3), 2, 1),  # stride 2 with flooring along H and W
    ((2, 2, 4, 4), 3, (4, 4), 1, 0),  # kernel = input size: a 1 x 1 output
    ((1, 2, 6, 5), 2, (3, 2), 3, 2),  # rectangular kernel, stride 3, pad 2
    ((3, 2, 5, 5), 4, (1, 1), 1, 0),  # 1 x 1 kernel
]
# (x shape, size, stride)
POOL_CASES = [
    ((1, 1, 3, 3), 3, 2),  # N = C = 1, window = input
    ((2, 3, 7, 7), 3, 2),  # AlexNet's overlapping pooling
    ((2, 2, 8, 9), 3, 2),  # flooring: the last row and column are never pooled
    ((1, 2, 6, 6), 2, 2),  # non-overlapping
    ((2, 1, 5, 7), 3, 1),  # heavy overlap
]
# (x shape, n, alpha, beta, k, scale of x)
LRN_CASES = [
    ((1, 1, 2, 3), 5, 0.5, 0.75, 2.0, 1.0),  # C = 1: the window is clipped on both sides
    ((2, 7, 3, 3), 5, 0.1, 0.75, 2.0, 1.0),
    ((2, 4, 2, 3), 3, 0.3, 0.5, 1.0, 1.0),
    ((1, 6, 3, 2), 7, 0.2, 1.2, 1.5, 1.0),  # window as wide as the channels
    ((2, 8, 2, 2), 5, 1e-4, 0.75, 2.0, 30.0),  # the paper's constants on large activations
]


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def distinct_values(rng, shape, gap=0.05):
    """Values in random order, any two at least ``gap`` apart: no window has a near-tie."""
    count = int(np.prod(shape))
    values = gap * (np.arange(count) - count / 2) + rng.uniform(0, 0.2 * gap, count)
    return rng.permutation(values).reshape(shape)


def _conv_label(x, w, stride, pad):
    return f"x of shape {x.shape}, w of shape {w.shape}, stride {stride}, pad {pad}"


@functools.cache
def conv_case(ref, seed, k):
    x_shape, f, (hh, ww), stride, pad = CONV_CASES[k]
    rng = _rng(seed, 1, k)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((f, x_shape[1], hh, ww))
    b = rng.standard_normal(f)
    out = torchref.forward(ref.conv, x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    out, grads = torchref.vjp(ref.conv, (x, w, b, stride, pad), dout, wrt=(0, 1, 2))
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.conv, *a), (x, w, b, stride, pad), dout, wrt=(0, 1, 2)
    )
    return frozen((x, w, b, stride, pad, dout, out, grads, numeric))


@pytest.mark.points(1)
def test_conv_forward(impl, ref, seed):
    """conv_forward matches torch's F.conv2d (strides, padding, flooring, 1x1 and full kernels)"""
    for k in range(len(CONV_CASES)):
        x, w, b, stride, pad, _, out, _, _ = conv_case(ref, seed, k)
        got, cache = call_unmutated(impl.conv_forward, x, w, b, stride, pad)
        assert_close(f"conv_forward out ({_conv_label(x, w, stride, pad)})", got, out)
        assert_cache_keys("conv_forward", cache, ("x", "w", "b", "stride", "pad"))


@pytest.mark.points(2)
def test_conv_backward(impl, sol, ref, seed):
    """conv_backward matches torch autograd and central differences"""
    for k in range(len(CONV_CASES)):
        x, w, b, stride, pad, dout, _, grads, numeric = conv_case(ref, seed, k)
        _, cache = sol.conv_forward(x, w, b, stride, pad)
        got = call_unmutated(impl.conv_backward, dout, cache)
        assert_gradients(
            f"conv_backward ({_conv_label(x, w, stride, pad)})", got, ("dx", "dw", "db"),
            autograd=grads, numeric=numeric, batch_size=x.shape[0],
        )


@pytest.mark.points(1)
def test_conv_properties(impl, seed):
    """conv is linear in x and in (w, b) separately; a 1x1 conv is an einsum over channels"""
    rng = _rng(seed, 2)
    x1, x2 = rng.standard_normal((2, 2, 3, 6, 5))
    w1, w2 = rng.standard_normal((2, 4, 3, 3, 3))
    b1, b2 = rng.standard_normal((2, 4))
    zero = np.zeros(4)

    def conv(x, w, b):
        return impl.conv_forward(x, w, b, 2, 1)[0]

    assert_close(
        "conv_forward(2 x1 - 3 x2, w, 0) vs 2 conv(x1) - 3 conv(x2) (linear in x)",
        conv(2 * x1 - 3 * x2, w1, zero), 2 * conv(x1, w1, zero) - 3 * conv(x2, w1, zero),
    )
    assert_close(
        "conv_forward(x, w1 + 2 w2, b1 + 2 b2) vs conv(x, w1, b1) + 2 conv(x, w2, b2) "
        "(linear in (w, b))",
        conv(x1, w1 + 2 * w2, b1 + 2 * b2), conv(x1, w1, b1) + 2 * conv(x1, w2, b2),
    )
    w = rng.standard_normal((4, 3, 1, 1))
    got, _ = impl.conv_forward(x1, w, b1, 1, 0)
    expected = np.einsum("fc,nchw->nfhw", w[:, :, 0, 0], x1) + b1[:, None, None]
    assert_close("conv_forward with a 1x1 kernel (should mix channels only)", got, expected)


@functools.cache
def pool_case(ref, seed, k):
    x_shape, size, stride = POOL_CASES[k]
    rng = _rng(seed, 3, k)
    x = distinct_values(rng, x_shape)
    out = torchref.forward(ref.maxpool, x, size, stride)
    dout = rng.standard_normal(out.shape)
    out, (dx,) = torchref.vjp(ref.maxpool, (x, size, stride), dout, wrt=(0,))
    numeric = numerical_vjp(
        lambda a: torchref.forward(ref.maxpool, a, size, stride), (x,), dout, wrt=(0,)
    )
    return frozen((x, size, stride, dout, out, dx, numeric[0]))


@pytest.mark.points(1)
def test_maxpool_forward(impl, ref, seed):
    """maxpool_forward matches torch's F.max_pool2d (overlapping, flooring, window = input)"""
    for k in range(len(POOL_CASES)):
        x, size, stride, _, out, _, _ = pool_case(ref, seed, k)
        got, cache = call_unmutated(impl.maxpool_forward, x, size, stride)
        label = f"x of shape {x.shape}, size {size}, stride {stride}"
        assert_close(f"maxpool_forward out ({label})", got, out)
        assert_cache_keys("maxpool_forward", cache, ("x", "size", "stride"))


@pytest.mark.points(2)
def test_maxpool_backward(impl, sol, ref, seed):
    """maxpool_backward matches torch autograd and central differences (overlapping windows)"""
    for k in range(len(POOL_CASES)):
        x, size, stride, dout, _, dx, numeric = pool_case(ref, seed, k)
        _, cache = sol.maxpool_forward(x, size, stride)
        got = call_unmutated(impl.maxpool_backward, dout, cache)
        assert_gradients(
            f"maxpool_backward (x of shape {x.shape}, size {size}, stride {stride})", got,
            ("dx",), autograd=(dx,), numeric=(numeric,), batch_size=x.shape[0],
        )


@functools.cache
def tie_case(ref, seed):
    rng = _rng(seed, 4)
    cases = []
    for x in (rng.integers(0, 3, size=(2, 2, 7, 9)).astype(np.float64), np.ones((1, 1, 5, 5))):
        out = torchref.forward(ref.maxpool, x, 3, 2)
        dout = rng.standard_normal(out.shape)
        cases.append((x, dout, out, torchref.forward(ref.maxpool_grad, x, dout, 3, 2)))
    return frozen(cases)


@pytest.mark.points(1)
def test_maxpool_tie_rule(impl, sol, ref, seed):
    """maxpool: on ties the gradient goes to the window's first maximum in row-major order"""
    for x, dout, out, dx in tie_case(ref, seed):
        got, _ = call_unmutated(impl.maxpool_forward, x, 3, 2)
        assert_close(f"maxpool_forward on tied inputs of shape {x.shape}", got, out)
        _, cache = sol.maxpool_forward(x, 3, 2)
        got = call_unmutated(impl.maxpool_backward, dout, cache)
        assert_close(
            f"maxpool_backward on tied inputs of shape {x.shape} (each dout goes to its "
            "window's first maximum, reading rows left to right, top to bottom)",
            got, dx, against="torch's tie rule",
        )


def _window_maxima(x, size, stride):
    """Brute force: True where x is the maximum of at least one pooling window."""
    n, c, h, w = x.shape
    mask = np.zeros(x.shape, dtype=bool)
    for i in range((h - size) // stride + 1):
        for j in range((w - size) // stride + 1):
            rows, cols = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols]
            mask[:, :, rows, cols] |= window == window.max(axis=(2, 3), keepdims=True)
    return mask


@pytest.mark.points(1)
def test_maxpool_properties(impl, sol, seed):
    """maxpool: sum(dx) = sum(dout) per image and channel; dx is zero off the window maxima"""
    rng = _rng(seed, 5)
    for shape, size, stride in (((2, 3, 9, 8), 3, 2), ((1, 2, 6, 7), 3, 1)):
        x = distinct_values(rng, shape)
        _, cache = sol.maxpool_forward(x, size, stride)
        h_out, w_out = (shape[2] - size) // stride + 1, (shape[3] - size) // stride + 1
        dout = rng.uniform(0.5, 1.5, (*shape[:2], h_out, w_out))
        dx = call_unmutated(impl.maxpool_backward, dout, cache)
        assert_close(
            f"maxpool_backward: sum of dx over each (image, channel) (x of shape {shape}; "
            "every dout must arrive somewhere, and overlapping windows add up)",
            dx.sum(axis=(2, 3)), dout.sum(axis=(2, 3)), tol=EXACT_TOL,
        )
        assert_equal(
            f"maxpool_backward: where dx is non-zero (x of shape {shape}; only inputs that are "
            "the maximum of some window receive gradient)",
            dx != 0, _window_maxima(x, size, stride),
        )


@functools.cache
def lrn_case(ref, seed, k):
    x_shape, n, alpha, beta, kk, scale = LRN_CASES[k]
    rng = _rng(seed, 6, k)
    x = scale * rng.standard_normal(x_shape)
    dout = rng.standard_normal(x_shape)
    args = (x, n, alpha, beta, kk)
    out, (dx,) = torchref.vjp(ref.lrn, args, dout, wrt=(0,))
    numeric = numerical_vjp(lambda *a: torchref.forward(ref.lrn, *a), args, dout, wrt=(0,))
    return frozen((args, dout, out, dx, numeric[0]))


def _lrn_label(args):
    x, n, alpha, beta, k = args
    return f"x of shape {x.shape}, n={n}, alpha={alpha:g}, beta={beta:g}, k={k:g}"


@pytest.mark.points(1)
def test_lrn_forward(impl, ref, seed):
    """lrn_forward matches torch's local_response_norm with alpha*n (the paper's alpha)"""
    for k in range(len(LRN_CASES)):
        args, _, out, _, _ = lrn_case(ref, seed, k)
        got, cache = call_unmutated(impl.lrn_forward, *args)
        assert_close(f"lrn_forward out ({_lrn_label(args)})", got, out)
        assert_cache_keys("lrn_forward", cache, ("x", "n", "alpha", "beta", "k"))


@pytest.mark.points(2)
def test_lrn_backward(impl, sol, ref, seed):
    """lrn_backward matches torch autograd and central differences"""
    for k in range(len(LRN_CASES)):
        args, dout, _, dx, numeric = lrn_case(ref, seed, k)
        _, cache = sol.lrn_forward(*args)
        got = call_unmutated(impl.lrn_backward, dout, cache)
        assert_gradients(
            f"lrn_backward ({_lrn_label(args)})", got, ("dx",),
            autograd=(dx,), numeric=(numeric,), batch_size=args[0].shape[0],
        )


@pytest.mark.points(1)
def test_lrn_properties(impl, seed):
    """LRN: alpha = 0 gives x / k**beta; one channel gives x / (k + alpha x**2)**beta"""
    rng = _rng(seed, 7)
    x = rng.standard_normal((2, 6, 3, 4))
    got, _ = impl.lrn_forward(x, 5, 0.0, 0.75, 2.0)
    assert_close("lrn_forward with alpha = 0 (should be x / k**beta)", got, x / 2.0**0.75)
    x = rng.standard_normal((3, 1, 4, 2))
    got, _ = impl.lrn_forward(x, 5, 0.4, 0.6, 1.5)
    assert_close(
        "lrn_forward with a single channel (the window holds only the channel itself: "
        "x / (k + alpha * x**2)**beta, with no division of alpha by n)",
        got, x / (1.5 + 0.4 * x**2) ** 0.6,
    )
