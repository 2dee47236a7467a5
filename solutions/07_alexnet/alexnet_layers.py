"""AlexNet's three image layers: convolution, overlapping max-pooling, local response norm.

Krizhevsky, Sutskever and Hinton trained a deep convolutional network on ImageNet by stacking
convolutions, ReLUs, overlapping 3x3 max-pooling with stride 2 and a "brightness
normalisation" across neighbouring channels. This module implements those layers, each as a
forward/backward pair, fully vectorised: training even a small CNN with Python loops over
pixels is far too slow.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives dL/dout and returns the gradients with respect to the forward's array inputs,
in argument order. ``cache`` is a flat dict whose keys each forward's docstring fixes: the
grader builds the cache with its own forward and hands it to your backward, so read only the
documented keys there.

Dimensions: N images in a minibatch, C input channels, H x W input height and width, F
filters, HH x WW filter height and width, H' x W' output height and width. Every array is
float64. Never modify an argument in place.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_forward(x, w, b, stride, pad):
    """Forward pass of a convolutional layer (cross-correlation, as in every DL library).

    out[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * xpad[n, c, i*stride + p, j*stride + q]

    where xpad is x with ``pad`` zeros added on every side of H and W.

    Inputs:
    - x: input images, of shape (N, C, H, W)
    - w: filters, of shape (F, C, HH, WW)
    - b: biases, of shape (F,)
    - stride: an int >= 1, the step between neighbouring windows (same along H and W)
    - pad: an int >= 0, the number of zeros added on each side of H and W

    Returns a tuple of:
    - out: output, of shape (N, F, H', W') with H' = (H + 2*pad - HH) // stride + 1 and
      W' = (W + 2*pad - WW) // stride + 1 (windows that would run past the edge are dropped)
    - cache: dict with keys "x", "w", "b", "stride", "pad" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: zero-pad x, view every (HH, WW) window at the given stride (sliding_window_view
    # TODO: does it without copying), then contract the windows with w over (C, HH, WW).
    kh, kw = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)
    patches = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))  # (N, C, ., ., HH, WW)
    patches = patches[:, :, ::stride, ::stride]  # (N, C, H', W', HH, WW)
    prod = np.tensordot(patches, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    out = np.ascontiguousarray(prod.transpose(0, 3, 1, 2)) + b[:, None, None]  # (N, F, H', W')
    cache = {"x": x, "w": w, "b": b, "stride": stride, "pad": pad}
    ### END SOLUTION
    return out, cache


def conv_backward(dout, cache):
    """Backward pass of a convolutional layer.

    Inputs:
    - dout: upstream gradient, of shape (N, F, H', W')
    - cache: dict from conv_forward with keys "x" (N, C, H, W), "w" (F, C, HH, WW),
      "b" (F,), "stride" (int) and "pad" (int)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, HH, WW)
    - db: gradient with respect to b, of shape (F,)
    """
    ### BEGIN SOLUTION
    # TODO: db sums dout over (N, H', W'); dw contracts dout with the same windows as the
    # TODO: forward; dx scatters dout * w back onto every window (col2im): a loop over the
    # TODO: HH * WW kernel offsets is fine, a loop over images or pixels is not.
    x, w, stride, pad = cache["x"], cache["w"], cache["stride"], cache["pad"]
    kh, kw = w.shape[2:]
    h_out, w_out = dout.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)
    patches = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dw = np.tensordot(dout, patches, axes=([0, 2, 3], [0, 2, 3]))  # (F, C, HH, WW)
    dpatches = np.tensordot(w, dout, axes=([0], [1]))  # (C, HH, WW, N, H', W')
    dx_pad = np.zeros((x.shape[1], x.shape[0], *x_pad.shape[2:]))  # (C, N, H+2p, W+2p)
    for p in range(kh):
        for q in range(kw):
            rows = slice(p, p + stride * (h_out - 1) + 1, stride)
            cols = slice(q, q + stride * (w_out - 1) + 1, stride)
            dx_pad[:, :, rows, cols] += dpatches[:, p, q]  # (C, N, H', W')
    dx = dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]].transpose(1, 0, 2, 3)
    dx = np.ascontiguousarray(dx)  # (N, C, H, W)
    ### END SOLUTION
    return dx, dw, db


