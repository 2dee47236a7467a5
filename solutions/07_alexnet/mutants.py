"""Plausible wrong versions of alexnet_layers.py, one bug each.

Each entry replaces snippets of the solution (every snippet must occur exactly once).
`s30 verify` requires that every mutant fails at least one check and that every check fails on
at least one mutant, so no check is vacuous.
"""

MUTANTS = {
    "conv_forward forgets the bias": [
        ("prod.transpose(0, 3, 1, 2)) + b[:, None, None]", "prod.transpose(0, 3, 1, 2))"),
    ],
    "conv_forward flips the kernel (true convolution, not torch's cross-correlation)": [
        ("np.tensordot(patches, w, axes=", "np.tensordot(patches, w[:, :, ::-1, ::-1], axes="),
    ],
    "conv_forward ignores the stride": [
        ("patches = patches[:, :, ::stride, ::stride]  # (N, C, H', W', HH, WW)",
         "patches = patches[:, :, ::1, ::1]  # (N, C, H', W', HH, WW)"),
    ],
    "conv_forward pads only the top and left": [
        ("x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)\n"
         "    patches = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))  # (N, C, ., ., HH, WW)",
         "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, 0), (pad, 0)))  # (N, C, H+2p, W+2p)\n"
         "    patches = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))  # (N, C, ., ., HH, WW)"),
    ],
    "conv_backward averages db over the batch": [
        ("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(0, 2, 3)) / dout.shape[0]"),
    ],
    "conv_backward takes dw from the first image only": [
        ("dw = np.tensordot(dout, patches, axes=([0, 2, 3], [0, 2, 3]))",
         "dw = np.tensordot(dout[0], patches[0], axes=([1, 2], [1, 2]))"),
    ],
    "conv_backward overwrites overlapping windows instead of accumulating (col2im)": [
        ("dx_pad[:, :, rows, cols] += dpatches[:, p, q]",
         "dx_pad[:, :, rows, cols] = dpatches[:, p, q]"),
    ],
    "conv_backward scatters dx with stride 1": [
        ("rows = slice(p, p + stride * (h_out - 1) + 1, stride)", "rows = slice(p, p + h_out)"),
        ("cols = slice(q, q + stride * (w_out - 1) + 1, stride)", "cols = slice(q, q + w_out)"),
    ],
    "conv_backward crops the padding from one side only": [
        ("dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]",
         "dx_pad[:, :, :x.shape[2], :x.shape[3]]"),
    ],
    "maxpool_forward pools without overlap (stride = size)": [
        ("(x.shape[2] - size) // stride + 1, (x.shape[3] - size) // stride + 1",
         "(x.shape[2] - size) // size + 1, (x.shape[3] - size) // size + 1"),
        ("views = views[:, :, ::stride, ::stride]", "views = views[:, :, ::size, ::size]"),
    ],
    "maxpool_backward sends ties to the last maximum": [
        ("views.reshape(n, c, h_out, w_out, size * size).argmax(axis=-1)",
         "size * size - 1\n    first -= views.reshape(n, c, h_out, w_out, size * size)"
         "[..., ::-1].argmax(axis=-1)"),
    ],
    "maxpool_backward assigns instead of accumulating where windows overlap": [
        ("dx = np.bincount(target.ravel(), weights=dout.ravel(), minlength=x.size)",
         "dx = np.zeros(x.size)\n    dx[target.ravel()] = dout.ravel()"),
    ],
    "maxpool_backward spreads dout evenly over the window (average pooling)": [
        ("dx = np.bincount(target.ravel(), weights=dout.ravel(), minlength=x.size)",
         "dx = np.bincount(target.ravel(), weights=dout.ravel() / size**2, minlength=x.size)"),
    ],
    "maxpool_backward swaps row and column of the argmax": [
        ("+ first // size  # (N, C, H', W') row in x", "+ first % size  # (N, C, H', W') row in x"),
        ("+ first % size  # (N, C, H', W') column in x",
         "+ first // size  # (N, C, H', W') column in x"),
    ],
    "lrn_forward uses torch's convention alpha / n": [
        ("out = x / (k + alpha * energy) ** beta", "out = x / (k + alpha / n * energy) ** beta"),
    ],
    "lrn_forward forgets the exponent beta": [
        ("out = x / (k + alpha * energy) ** beta", "out = x / (k + alpha * energy)"),
    ],
    "lrn_forward uses a one-sided window": [
        ("squares = np.pad(x * x, ((0, 0), (half, half), (0, 0), (0, 0)))",
         "squares = np.pad(x * x, ((0, 0), (0, 2 * half), (0, 0), (0, 0)))"),
    ],
    "lrn_backward drops the cross-channel term": [
        ("dx = dout * denom ** (-beta) - 2.0 * alpha * beta * x * gathered",
         "dx = dout * denom ** (-beta)"),
    ],
    "lrn_backward forgets the 2 from d(x**2)": [
        ("- 2.0 * alpha * beta * x * gathered", "- alpha * beta * x * gathered"),
    ],
    "lrn_backward uses each channel's own denominator in the cross term": [
        ("gathered = sliding_window_view(np.pad(through, pad_c), n, axis=1).sum(axis=-1)",
         "gathered = sliding_window_view(np.pad(dout * x, pad_c), n, axis=1).sum(axis=-1)"
         " * denom ** (-beta - 1)"),
    ],
}
