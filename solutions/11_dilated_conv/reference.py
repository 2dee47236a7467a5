"""PyTorch references for paper 11, run in float64 through autograder.torchref."""

import torch
import torch.nn.functional as F


def dilated_conv(x, w, b, dilation):
    # "Same" zero padding d*(k-1)/2 keeps H x W at stride 1 (k odd).
    return F.conv2d(x, w, b, padding=dilation * (w.shape[-1] - 1) // 2, dilation=dilation)


def context_module(x, params, dilations):
    """The basic context module with params {"w0", "b0", ..., "wL", "bL"}; L = len(dilations).

    Layers 0 .. L-1 are 3x3 dilated convolutions followed by a ReLU; layer L is the 1x1
    convolution, without a ReLU.
    """
    h = x
    depth = len(dilations)
    for layer in range(depth + 1):
        d = dilations[layer] if layer < depth else 1
        h = dilated_conv(h, params[f"w{layer}"], params[f"b{layer}"], d)
        if layer < depth:
            h = F.relu(h)
    return h


def impulse_support(kernel_sizes, dilations, size):
    """Width of the support of d out[centre] / d x through a stack with positive weights.

    A single-channel stack of all-ones filters on a size x size input (no ReLU): every path
    from an input pixel to the centre output adds a positive amount, so the gradient is
    non-zero exactly on the receptive field (when size is at least the field's width).
    """

    def stack(probe):
        for k, d in zip(kernel_sizes, dilations):
            ones = torch.ones(1, 1, k, k, dtype=torch.float64)
            probe = F.conv2d(probe, ones, padding=d * (k - 1) // 2, dilation=d)
        return probe

    # torch.func.vjp differentiates even under the no_grad that torchref.forward runs in.
    out, pullback = torch.func.vjp(stack, torch.zeros(1, 1, size, size, dtype=torch.float64))
    impulse = torch.zeros_like(out)
    impulse[0, 0, size // 2, size // 2] = 1.0
    (grad,) = pullback(impulse)
    rows = torch.nonzero(grad[0, 0].abs().sum(dim=1) > 0)
    return rows.max() - rows.min() + 1
