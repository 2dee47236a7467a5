"""Assertions for check files, worded for the learner who reads the failure.

Every failure raises :class:`CheckFailure` with a message that names the function and output,
the worst index, expected vs got, the error and, when the pattern is recognisable, a diagnosis
(see :mod:`autograder.diagnose`). Types are checked before values: a result must be a plain
``np.ndarray`` of the expected dtype and exact shape (or a real scalar where a scalar is due),
and NaN never equals anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from autograder.diagnose import diagnose, diagnose_shape
from autograder.gradcheck import relative_error


@dataclass(frozen=True)
class Tolerance:
    """Pass when |got - expected| <= atol + rtol * |expected|, element by element."""

    rtol: float
    atol: float


#: torch.testing.assert_close defaults for float64.
TORCH_TOL = Tolerance(rtol=1e-7, atol=1e-7)
#: Central differences with h = 1e-5 in float64 (truncation ~1e-10, roundoff ~1e-11 |L|).
NUMERIC_TOL = Tolerance(rtol=1e-6, atol=1e-8)
#: Reproducing a baked or closed-form value computed in float64.
EXACT_TOL = Tolerance(rtol=1e-9, atol=1e-10)


class CheckFailure(AssertionError):
    """A check's verdict: the learner's result is wrong, and the message says how."""


def fail(message: str) -> NoReturn:
    raise CheckFailure(message)


def _index(flat: int, shape: tuple[int, ...]) -> str:
    if not shape:
        return "()"
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _value(x: float) -> str:
    return f"{x:.6g}"


def _is_real_scalar(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def expect_array(name: str, got: Any, like: Any) -> np.ndarray:
    """Check that ``got`` has the type, dtype and shape of ``like``; return it as an ndarray.

    ``like`` is an ndarray (``got`` must be a plain ndarray of the same dtype and shape) or a
    scalar / 0-d array (``got`` must be a real number or a 0-d ndarray).
    """
    like = np.asarray(like)
    if like.ndim == 0:
        if _is_real_scalar(got):
            return np.asarray(got, dtype=like.dtype)
        if type(got) is np.ndarray and got.ndim == 0:
            return got.astype(like.dtype)
        if type(got) is np.ndarray:
            fail(f"{name} should be a scalar, got an array of shape {got.shape}")
        fail(f"{name} should be a number, got {type(got).__name__}")
    if type(got) is not np.ndarray:
        kind = type(got).__name__
        if isinstance(got, np.ndarray):
            kind = f"an ndarray subclass ({kind})"
        fail(f"{name} should be a numpy array of shape {like.shape}, got {kind}")
    if got.dtype != like.dtype:
        fail(f"{name} has dtype {got.dtype}, expected {like.dtype}")
    if got.shape != like.shape:
        detail = diagnose_shape(got, like) if got.dtype.kind == "f" else ""
        fail(f"{name} has the wrong shape: {detail or f'{got.shape}, expected {like.shape}'}")
    return got


def _assert_tree_close(name: str, got: Any, expected: Any, **options: Any) -> None:
    """Dicts and tuples/lists of arrays: same keys / length, then every leaf close."""
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            fail(f"{name} should be a dict with keys {sorted(expected)}, got {type(got).__name__}")
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        if missing or extra:
            fail(f"{name} has the wrong keys: missing {missing}, unexpected {extra}")
        for key in expected:
            assert_close(f"{name}[{key!r}]", got[key], expected[key], **options)
        return
    if not isinstance(got, (tuple, list)):
        fail(f"{name} should be a sequence of {len(expected)} arrays, got {type(got).__name__}")
    if len(got) != len(expected):
        fail(f"{name} should have {len(expected)} entries, got {len(got)}")
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_close(f"{name}[{i}]", g, e, **options)


def assert_close(
    name: str,
    got: Any,
    expected: Any,
    *,
    tol: Tolerance = TORCH_TOL,
    against: str = "the reference",
    batch_size: int | None = None,
    mask: np.ndarray | None = None,
) -> None:
    """Fail unless ``got`` matches ``expected`` within ``tol`` everywhere (NaN never matches).

    ``expected`` may be an array or number, or a dict / tuple / list of them (compared leaf
    by leaf, e.g. gradients keyed like a parameter dict).
    """
    if isinstance(expected, (Mapping, tuple, list)):
        _assert_tree_close(
            name, got, expected, tol=tol, against=against, batch_size=batch_size, mask=mask
        )
        return
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(got, np.ndarray) and type(got) is np.ndarray and got.shape != expected.shape:
        if got.dtype == np.float64:
            fail(f"{name} has the wrong shape: {diagnose_shape(got, expected, batch_size)}")
    got = expect_array(name, got, expected)
    error = np.abs(got - expected)
    bad = ~(error <= tol.atol + tol.rtol * np.abs(expected))
    if not bad.any():
        return
    nonfinite = ~np.isfinite(got)
    worst = int(np.argmax(np.where(np.isnan(error), np.inf, error).reshape(-1)))
    lines = [f"{name} does not match {against}."]
    if nonfinite.any():
        first = int(np.argmax(nonfinite.reshape(-1)))
        lines.append(
            f"  got contains {int(nonfinite.sum())} NaN/inf entries "
            f"(first at index {_index(first, got.shape)})"
        )
    lines.append(
        f"  worst at index {_index(worst, got.shape)}: "
        f"expected {_value(expected.reshape(-1)[worst])}, got {_value(got.reshape(-1)[worst])}"
    )
    if not nonfinite.any():
        lines.append(
            f"  max abs err {float(error.max()):.2e}, rel err {relative_error(got, expected):.2e}; "
            f"{int(bad.sum())} of {bad.size} entries outside "
            f"|got - expected| <= {tol.atol:g} + {tol.rtol:g}*|expected|"
        )
        hint = diagnose(got, expected, batch_size=batch_size, mask=mask)
        if hint:
            lines.append(f"  diagnosis: {hint}")
    fail("\n".join(lines))


def assert_equal(name: str, got: Any, expected: Any) -> None:
    """Exact equality for integer, boolean and deterministic float results."""
    expected = np.asarray(expected)
    got = expect_array(name, got, expected)
    differs = got != expected
    if expected.dtype.kind == "f":
        differs = ~((got == expected) | (np.isnan(got) & np.isnan(expected)))
    if not np.any(differs):
        return
    first = int(np.argmax(np.reshape(differs, -1)))
    fail(
        f"{name} is wrong at {int(np.sum(differs))} of {differs.size} entries; first at index "
        f"{_index(first, expected.shape)}: expected {expected.reshape(-1)[first]!r}, "
        f"got {got.reshape(-1)[first]!r}"
    )


def outputs(fn_name: str, result: Any, names: Sequence[str]) -> tuple[Any, ...]:
    """Split a function's return value into its documented parts.

    One name: the value itself. Several: a tuple (or list) of that length, or a dict with
    exactly those keys (the curriculum allows gradients keyed like ``params``).
    """
    if len(names) == 1:
        return (result,)
    if isinstance(result, Mapping):
        missing = [n for n in names if n not in result]
        if missing:
            fail(f"{fn_name} returned a dict without the keys {missing}")
        return tuple(result[n] for n in names)
    if not isinstance(result, (tuple, list)):
        fail(f"{fn_name} should return a tuple ({', '.join(names)}), got {type(result).__name__}")
    if len(result) != len(names):
        fail(f"{fn_name} should return {len(names)} values ({', '.join(names)}), got {len(result)}")
    return tuple(result)


def assert_gradients(
    fn_name: str,
    result: Any,
    names: Sequence[str],
    *,
    autograd: Sequence[Any] | None = None,
    numeric: Sequence[Any] | None = None,
    batch_size: int | None = None,
    masks: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Compare each returned gradient with torch autograd and with central differences.

    ``autograd`` and ``numeric`` hold one expected gradient per name, in order.
    """
    parts = outputs(fn_name, result, names)
    for k, (name, got) in enumerate(zip(names, parts)):
        mask = (masks or {}).get(name)
        label = f"{fn_name}: {name}"
        if autograd is not None:
            assert_close(
                label,
                got,
                autograd[k],
                tol=TORCH_TOL,
                against="torch autograd",
                batch_size=batch_size,
                mask=mask,
            )
        if numeric is not None:
            assert_close(
                label,
                got,
                numeric[k],
                tol=NUMERIC_TOL,
                against="central differences",
                batch_size=batch_size,
                mask=mask,
            )


