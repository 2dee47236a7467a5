"""Numerical gradients by central differences, in float64.

A backward pass computes a vector-Jacobian product: for an upstream gradient ``dout`` it returns
d/dx of L(x) = sum(dout * f(x)). Central differences approximate the same quantity,

    dL/dx_i ~ (L(x + h e_i) - L(x - h e_i)) / 2h,

for every element i (exact up to O(h^2) truncation and roundoff of order eps * |L| / h). At
exercise sizes we perturb every element; for larger inputs a few random directions v give the
directional derivative <grad, v> at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

STEP = 1e-5


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)


def scalar_loss(f: Callable[..., Any], args: Sequence[Any], dout: Any) -> float:
    """L = sum(dout * f(*args)), summed over every output of f when it returns a tuple."""
    outs = _as_tuple(f(*args))
    douts = _as_tuple(dout)
    if len(outs) != len(douts):
        raise ValueError(f"f returned {len(outs)} outputs but dout has {len(douts)}")
    return float(sum(np.sum(np.asarray(o, dtype=np.float64) * d) for o, d in zip(outs, douts)))


class OutputOf:
    """Output number ``index`` of ``fn`` (e.g. ``out`` of a forward returning ``(out, cache)``).

    Use it as the function to differentiate, e.g. ``numerical_vjp(output_of(impl.f), ...)``:
    when ``fn`` can evaluate many argument sets in one go (a sandboxed learner function has
    ``map``), central differences ask for all their evaluations at once.
    """

    def __init__(self, fn: Callable[..., Any], index: int = 0):
        self.fn = fn
        self.index = index

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)[self.index]


def output_of(fn: Callable[..., Any], index: int = 0) -> OutputOf:
    return OutputOf(fn, index)


def _batched(f: Callable[..., Any]) -> Callable[[list[tuple]], list] | None:
    """A way to evaluate ``f`` on many argument sets at once, when ``f`` offers one."""
    if isinstance(f, OutputOf):
        inner = getattr(f.fn, "map", None)
        return (lambda sets: inner(sets, pick=f.index)) if inner is not None else None
    return getattr(f, "map", None)


def _loss_of(out: Any, dout: Any) -> float:
    outs = out if isinstance(out, tuple) else (out,)
    douts = dout if isinstance(dout, tuple) else (dout,)
    return float(sum(np.sum(np.asarray(o, dtype=np.float64) * d) for o, d in zip(outs, douts)))


def _numerical_vjp_batched(
    evaluate: Callable[[list[tuple]], list],
    args: Sequence[Any],
    dout: Any,
    wrt: Sequence[int],
    h: float,
    chunk: int = 512,
) -> tuple[Any, ...]:
    """The same differences as the element loop, each chunk of argument sets in one request."""
    grads: list[Any] = []
    for i in wrt:
        center = args[i]
        if _is_scalar(center):
            sets = [
                tuple(float(center) + s * h if k == i else a for k, a in enumerate(args))
                for s in (1, -1)
            ]
            plus, minus = evaluate(sets)
            grads.append((_loss_of(plus, dout) - _loss_of(minus, dout)) / (2 * h))
            continue
        grad = np.zeros(np.shape(center), dtype=np.float64)
        flat_grad = grad.reshape(-1)
        for start in range(0, grad.size, chunk):
            sets = []
            for j in range(start, min(start + chunk, grad.size)):
                for sign in (1, -1):
                    moved = np.array(center, dtype=np.float64, copy=True)
                    moved.reshape(-1)[j] += sign * h
                    sets.append(tuple(moved if k == i else a for k, a in enumerate(args)))
            losses = [_loss_of(out, dout) for out in evaluate(sets)]
            for offset in range(len(losses) // 2):
                flat_grad[start + offset] = (losses[2 * offset] - losses[2 * offset + 1]) / (2 * h)
        grads.append(grad)
    return tuple(grads)


def _working_copies(args: Sequence[Any]) -> list[Any]:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _array_gradient(loss: Callable[[], float], x: np.ndarray, h: float) -> np.ndarray:
    """Perturb every element of ``x`` in place (restoring it) and difference ``loss``."""
    if x.dtype != np.float64:
        raise TypeError(f"can only differentiate float64 arrays, got {x.dtype}")
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for j in range(flat_x.size):
        center = flat_x[j]
        flat_x[j] = center + h
        plus = loss()
        flat_x[j] = center - h
        minus = loss()
        flat_x[j] = center
        flat_grad[j] = (plus - minus) / (2 * h)
    return grad


def numerical_vjp(
    f: Callable[..., Any],
    args: Sequence[Any],
    dout: Any,
    wrt: Sequence[int],
    h: float = STEP,
) -> tuple[Any, ...]:
    """Central-difference gradient of sum(dout * f(*args)) w.r.t. each argument in ``wrt``.

    Inputs:
    - f: function of ``args``; returns an array or a tuple of arrays (matched by ``dout``).
    - args: the arguments; those in ``wrt`` are float64 arrays, Python floats, or dicts,
      lists or tuples of float64 arrays (parameters).
    - dout: upstream gradient, same structure and shapes as f's output.
    - wrt: positions of the arguments to differentiate.

    Returns a tuple with one gradient per position in ``wrt``: an array of the argument's
    shape, a float for a scalar argument, the same structure of arrays for a dict, list or
    tuple argument. ``args`` are never modified.
    """
    evaluate = _batched(f)
    containers = any(isinstance(args[i], (dict, tuple, list)) for i in wrt)
    if evaluate is not None and not containers:
        return _numerical_vjp_batched(evaluate, args, dout, wrt, h)
    work = _working_copies(args)
    for i in wrt:
        if isinstance(work[i], dict):
            work[i] = {k: np.array(v, copy=True) for k, v in work[i].items()}
        elif isinstance(work[i], (tuple, list)):
            work[i] = type(work[i])(np.array(v, copy=True) for v in work[i])
    grads: list[Any] = []
    for i in wrt:
        if _is_scalar(work[i]):
            center = float(work[i])
            work[i] = center + h
            plus = scalar_loss(f, work, dout)
            work[i] = center - h
            minus = scalar_loss(f, work, dout)
            work[i] = args[i]
            grads.append((plus - minus) / (2 * h))
        elif isinstance(work[i], dict):
            grads.append(
                {
                    key: _array_gradient(lambda: scalar_loss(f, work, dout), value, h)
                    for key, value in work[i].items()
                }
            )
        elif isinstance(work[i], (tuple, list)):
            grads.append(
                type(work[i])(
                    _array_gradient(lambda: scalar_loss(f, work, dout), value, h)
                    for value in work[i]
                )
            )
        else:
            grads.append(_array_gradient(lambda: scalar_loss(f, work, dout), work[i], h))
    return tuple(grads)


def directional_derivatives(
    f: Callable[..., Any],
    args: Sequence[Any],
    dout: Any,
    wrt: Sequence[int],
    directions: Sequence[np.ndarray],
    h: float = STEP,
) -> np.ndarray:
    """Numerical <grad_i, v> for each argument i in ``wrt`` and each direction v.

    ``directions[k]`` is a tuple with one array per argument in ``wrt`` (the same shapes).
    Returns an array of shape (len(directions), len(wrt)).
    """
    result = np.zeros((len(directions), len(wrt)))
    for k, direction in enumerate(directions):
        for col, (i, v) in enumerate(zip(wrt, direction)):
            work = _working_copies(args)
            work[i] = args[i] + h * v
            plus = scalar_loss(f, work, dout)
            work[i] = args[i] - h * v
            minus = scalar_loss(f, work, dout)
            result[k, col] = (plus - minus) / (2 * h)
    return result


def random_directions(
    rng: np.random.Generator, shapes: Sequence[tuple[int, ...]], count: int
) -> list[tuple[np.ndarray, ...]]:
    """``count`` tuples of unit-norm Gaussian directions, one array per shape."""
    directions = []
    for _ in range(count):
        tup = []
        for shape in shapes:
            v = rng.standard_normal(shape)
            tup.append(v / max(np.linalg.norm(v), 1e-300))
        directions.append(tuple(tup))
    return directions


def relative_error(got: np.ndarray, expected: np.ndarray, floor: float = 1e-12) -> float:
    """max |got - expected| / max(max |expected|, max |got|, floor).

    Scaling by the largest magnitude (not element by element) keeps entries that are tiny
    for a legitimate reason from inflating the error; ``floor`` keeps all-zero pairs finite.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(expected))), float(np.max(np.abs(got))), floor)
    return float(np.max(np.abs(got - expected))) / scale
