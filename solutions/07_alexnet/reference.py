"""PyTorch references for paper 07, run in float64 through autograder.torchref."""

import torch
import torch.nn.functional as F


def conv(x, w, b, stride, pad):
    # F.conv2d is a cross-correlation, like conv_forward; it drops windows past the edge too.
    return F.conv2d(x, w, b, stride=stride, padding=pad)


def maxpool(x, size, stride):
    # On ties torch routes the gradient to the first maximum in row-major order (verified).
    return F.max_pool2d(x, size, stride)


def maxpool_grad(x, dout, size, stride):
    """dL/dx of sum(dout * maxpool(x)), for the tie-rule checks (baked for the public one)."""
    # torch.func.vjp differentiates even under the no_grad that torchref.forward runs in.
    _, pullback = torch.func.vjp(lambda inputs: F.max_pool2d(inputs, size, stride), x)
    return pullback(dout)[0]


def lrn(x, n, alpha, beta, k):
    # Torch's LocalResponseNorm uses alpha/n times the window sum; the paper uses alpha times
    # the sum. Passing alpha*n makes them equal (verified to 1e-16). For odd n both clip the
    # window [c - n//2, c + n//2] at the first and last channel the same way.
    return F.local_response_norm(x, n, alpha=alpha * n, beta=beta, k=k)