def assert_cache_keys(fn_name: str, cache: Any, keys: Sequence[str]) -> None:
    """A forward's cache must be a dict holding the keys its docstring promises.

    The grader builds caches with the solution's forward and hands them to the learner's
    backward, so these keys are a contract, not an implementation detail.
    """
    if not isinstance(cache, Mapping):
        fail(f"{fn_name} should return a dict cache, got {type(cache).__name__}")
    missing = [k for k in keys if k not in cache]
    if missing:
        fail(f"{fn_name}'s cache is missing the keys {missing} its docstring promises")


def snapshot(value: Any) -> Any:
    """A deep copy of arrays, dicts, tuples and lists of them."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(snapshot(v) for v in value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(b, Mapping):
        return isinstance(a, Mapping) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True


def _parameter_names(fn: Callable[..., Any], count: int) -> list[str]:
    names = getattr(fn, "parameter_names", None)  # a sandboxed function knows them
    if not isinstance(names, list):
        try:
            names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            names = []
    return [names[i] if i < len(names) else f"#{i}" for i in range(count)]


def frozen(value: Any) -> Any:
    """Mark every array inside ``value`` read-only and return it.

    Cached check inputs are shared by every learner graded in one process; freezing them
    means no learner's in-place bug can change what the next learner is graded on.
    """
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, Mapping):
        for v in value.values():
            frozen(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            frozen(v)
    return value


def call_unmutated(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` on copies of the arguments; fail if it changed any of them in place.

    The originals never reach ``fn``. A sandboxed function (one with ``call_returning_args``)
    sends back its arguments as they were after the call, which are compared the same way.
    """
    copies = [snapshot(a) for a in args]
    copies_kw = {k: snapshot(v) for k, v in kwargs.items()}
    if hasattr(fn, "call_returning_args"):
        result, copies, copies_kw = fn.call_returning_args(*copies, **copies_kw)
    else:
        result = fn(*copies, **copies_kw)
    names = _parameter_names(fn, len(args))
    fn_name = getattr(fn, "__name__", "the function")
    pairs = [*zip(names, copies, args), *((k, copies_kw[k], kwargs[k]) for k in kwargs)]
    for name, now, then in pairs:
        if not _same(now, then):
            fail(
                f"{fn_name} changed its argument '{name}' in place; compute on a copy "
                "(e.g. x.copy() or out = x + ... instead of x += ...)"
            )
    return result


@contextmanager
def using_solution(impl: Any, sol: Any, *names: str) -> Iterator[None]:
    """Within the block, the module-level functions ``names`` of ``impl`` are the solution's.

    A composite (a block that calls other graded layers through module-level names) is then
    graded on its own code only: a wrong sub-layer costs the sub-layer's checks, not the
    composite's. In the sandbox, the swapped names call back into the trusted solution.
    """
    if hasattr(impl, "use_solution_for"):
        with impl.use_solution_for(names):
            yield
        return
    saved = {name: getattr(impl, name) for name in names}
    try:
        for name in names:
            setattr(impl, name, getattr(sol, name))
        yield
    finally:
        for name, value in saved.items():
            setattr(impl, name, value)


def away_from_zero(
    rng: np.random.Generator, shape: tuple[int, ...], gap: float = 1e-3, scale: float = 1.0
) -> np.ndarray:
    """Gaussian samples with every |entry| >= gap, so ReLU-like kinks never fall inside +-h."""
    x = scale * rng.standard_normal(shape)
    return np.where(np.abs(x) < gap, np.copysign(gap, x) + x, x)