def maxpool_forward(x, size=3, stride=2):
    """Forward pass of max-pooling over size x size windows (overlapping when stride < size).

    out[n, c, i, j] = max_{0 <= p, q < size} x[n, c, i*stride + p, j*stride + q]

    AlexNet pools 3x3 windows with stride 2, so neighbouring windows share a row or column.
    There is no padding.

    Inputs:
    - x: input, of shape (N, C, H, W) with H, W >= size
    - size: an int, the window's height and width
    - stride: an int >= 1, the step between neighbouring windows

    Returns a tuple of:
    - out: output, of shape (N, C, H', W') with H' = (H - size) // stride + 1 and
      W' = (W - size) // stride + 1
    - cache: dict with keys "x", "size", "stride" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: view the (size, size) windows at the given stride and take each one's maximum.
    h_out, w_out = (x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1
    views = sliding_window_view(x, (size, size), axis=(2, 3))  # (N, C, ., ., size, size)
    views = views[:, :, ::stride, ::stride]  # (N, C, H', W', size, size)
    out = views.reshape(*x.shape[:2], h_out, w_out, size * size).max(axis=-1)  # (N, C, H', W')
    cache = {"x": x, "size": size, "stride": stride}
    ### END SOLUTION
    return out, cache


def maxpool_backward(dout, cache):
    """Backward pass of max-pooling.

    Each dout[n, c, i, j] flows to the position of its window's maximum. Tie rule: when a
    window holds its maximum more than once, the gradient goes to the FIRST maximum in
    row-major order within the window (as in torch). Windows overlap, so one input can be
    the maximum of several windows: its gradient is the sum of their douts.

    Inputs:
    - dout: upstream gradient, of shape (N, C, H', W')
    - cache: dict from maxpool_forward with keys "x" (N, C, H, W), "size" (int), "stride" (int)

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    ### BEGIN SOLUTION
    # TODO: find each window's argmax (np.argmax returns the first one), turn it into an
    # TODO: index into x, and ADD dout there: overlapping windows may pick the same input
    # TODO: (np.add.at or np.bincount accumulate repeated indices; fancy assignment does not).
    x, size, stride = cache["x"], cache["size"], cache["stride"]
    n, c, height, width = x.shape
    h_out, w_out = dout.shape[2:]
    views = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    first = views.reshape(n, c, h_out, w_out, size * size).argmax(axis=-1)  # (N, C, H', W')
    top = stride * np.arange(h_out)[:, None] + first // size  # (N, C, H', W') row in x
    left = stride * np.arange(w_out)[None, :] + first % size  # (N, C, H', W') column in x
    plane = np.arange(n * c).reshape(n, c, 1, 1)  # which (n, c) image plane
    target = (plane * height + top) * width + left  # (N, C, H', W') flat index into x
    dx = np.bincount(target.ravel(), weights=dout.ravel(), minlength=x.size)
    dx = dx.reshape(x.shape)  # (N, C, H, W)
    ### END SOLUTION
    return dx


def lrn_forward(x, n=5, alpha=1e-4, beta=0.75, k=2.0):
    """Forward pass of AlexNet's local response normalisation across channels.

    out[:, c] = x[:, c] / (k + alpha * S[:, c]) ** beta,
    S[:, c]   = sum of x[:, c']**2 over c' = max(0, c - n//2) .. min(C - 1, c + n//2),

    the paper's form: alpha multiplies the plain sum (torch's LocalResponseNorm divides alpha
    by n), and the window is clipped at the first and last channel.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - n: an odd int, the number of adjacent channels in the window
    - alpha, beta, k: floats (the paper uses n = 5, alpha = 1e-4, beta = 0.75, k = 2)

    Returns a tuple of:
    - out: output, of shape (N, C, H, W)
    - cache: dict with keys "x", "n", "alpha", "beta", "k" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: sum x**2 over a window of n channels centred on each channel (zero-pad the
    # TODO: channel axis by n//2 on both sides), then divide x by (k + alpha * sum)**beta.
    half = n // 2
    squares = np.pad(x * x, ((0, 0), (half, half), (0, 0), (0, 0)))  # (N, C+n-1, H, W)
    energy = sliding_window_view(squares, n, axis=1).sum(axis=-1)  # (N, C, H, W)
    out = x / (k + alpha * energy) ** beta  # (N, C, H, W)
    cache = {"x": x, "n": n, "alpha": alpha, "beta": beta, "k": k}
    ### END SOLUTION
    return out, cache


def lrn_backward(dout, cache):
    """Backward pass of local response normalisation.

    Every x[:, c] appears in its own numerator and in the denominators of the channels whose
    window contains c (the same n channels around c, because the window is symmetric).

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: dict from lrn_forward with keys "x" (N, C, H, W), "n" (int), "alpha", "beta",
      "k" (floats)

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    """
    ### BEGIN SOLUTION
    # TODO: with D = k + alpha * S: dx = dout * D**(-beta)
    # TODO:   - 2 * alpha * beta * x * (window sum over channels of dout * x * D**(-beta - 1)).
    x, n = cache["x"], cache["n"]
    alpha, beta, k = cache["alpha"], cache["beta"], cache["k"]
    half = n // 2
    pad_c = ((0, 0), (half, half), (0, 0), (0, 0))
    denom = k + alpha * sliding_window_view(np.pad(x * x, pad_c), n, axis=1).sum(axis=-1)
    through = dout * x * denom ** (-beta - 1)  # (N, C, H, W)
    gathered = sliding_window_view(np.pad(through, pad_c), n, axis=1).sum(axis=-1)
    dx = dout * denom ** (-beta) - 2.0 * alpha * beta * x * gathered  # (N, C, H, W)
    ### END SOLUTION
    return dx
