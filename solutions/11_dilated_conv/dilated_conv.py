"""Dilated convolutions and Yu and Koltun's context module.

A dilated convolution spaces a k x k filter's taps ``dilation`` pixels apart, so it sees a
(d(k-1)+1)-wide neighbourhood with only k*k weights. Stacking 3x3 layers with dilations
1, 1, 2, 4, 8, 16 grows the receptive field exponentially (3, 5, 9, 17, 33, 65) without pooling,
so dense predictions keep the full resolution. The context module is such a stack, initialised
to the identity so that adding it to a trained network starts by changing nothing.

Layers come in pairs. ``<name>_forward(...)`` returns ``(out, cache)``; ``<name>_backward(dout,
cache)`` receives dL/dout and returns the gradients with respect to the forward's array inputs,
in argument order. ``cache`` is a flat dict whose keys each forward's docstring fixes: the
grader builds the cache with its own forward and hands it to your backward.

Dimensions: N images, C input channels, F output channels, H x W pixels (every layer here keeps
H x W: stride 1 and "same" zero padding), k the (odd) filter size, d the dilation. Every array
is float64. Never modify an argument in place.
"""

import numpy as np


def dilated_conv_forward(x, w, b, dilation):
    """Forward pass of a dilated 2-D convolution (cross-correlation), stride 1, "same" size.

    out[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * xpad[n, c, i + p*d, j + q*d]

    where d = dilation and xpad is x with r = d*(k - 1)/2 zeros added on every side of H and W,
    so out has the same height and width as x. Dilation 1 is an ordinary convolution. r may
    exceed H or W: taps that land in the padding read zeros.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - w: filters, of shape (F, C, k, k) with k odd
    - b: biases, of shape (F,)
    - dilation: an int d >= 1, the spacing between neighbouring taps

    Returns a tuple of:
    - out: output, of shape (N, F, H, W)
    - cache: dict with keys "x", "w", "b", "dilation" (the inputs, unchanged)
    """
    ### BEGIN SOLUTION
    # TODO: zero-pad by r = d*(k-1)//2; for each of the k*k taps (p, q), the input slice that
    # TODO: tap reads starts at (p*d, q*d); mix its channels with w[:, :, p, q] and add it up.
    # TODO: Working channels-first, (C, N, H, W), turns each tap into one matrix product.
    size = w.shape[2]
    reach = dilation * (size - 1) // 2
    batch, channels, height, width = x.shape
    by_channel = np.pad(x.transpose(1, 0, 2, 3), ((0, 0), (0, 0), (reach, reach), (reach, reach)))
    acc = np.zeros((w.shape[0], batch * height * width))  # (F, N*H*W)
    for p in range(size):
        for q in range(size):
            tap = by_channel[:, :, p * dilation:, q * dilation:][:, :, :height, :width]
            acc += w[:, :, p, q] @ tap.reshape(channels, -1)  # (F, N*H*W)
    out = acc.reshape(-1, batch, height, width).transpose(1, 0, 2, 3) + b.reshape(-1, 1, 1)
    cache = {"x": x, "w": w, "b": b, "dilation": dilation}
    ### END SOLUTION
    return out, cache


def dilated_conv_backward(dout, cache):
    """Backward pass of a dilated convolution.

    Only the k*k real taps are weights: dw has the filter's shape (F, C, k, k), never the
    shape of a zero-filled (d(k-1)+1)-wide kernel.

    Inputs:
    - dout: upstream gradient, of shape (N, F, H, W)
    - cache: dict from dilated_conv_forward with keys "x" (N, C, H, W), "w" (F, C, k, k),
      "b" (F,) and "dilation" (int)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dw: gradient with respect to w, of shape (F, C, k, k)
    - db: gradient with respect to b, of shape (F,)
    """
    ### BEGIN SOLUTION
    # TODO: for each tap (p, q): dw[:, :, p, q] pairs dout with the slice that tap read, and
    # TODO: dout mixed back through w[:, :, p, q] is added onto that slice of a padded dx.
    x, w, dilation = cache["x"], cache["w"], cache["dilation"]
    size = w.shape[2]
    reach = dilation * (size - 1) // 2
    batch, channels, height, width = x.shape
    by_channel = np.pad(x.transpose(1, 0, 2, 3), ((0, 0), (0, 0), (reach, reach), (reach, reach)))
    grad_rows = dout.transpose(1, 0, 2, 3).reshape(w.shape[0], -1)  # (F, N*H*W)
    d_by_channel = np.zeros(by_channel.shape)  # (C, N, H+2r, W+2r)
    dw = np.zeros(w.shape)  # (F, C, k, k)
    for p in range(size):
        for q in range(size):
            rows = slice(p * dilation, p * dilation + height)
            cols = slice(q * dilation, q * dilation + width)
            dw[:, :, p, q] = grad_rows @ by_channel[:, :, rows, cols].reshape(channels, -1).T
            back = w[:, :, p, q].T @ grad_rows  # (C, N*H*W)
            d_by_channel[:, :, rows, cols] += back.reshape(channels, batch, height, width)
    inner = d_by_channel[:, :, reach:reach + height, reach:reach + width]  # (C, N, H, W)
    dx = np.ascontiguousarray(inner.transpose(1, 0, 2, 3))  # (N, C, H, W)
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    ### END SOLUTION
    return dx, dw, db


