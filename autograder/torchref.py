"""Run a PyTorch reference in float64, on one thread, with deterministic algorithms.

A reference is a plain function of tensors, e.g. ``def layer(x, w): return F.linear(x, w)``.
This module converts NumPy inputs to tensors (float -> float64, integer -> int64, bool -> bool;
dicts, tuples and lists recurse), runs the function, and hands back NumPy outputs and, for an
upstream ``dout``, the autograd vector-Jacobian product. torch is imported on first use only:
nothing a learner runs pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_torch = None


def get_torch():
    """Import torch once and pin it to reproducible settings."""
    global _torch
    if _torch is None:
        import torch

        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        _torch = torch
    return _torch


def to_tensor(value: Any, requires_grad: bool = False) -> Any:
    """NumPy -> torch. Python numbers stay numbers unless a gradient is wanted."""
    torch = get_torch()
    if isinstance(value, dict):
        return {k: to_tensor(v, requires_grad) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(to_tensor(v, requires_grad) for v in value)
    if isinstance(value, np.ndarray):
        if value.dtype == np.bool_:
            return torch.from_numpy(value.copy())
        if np.issubdtype(value.dtype, np.integer):
            return torch.from_numpy(value.astype(np.int64))
        tensor = torch.from_numpy(np.array(value, dtype=np.float64))
        return tensor.requires_grad_(requires_grad)
    if requires_grad:
        return torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
    return value


def to_numpy(value: Any) -> Any:
    torch = get_torch()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    return value


def forward(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with NumPy in and NumPy out (an array, or a tuple / dict of arrays)."""
    torch = get_torch()
    with torch.no_grad():
        return to_numpy(fn(*(to_tensor(a) for a in args)))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _grad_like(value: Any, grads: dict[int, Any]) -> Any:
    """Rebuild ``value``'s structure from its leaves' gradients (zeros where unused)."""
    if isinstance(value, dict):
        return {k: _grad_like(v, grads) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_grad_like(v, grads) for v in value)
    grad = grads.get(id(value))
    return to_numpy(grad if grad is not None else get_torch().zeros_like(value))


def vjp(
    fn: Callable[..., Any],
    args: Sequence[Any],
    dout: Any,
    wrt: Sequence[int] | None = None,
) -> tuple[Any, tuple[Any, ...]]:
    """Forward output and autograd gradients of sum(dout * fn(*args)).

    Inputs:
    - fn: a reference of tensors returning a tensor or a tuple of tensors.
    - args: NumPy arrays, Python numbers, or dicts / lists / tuples of arrays.
    - dout: upstream gradient (array, or tuple of arrays matching fn's outputs).
    - wrt: positions of the arguments to differentiate; default: every float array.

    Returns (out, grads): out as NumPy, grads a tuple with one entry per ``wrt`` position:
    an array (zeros where the output does not depend on it), a float for a scalar argument,
    the same structure of arrays for a dict, list or tuple argument.
    """
    torch = get_torch()
    if wrt is None:
        wrt = [
            i
            for i, a in enumerate(args)
            if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)
        ]
    tensors = [to_tensor(a, requires_grad=(i in wrt)) for i, a in enumerate(args)]
    with torch.enable_grad():
        out = fn(*tensors)
        outs = out if isinstance(out, tuple) else (out,)
        douts = dout if isinstance(dout, tuple) else (dout,)
        grad_outputs = [torch.as_tensor(np.asarray(d, dtype=np.float64)) for d in douts]
        inputs = [leaf for i in wrt for leaf in _leaves(tensors[i])]
        grads = torch.autograd.grad(outs, inputs, grad_outputs=grad_outputs, allow_unused=True)
    by_leaf = {id(leaf): g for leaf, g in zip(inputs, grads)}
    result = []
    for i in wrt:
        value = _grad_like(tensors[i], by_leaf)
        is_number = not isinstance(args[i], (np.ndarray, dict, tuple, list))
        result.append(float(value) if is_number else value)
    return to_numpy(out), tuple(result)
