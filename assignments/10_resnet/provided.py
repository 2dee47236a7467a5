"""Read-only helpers for assignment 10. Do not edit: the grader uses its own copy.

- ``conv_forward`` / ``conv_backward``: a bias-free 2-D cross-correlation. Convolution is the
  subject of assignment 07; here it is given so that this assignment is about batch norm and
  the residual block. For each of the K*K kernel taps (i, j), every output pixel reads the input
  pixel at offset (i, j) from its window's corner: a strided view of the padded input. Stacking
  the K*K views turns the convolution into one matrix product with w reshaped to (F, C*K*K).
- ``prefixed`` / ``unprefixed``: move a layer's cache into and out of a composite's flat cache
  under dotted keys, e.g. ``{"x": ...}`` of the first conv becomes ``{"conv1.x": ...}``.
"""

import numpy as np


def _tap_view(i, j, stride, rows, cols):
    """Index of tap (i, j) in a padded array: ``rows`` x ``cols`` outputs, ``stride`` apart."""
    return (Ellipsis, slice(i, i + stride * rows, stride), slice(j, j + stride * cols, stride))


def _framed(x, pad):
    """x inside a frame of ``pad`` zeros on each side of H and W."""
    framed = np.zeros((*x.shape[:2], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad))
    framed[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]] = x
    return framed


def _all_taps(x, kk, stride, pad, rows, cols):
    """What every tap sees, as (N, C * K * K, H' * W'), channel-major like w.reshape(F, -1)."""
    framed = _framed(x, pad)
    seen = [framed[_tap_view(i, j, stride, rows, cols)] for i, j in np.ndindex(kk, kk)]
    return np.stack(seen, axis=2).reshape(x.shape[0], -1, rows * cols)


def conv_forward(x, w, stride=1, pad=1):
    """Cross-correlation of x with w, no bias.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - w: filters, of shape (F, C, K, K)
    - stride: step between neighbouring windows (int)
    - pad: zeros added on each side of H and W (int)

    Returns a tuple of:
    - out: of shape (N, F, H', W') with H' = (H + 2 pad - K) // stride + 1, likewise W'
    - cache: dict with keys "x", "w", "stride", "pad"
    """
    kk = w.shape[-1]
    rows = (x.shape[-2] + 2 * pad - kk) // stride + 1
    cols = (x.shape[-1] + 2 * pad - kk) // stride + 1
    taps = _all_taps(x, kk, stride, pad, rows, cols)
    out = np.matmul(w.reshape(w.shape[0], -1), taps).reshape(x.shape[0], -1, rows, cols)
    return out, {"x": x, "w": w, "stride": stride, "pad": pad}


def conv_backward(dout, cache):
    """Gradients of conv_forward.

    Inputs:
    - dout: upstream gradient, of shape (N, F, H', W')
    - cache: dict from conv_forward

    Returns a tuple of:
    - dx: of shape (N, C, H, W)
    - dw: of shape (F, C, K, K)
    """
    x, w, stride, pad = (cache[key] for key in ("x", "w", "stride", "pad"))
    kk, rows, cols = w.shape[-1], dout.shape[2], dout.shape[3]
    taps = _all_taps(x, kk, stride, pad, rows, cols)
    flat_dout = dout.reshape(dout.shape[0], dout.shape[1], -1)  # (N, F, H' * W')
    grad_w = np.matmul(flat_dout, taps.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    dtaps = np.matmul(w.reshape(w.shape[0], -1).T, flat_dout)  # (N, C * K * K, H' * W')
    dtaps = dtaps.reshape(x.shape[0], x.shape[1], kk * kk, rows, cols)
    dframed = np.zeros((*x.shape[:2], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad))
    for t, (i, j) in enumerate(np.ndindex(kk, kk)):
        dframed[_tap_view(i, j, stride, rows, cols)] += dtaps[:, :, t]
    return dframed[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]], grad_w


def prefixed(name, cache):
    """The entries of ``cache`` under keys ``name + "." + key``."""
    return {f"{name}.{key}": value for key, value in cache.items()}


def unprefixed(cache, name):
    """The entries of a composite ``cache`` whose keys start with ``name + "."``, prefix removed."""
    head = name + "."
    return {key[len(head) :]: value for key, value in cache.items() if key.startswith(head)}
