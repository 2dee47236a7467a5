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

from autograder.sandbox.wire import vary

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
    """Output number ``index`` of ``fn`` (e.g. ``out`` of a forward returning ``(out, cache)``),
    optionally passed through ``then`` (e.g. ``lambda h: h[:, -1]``).

    Use it as the function to differentiate, with every argument of ``fn`` in the argument
    tuple (the fixed ones too): ``numerical_vjp(output_of(impl.f), (x, mask, p), dout, wrt=(0,))``.
    When ``fn`` can evaluate many argument sets in one go (a sandboxed learner function has
    ``map``), central differences ask for all their evaluations at once.
    """

    def __init__(
        self, fn: Callable[..., Any], index: int = 0, then: Callable[[Any], Any] | None = None
    ):
        self.fn = fn
        self.index = index
        self.then = then

    def __call__(self, *args: Any) -> Any:
        out = self.fn(*args)[self.index]
        return self.then(out) if self.then is not None else out


def output_of(
    fn: Callable[..., Any], index: int = 0, then: Callable[[Any], Any] | None = None
) -> OutputOf:
    return OutputOf(fn, index, then)


def _batched(f: Callable[..., Any]) -> Callable[[tuple, list], list] | None:
    """Evaluate ``f`` at many variations of its arguments at once, when ``f`` offers it."""
    inner = getattr(f.fn, "vary", None) if isinstance(f, OutputOf) else None
    if inner is None:
        return None
    if f.then is None:
        return lambda args, variations: inner(args, variations, pick=f.index)
    return lambda args, variations: [f.then(o) for o in inner(args, variations, pick=f.index)]


def _loss_of(out: Any, dout: Any) -> float:
    outs = out if isinstance(out, tuple) else (out,)
    douts = dout if isinstance(dout, tuple) else (dout,)
    return float(sum(np.sum(np.asarray(o, dtype=np.float64) * d) for o, d in zip(outs, douts)))


def _leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths (keys / indices) to every array or number inside nested dicts, lists, tuples."""
    if isinstance(value, dict):
        return [p for key in value for p in _leaf_paths(value[key], (*prefix, key))]
    if isinstance(value, (tuple, list)):
        return [p for k, item in enumerate(value) for p in _leaf_paths(item, (*prefix, k))]
    return [prefix]


def _at(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def _rebuild(value: Any, grads: dict[tuple, Any], prefix: tuple = ()) -> Any:
    """``value``'s structure with the gradient of each leaf in its place."""
    if isinstance(value, dict):
        return {k: _rebuild(v, grads, (*prefix, k)) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_rebuild(v, grads, (*prefix, k)) for k, v in enumerate(value))
    return grads[prefix]


def _numerical_vjp_batched(
    evaluate: Callable[[tuple, list], list],
    args: Sequence[Any],
    dout: Any,
    wrt: Sequence[int],
    h: float,
    chunk: int = 1024,
) -> tuple[Any, ...]:
    """The same central differences as the element loop, sent as variations in chunks.

    Each variation moves one number of one argument by +h or -h (``wire.vary``); the
    sandbox evaluates them all in one round trip and the differences are taken here.
    """
    args = tuple(args)
    grads: list[Any] = []
    for i in wrt:
        leaves = {}
        for path in _leaf_paths(args[i]):
            leaf = _at(args[i], path)
            size = 1 if _is_scalar(leaf) else np.size(leaf)
            flat = np.zeros(size)
            variations = [(i, list(path), j, sign * h) for j in range(size) for sign in (1, -1)]
            for start in range(0, len(variations), chunk):
                part = variations[start : start + chunk]
                losses = [_loss_of(out, dout) for out in evaluate(args, part)]
                for offset in range(0, len(losses), 2):
                    flat[(start + offset) // 2] = (losses[offset] - losses[offset + 1]) / (2 * h)
            leaves[path] = float(flat[0]) if _is_scalar(leaf) else flat.reshape(np.shape(leaf))
        grads.append(_rebuild(args[i], leaves))
    return tuple(grads)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_deep_copy(v) for v in value)
    return value


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
      ``output_of(fn, index)`` picks one output of a function returning a tuple.
    - args: the arguments; those in ``wrt`` are float64 arrays, Python floats, or (nested)
      dicts, lists and tuples of them (parameters).
    - dout: upstream gradient, same structure and shapes as f's output.
    - wrt: positions of the arguments to differentiate.

    Returns a tuple with one gradient per position in ``wrt``, shaped like the argument (a
    float for a float). ``args`` are never modified. Every element of every array is moved
    by +h and -h in turn; a sandboxed ``f`` gets all those evaluations in a few requests.
    """
    evaluate = _batched(f)
    if evaluate is not None:
        return _numerical_vjp_batched(evaluate, args, dout, wrt, h)
    work = [_deep_copy(a) if k in wrt else a for k, a in enumerate(args)]
    grads: list[Any] = []
    for i in wrt:
        leaves = {}
        for path in _leaf_paths(work[i]):
            leaf = _at(work[i], path)
            if isinstance(leaf, np.ndarray):
                leaves[path] = _array_gradient(lambda: scalar_loss(f, work, dout), leaf, h)
            else:
                plus = scalar_loss(f, vary(tuple(work), i, list(path), 0, h), dout)
                minus = scalar_loss(f, vary(tuple(work), i, list(path), 0, -h), dout)
                leaves[path] = (plus - minus) / (2 * h)
        grads.append(_rebuild(work[i], leaves))
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
            work = list(args)
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
