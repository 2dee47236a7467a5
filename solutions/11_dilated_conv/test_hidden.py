"""Hidden checks for paper 11.

Forwards are compared with torch's F.conv2d(dilation=d, padding=d*(k-1)/2) and a stack of
them; backwards with the reference's autograd gradient and with central differences of the
reference forward over every element, on caches built by the trusted solution (independent
credit; the context module's checks also swap in the solution's dilated convolution). The
receptive-field arithmetic is checked against the measured gradient support of a torch stack
with positive weights. Edge cases: dilation beyond the image (padding > H), k = 1, N = 1,
H = 1. Context-module inputs are redrawn until every pre-activation is at least 1e-3 from the
ReLU's kink. Each case is computed once per process (functools.cache) and frozen read-only.
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

# (x shape, F, k, dilation)
CONV_CASES = [
    ((1, 2, 5, 6), 3, 3, 1),  # N = 1, dilation 1: an ordinary convolution
    ((2, 2, 7, 7), 2, 3, 2),
    ((1, 1, 4, 5), 2, 3, 4),  # padding 4 >= H: dilation beyond the image
    ((2, 3, 1, 6), 2, 3, 2),  # H = 1
    ((2, 3, 4, 4), 2, 1, 3),  # k = 1: the dilation changes nothing
    ((1, 2, 6, 6), 1, 5, 2),  # k = 5, padding 4
]
# (x shape, dilations of the 3x3 layers); the module has len(dilations) + 1 layers
MODULE_CASES = [
    ((1, 2, 6, 6), (1, 2)),
    ((2, 2, 5, 7), (1, 1, 2, 4, 8, 16, 1)),  # the basic module on an image smaller than it sees
    ((1, 3, 9, 1), (2, 4, 1)),  # W = 1
]
BASIC_KERNELS = (3, 3, 3, 3, 3, 3, 3, 1)
BASIC_DILATIONS = (1, 1, 2, 4, 8, 16, 1, 1)
# (kernel sizes, dilations) whose receptive fields are measured by torch
FIELD_CASES = [
    (BASIC_KERNELS, BASIC_DILATIONS),  # 67, the paper's Table 1
    (BASIC_KERNELS[:6], BASIC_DILATIONS[:6]),  # 65
    ((3,), (1,)),
    ((5, 3, 1), (3, 2, 7)),
    ((3, 3, 3, 3), (1, 1, 1, 1)),  # undilated: linear growth, 9
    ((1, 1), (4, 9)),  # 1x1 layers add nothing
]


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


@functools.cache
def conv_case(ref, seed, k):
    x_shape, f, size, dilation = CONV_CASES[k]
    rng = _rng(seed, 1, k)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((f, x_shape[1], size, size))
    b = rng.standard_normal(f)
    dout = rng.standard_normal((x_shape[0], f, *x_shape[2:]))
    args = (x, w, b, dilation)
    out, grads = torchref.vjp(ref.dilated_conv, args, dout, wrt=(0, 1, 2))
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.dilated_conv, *a), args, dout, wrt=(0, 1, 2)
    )
    return frozen((args, dout, out, grads, numeric))


def _conv_label(x, w, dilation):
    return f"x of shape {x.shape}, w of shape {w.shape}, dilation {dilation}"


@pytest.mark.points(1)
def test_dilated_conv_forward(impl, ref, seed):
    """dilated_conv_forward matches F.conv2d(dilation=d, padding=d*(k-1)/2)"""
    for k in range(len(CONV_CASES)):
        args, _, out, _, _ = conv_case(ref, seed, k)
        got, cache = call_unmutated(impl.dilated_conv_forward, *args)
        assert_close(f"dilated_conv_forward out ({_conv_label(args[0], args[1], args[3])})",
                     got, out)
        assert_cache_keys("dilated_conv_forward", cache, ("x", "w", "b", "dilation"))


@pytest.mark.points(2)
def test_dilated_conv_backward(impl, sol, ref, seed):
    """dilated_conv_backward matches torch autograd and central differences"""
    for k in range(len(CONV_CASES)):
        args, dout, _, grads, numeric = conv_case(ref, seed, k)
        _, cache = sol.dilated_conv_forward(*args)
        got = call_unmutated(impl.dilated_conv_backward, dout, cache)
        assert_gradients(
            f"dilated_conv_backward ({_conv_label(args[0], args[1], args[3])})", got,
            ("dx", "dw", "db"), autograd=grads, numeric=numeric, batch_size=args[0].shape[0],
        )


def _spread_kernel(w, dilation):
    """The dense (d(k-1)+1)-wide kernel with zeros between the taps of w."""
    f, c, k, _ = w.shape
    wide = np.zeros((f, c, dilation * (k - 1) + 1, dilation * (k - 1) + 1))
    wide[:, :, ::dilation, ::dilation] = w
    return wide


@pytest.mark.points(1)
def test_dilated_conv_properties(impl, sol, seed):
    """dilation d = an ordinary conv with zeros between the taps; dw keeps only the real taps"""
    rng = _rng(seed, 2)
    x, w, b = rng.standard_normal((2, 2, 9, 8)), rng.standard_normal((3, 2, 3, 3)), np.ones(3)
    got, _ = impl.dilated_conv_forward(x, w, b, 3)
    expected, _ = impl.dilated_conv_forward(x, _spread_kernel(w, 3), b, 1)
    assert_close(
        "dilated_conv_forward with dilation 3 vs your dilation 1 with a zero-filled 7x7 kernel "
        "(the two must agree)", got, expected, against="the zero-filled kernel",
    )
    dout = rng.standard_normal((2, 3, 9, 8))
    _, cache = sol.dilated_conv_forward(x, w, b, 3)
    _, dw, _ = impl.dilated_conv_backward(dout, cache)
    _, wide_cache = sol.dilated_conv_forward(x, _spread_kernel(w, 3), b, 1)
    _, dw_wide, _ = impl.dilated_conv_backward(dout, wide_cache)
    assert_close(
        "dilated_conv_backward dw (shape (F, C, k, k), and equal to the real taps of the "
        "zero-filled kernel's gradient)", dw, dw_wide[:, :, ::3, ::3],
    )


@functools.cache
def field_case(ref, k):
    kernels, dilations = FIELD_CASES[k]
    width = 1 + sum((kk - 1) * d for kk, d in zip(kernels, dilations))
    return int(torchref.forward(ref.impulse_support, kernels, dilations, width + 4))


@pytest.mark.points(1)
def test_receptive_field(impl, ref):
    """receptive_field equals the gradient support measured through a torch stack (basic: 67)"""
    for k, (kernels, dilations) in enumerate(FIELD_CASES):
        got = call_unmutated(impl.receptive_field, list(kernels), list(dilations))
        if type(got) is np.ndarray and got.ndim == 0:
            got = got.item()
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            fail(f"receptive_field should return an int, got {type(got).__name__}")
        measured = field_case(ref, k)
        if got != measured:
            fail(
                f"receptive_field(kernel_sizes={list(kernels)}, dilations={list(dilations)}) "
                f"returned {got}, but the gradient of the centre output through such a stack "
                f"is non-zero on a {measured}-pixel-wide square"
            )


@pytest.mark.points(1)
def test_identity_init(impl):
    """identity_init puts a one at the centre tap of each channel's own filter, zeros elsewhere"""
    for channels, size in ((1, 1), (3, 3), (4, 5)):
        got = call_unmutated(impl.identity_init, channels, size)
        expected = np.zeros((channels, channels, size, size))
        for c in range(channels):
            expected[c, c, size // 2, size // 2] = 1.0
        assert_equal(f"identity_init({channels}, {size})", got, expected)


def _module_params(rng, channels, depth):
    ws = [rng.standard_normal((channels, channels, 3, 3)) * np.sqrt(2.0 / (9 * channels))
          for _ in range(depth)]
    ws.append(rng.standard_normal((channels, channels, 1, 1)))
    bs = [0.2 + 0.3 * rng.standard_normal(channels) for _ in range(depth + 1)]
    return ws, bs


def _as_dict(ws, bs):
    return {**{f"w{i}": w for i, w in enumerate(ws)}, **{f"b{i}": b for i, b in enumerate(bs)}}


def _pre_activations(sol, x, ws, bs, dilations):
    values, h = [], x
    for w, b, d in zip(ws[:-1], bs[:-1], dilations):
        pre, _ = sol.dilated_conv_forward(h, w, b, d)
        values.append(pre.ravel())
        h = np.maximum(pre, 0.0)
    return np.concatenate(values)


@functools.cache
def module_case(ref, sol, seed, k):
    x_shape, dilations = MODULE_CASES[k]
    rng = _rng(seed, 3, k)
    for _ in range(100):
        x = rng.standard_normal(x_shape)
        ws, bs = _module_params(rng, x_shape[1], len(dilations))
        if np.abs(_pre_activations(sol, x, ws, bs, dilations)).min() > 1e-3:
            break
    else:
        raise RuntimeError("could not keep the pre-activations off the ReLU kink")
    dout = rng.standard_normal(x_shape)
    params = _as_dict(ws, bs)
    out, (dx, dparams) = torchref.vjp(ref.context_module, (x, params, dilations), dout,
                                      wrt=(0, 1))
    n_dx, n_params = numerical_vjp(
        lambda *a: torchref.forward(ref.context_module, *a), (x, params, dilations), dout,
        wrt=(0, 1),
    )
    depth = len(ws)
    grads = (dx, [dparams[f"w{i}"] for i in range(depth)],
             [dparams[f"b{i}"] for i in range(depth)])
    numeric = (n_dx, [n_params[f"w{i}"] for i in range(depth)],
               [n_params[f"b{i}"] for i in range(depth)])
    return frozen((x, ws, bs, dilations, dout, out, grads, numeric))


@pytest.mark.points(1)
def test_context_module_forward(impl, sol, ref, seed):
    """context_module_forward matches a stack of F.conv2d + ReLU layers and a final 1x1 conv"""
    for k in range(len(MODULE_CASES)):
        x, ws, bs, dilations, _, out, _, _ = module_case(ref, sol, seed, k)
        with using_solution(impl, sol, "dilated_conv_forward"):
            got, cache = call_unmutated(impl.context_module_forward, x, ws, bs, dilations)
        label = f"x of shape {x.shape}, dilations {dilations}"
        assert_close(f"context_module_forward out ({label})", got, out)
        keys = ["layers"] + [f"conv{i}.{key}" for i in range(len(ws))
                             for key in ("x", "w", "b", "dilation")]
        assert_cache_keys("context_module_forward", cache, keys)


@pytest.mark.points(2)
def test_context_module_backward(impl, sol, ref, seed):
    """context_module_backward matches torch autograd and central differences through all layers"""
    for k in range(len(MODULE_CASES)):
        x, ws, bs, dilations, dout, _, grads, numeric = module_case(ref, sol, seed, k)
        _, cache = sol.context_module_forward(x, ws, bs, dilations)
        with using_solution(impl, sol, "dilated_conv_backward"):
            got = call_unmutated(impl.context_module_backward, dout, cache)
        assert_gradients(
            f"context_module_backward (x of shape {x.shape}, dilations {dilations})", got,
            ("dx", "dws", "dbs"), autograd=grads, numeric=numeric, batch_size=x.shape[0],
        )


@pytest.mark.points(1)
def test_context_module_properties(impl, sol, seed):
    """identity-initialised module = identity on x >= 0; its gradient support is 67 pixels wide"""
    rng = _rng(seed, 4)
    channels = 2
    ws = [sol.identity_init(channels, 3) for _ in range(7)] + [sol.identity_init(channels, 1)]
    bs = [np.zeros(channels) for _ in range(8)]
    x = np.abs(rng.standard_normal((2, channels, 11, 9)))
    with using_solution(impl, sol, "dilated_conv_forward"):
        got, _ = impl.context_module_forward(x, ws, bs)
    assert_close(
        "context_module_forward with identity filters and zero biases on x >= 0 (should "
        "return x exactly)", got, x, tol=EXACT_TOL, against="the input",
    )
    size = 71
    ws = [np.full((1, 1, 3, 3), 0.5) for _ in range(7)] + [np.ones((1, 1, 1, 1))]
    bs = [np.full(1, 0.1) for _ in range(8)]
    x = rng.uniform(0.5, 1.5, (1, 1, size, size))
    _, cache = sol.context_module_forward(x, ws, bs)
    dout = np.zeros((1, 1, size, size))
    dout[0, 0, size // 2, size // 2] = 1.0
    with using_solution(impl, sol, "dilated_conv_backward"):
        dx, _, _ = impl.context_module_backward(dout, cache)
    rows = np.flatnonzero(np.abs(dx[0, 0]).sum(axis=1))
    cols = np.flatnonzero(np.abs(dx[0, 0]).sum(axis=0))
    width = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) if rows.size else (0, 0)
    if width != (67, 67):
        fail(
            "context_module_backward: the gradient of the centre output of the basic module "
            f"(positive weights, {size}x{size} input) is non-zero on a {width[0]}x{width[1]} "
            "region; the receptive field is 67x67"
        )