def receptive_field(kernel_sizes, dilations):
    """Receptive field (in pixels, along one axis) of a stack of dilated convolutions.

    Layer l with a k_l-wide filter and dilation d_l widens the field by (k_l - 1) * d_l:
    rf = 1 + sum_l (k_l - 1) * d_l.

    Inputs:
    - kernel_sizes: a list or tuple of L odd ints k_l >= 1
    - dilations: a list or tuple of L ints d_l >= 1

    Returns:
    - rf: a Python int
    """
    ### BEGIN SOLUTION
    # TODO: one pixel, plus what each layer adds.
    rf = 1 + sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))
    ### END SOLUTION
    return int(rf)


def identity_init(C, k):
    """Filters of a C -> C convolution that copies its input: the context module's init.

    w[c, c, k//2, k//2] = 1 for every channel c, and every other entry is 0.

    Inputs:
    - C: an int, the number of channels
    - k: an odd int, the filter size

    Returns:
    - w: filters, of shape (C, C, k, k)
    """
    ### BEGIN SOLUTION
    # TODO: zeros, with a one at the centre tap of each channel's own filter.
    w = np.zeros((C, C, k, k))
    centre = k // 2
    w[:, :, centre, centre] = np.eye(C)
    ### END SOLUTION
    return w


def context_module_forward(x, ws, bs, dilations=(1, 1, 2, 4, 8, 16, 1)):
    """Forward pass of the context module: L dilated 3x3 conv + ReLU layers, then a 1x1 conv.

    h_0 = x;  h_{l+1} = max(0, dilated_conv(h_l, ws[l], bs[l], dilations[l])) for l < L;
    out = dilated_conv(h_L, ws[L], bs[L], 1), with no ReLU on the output.

    The paper's basic module has L = 7 with dilations (1, 1, 2, 4, 8, 16, 1) and C channels
    throughout. Call dilated_conv_forward (by that module-level name) for every layer.

    Inputs:
    - x: input, of shape (N, C, H, W)
    - ws: a list of L + 1 filter arrays: ws[l] of shape (C, C, 3, 3) for l < L, and ws[L]
      of shape (C, C, 1, 1)
    - bs: a list of L + 1 bias arrays of shape (C,)
    - dilations: a tuple of L ints, one per 3x3 layer

    Returns a tuple of:
    - out: output, of shape (N, C, H, W)
    - cache: dict with the key "layers" (the int L + 1) and, for every layer l = 0 .. L, the
      keys "conv{l}.x", "conv{l}.w", "conv{l}.b", "conv{l}.dilation": that layer's
      dilated_conv_forward cache. For l >= 1, "conv{l}.x" is the ReLU output of layer l - 1.
    """
    ### BEGIN SOLUTION
    # TODO: run the layers in order, ReLU after all but the last, and copy each layer's
    # TODO: cache into the flat dict under "conv{l}." keys.
    cache = {"layers": len(ws)}
    h = x
    for l, (w, b) in enumerate(zip(ws, bs)):
        last = l == len(ws) - 1
        h, layer_cache = dilated_conv_forward(h, w, b, 1 if last else dilations[l])
        for key, value in layer_cache.items():
            cache[f"conv{l}.{key}"] = value
        if not last:
            h = np.maximum(h, 0.0)  # (N, C, H, W)
    out = h
    ### END SOLUTION
    return out, cache


def context_module_backward(dout, cache):
    """Backward pass of the context module.

    Inputs:
    - dout: upstream gradient, of shape (N, C, H, W)
    - cache: dict from context_module_forward (see its keys). The ReLU after layer l - 1 let
      through exactly the entries where "conv{l}.x" > 0.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dws: a list of L + 1 arrays, dws[l] shaped like ws[l]
    - dbs: a list of L + 1 arrays of shape (C,)
    """
    ### BEGIN SOLUTION
    # TODO: walk the layers from last to first with dilated_conv_backward; between layers,
    # TODO: block the gradient where the ReLU output (the next layer's input) is 0.
    layers = cache["layers"]
    dws, dbs = [None] * layers, [None] * layers
    grad = dout
    for l in range(layers - 1, -1, -1):
        layer_cache = {key: cache[f"conv{l}.{key}"] for key in ("x", "w", "b", "dilation")}
        grad, dws[l], dbs[l] = dilated_conv_backward(grad, layer_cache)
        if l > 0:
            grad = np.where(layer_cache["x"] > 0, grad, 0.0)  # through layer l-1's ReLU
    dx = grad
    ### END SOLUTION
    return dx, dws, dbs
