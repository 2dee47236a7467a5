"""Read-only helpers for assignment 15. Do not edit: the grader uses its own copy.

- ``batchnorm_forward`` / ``batchnorm_backward``: spatial batch norm in training mode (the
  statistics of the batch, biased variance). You wrote it in assignment 10.
- ``conv_forward`` / ``conv_backward``: a bias-free 2-D cross-correlation (assignment 07).
- ``basic_block_forward`` / ``basic_block_backward``: the original, post-activation residual
  block of assignment 10, relu(BN2(conv2(relu(BN1(conv1(x))))) + S(x)), for comparison.
- ``prefixed`` / ``unprefixed``: move a layer's cache into and out of a composite's flat cache
  under dotted keys, e.g. ``{"x": ...}`` of the first conv becomes ``{"conv1.x": ...}``.
"""

import numpy as np

CHANNELS = (0, 2, 3)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Training-mode batch norm over the axes (N, H, W) of x (N, C, H, W).

    Returns (out, cache): out = gamma * x_hat + beta with x_hat = (x - mean) / sqrt(var + eps)
    per channel, biased variance; cache has keys "xhat" (N, C, H, W), "gamma" (C,) and
    "istd" (1, C, 1, 1), the inverse standard deviation.
    """
    centred = x - x.mean(CHANNELS, keepdims=True)
    istd = (np.mean(centred**2, CHANNELS, keepdims=True) + eps) ** -0.5
    xhat = centred * istd
    out = np.reshape(gamma, (1, -1, 1, 1)) * xhat + np.reshape(beta, (1, -1, 1, 1))
    return out, {"xhat": xhat, "gamma": gamma, "istd": istd}


def batchnorm_backward(dout, cache):
    """Gradients of batchnorm_forward: (dx (N, C, H, W), dgamma (C,), dbeta (C,))."""
    xhat = cache["xhat"]
    scale = np.reshape(cache["gamma"], (1, -1, 1, 1)) * cache["istd"]
    along = np.mean(dout * xhat, CHANNELS, keepdims=True)
    dx = scale * (dout - np.mean(dout, CHANNELS, keepdims=True) - xhat * along)
    return dx, np.sum(dout * xhat, CHANNELS), np.sum(dout, CHANNELS)


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


def _conv_norm(x, p, conv, norm, stride, pad, cache):
    """conv then batch norm, with both caches stored in ``cache`` under their names."""
    y, conv_cache = conv_forward(x, p[conv + ".w"], stride, pad)
    y, norm_cache = batchnorm_forward(y, p[norm + ".gamma"], p[norm + ".beta"])
    cache.update({**prefixed(conv, conv_cache), **prefixed(norm, norm_cache)})
    return y


def _conv_norm_back(dy, cache, conv, norm, grads):
    """Backward of _conv_norm; writes the parameter gradients into ``grads``."""
    dy, grads[norm + ".gamma"], grads[norm + ".beta"] = batchnorm_backward(
        dy, unprefixed(cache, norm)
    )
    dx, grads[conv + ".w"] = conv_backward(dy, unprefixed(cache, conv))
    return dx


def basic_block_forward(x, p, stride=1, shortcut="identity"):
    """The post-activation block of assignment 10: relu(BN2(conv2(relu(BN1(conv1(x))))) + S(x)).

    Inputs:
    - x: (N, C, H, W)
    - p: dict with "conv1.w" (F, C, 3, 3), "bn1.gamma", "bn1.beta" (F,), "conv2.w"
      (F, F, 3, 3), "bn2.gamma", "bn2.beta" (F,); for shortcut "projection" also "proj.w"
      (F, C, 1, 1), "proj_bn.gamma", "proj_bn.beta" (F,)
    - stride: stride of conv1 (and of the projection)
    - shortcut: "identity" (S(x) = x), "projection" (1x1 conv + BN) or "none" (S = 0)

    Returns (out (N, F, H', W'), cache).
    """
    cache = {"shortcut": shortcut}
    inner = _conv_norm(x, p, "conv1", "bn1", stride, 1, cache)
    total = _conv_norm(np.maximum(inner, 0.0), p, "conv2", "bn2", 1, 1, cache)
    if shortcut != "none":
        total = total + (x if shortcut == "identity" else
                         _conv_norm(x, p, "proj", "proj_bn", stride, 0, cache))
    cache["mask1"], cache["mask2"] = inner > 0, total > 0
    return np.maximum(total, 0.0), cache


def basic_block_backward(dout, cache):
    """Gradients of basic_block_forward: (dx (N, C, H, W), grads keyed like p)."""
    grads = {}
    dtotal = dout * cache["mask2"]
    dinner = _conv_norm_back(dtotal, cache, "conv2", "bn2", grads) * cache["mask1"]
    dx = _conv_norm_back(dinner, cache, "conv1", "bn1", grads)
    if cache["shortcut"] != "none":
        dx = dx + (dtotal if cache["shortcut"] == "identity" else
                   _conv_norm_back(dtotal, cache, "proj", "proj_bn", grads))
    return dx, grads
