"""Name the bug behind a wrong array when its pattern is recognisable.

Every function here compares a learner's array with the expected one and returns one sentence,
or ``None`` when no known pattern fits. The patterns are the classic backward-pass slips:
a flipped sign, a transpose, a constant factor (often the batch size), a per-example gradient
that was never summed over the batch, an error confined to a mask, or a few bad entries.
"""

from __future__ import annotations

import numpy as np

# Loose on purpose: a diagnosis is a hint about the pattern, not the verdict itself.
_PATTERN_RTOL = 1e-5


def _matches(got: np.ndarray, expected: np.ndarray) -> bool:
    if got.shape != expected.shape:
        return False
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return bool(np.all(np.abs(got - expected) <= _PATTERN_RTOL * scale + 1e-12))


def _factor_sentence(factor: float, batch_size: int | None) -> str:
    if batch_size and batch_size > 1:
        if np.isclose(factor, batch_size, rtol=1e-4):
            return (
                f"{factor:.4g} times too large, which is the batch size N = {batch_size}: "
                "the loss is a mean over the batch, so divide by N"
            )
        if np.isclose(factor, 1.0 / batch_size, rtol=1e-4):
            return (
                f"N = {batch_size} times too small: you divided by the batch size where "
                "the formula sums over it"
            )
    return f"off by a constant factor: got = {factor:.4g} x expected"


def diagnose_shape(got: np.ndarray, expected: np.ndarray, batch_size: int | None = None) -> str:
    """A sentence for arrays whose shapes differ; always returns something."""
    base = f"shape {got.shape}, expected {expected.shape}"
    if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1]:
        if _matches(got.T, expected):
            return f"{base}: transposed (got.T has the expected values)"
        return f"{base}: looks transposed"
    extra = got.ndim - expected.ndim
    if extra > 0 and got.shape[extra:] == expected.shape:
        axes = tuple(range(extra))
        where = "the batch axis (axis 0)" if extra == 1 else f"the leading axes {axes}"
        if _matches(got.sum(axis=axes), expected):
            return (
                f"{base}: one gradient per example; sum over {where} "
                "to get the parameter's gradient"
            )
        return f"{base}: {extra} extra leading axes; did you forget to sum over {where}?"
    if got.size == expected.size and _matches(got.reshape(expected.shape), expected):
        return f"{base}: right values in the wrong shape; reshape to {expected.shape}"
    if batch_size and expected.ndim >= 1 and expected.shape[0] == batch_size:
        if got.shape == expected.shape[1:]:
            return f"{base}: the batch axis was summed away; keep one row per example"
    return base


def diagnose(
    got: np.ndarray,
    expected: np.ndarray,
    *,
    batch_size: int | None = None,
    mask: np.ndarray | None = None,
) -> str | None:
    """One sentence naming the pattern of the error in ``got``, or ``None``.

    ``got`` and ``expected`` are float arrays; shapes may differ. ``batch_size`` lets the
    constant-factor diagnosis recognise N; ``mask`` (same shape, bool) lets it say the error
    lives only where the mask is True (or only where it is False).
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return diagnose_shape(got, expected, batch_size)
    if not np.all(np.isfinite(got)):
        return None
    if not expected.any():
        return "expected all zeros here"
    if not got.any():
        return "got all zeros: nothing reaches this output (a missing term, or never accumulated)"
    if _matches(got, -expected):
        return "the sign is flipped: got = -expected"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and _matches(got.T, expected):
        return "transposed: got.T has the expected values"
    factor = float(np.vdot(got, expected) / np.vdot(expected, expected))
    if not np.isclose(factor, 1.0, rtol=1e-4) and _matches(got, factor * expected):
        return _factor_sentence(factor, batch_size)
    scale = float(np.max(np.abs(expected)))
    bad = np.abs(got - expected) > 1e-6 * scale + 1e-9
    if mask is not None and mask.shape == bad.shape and bad.any():
        if not bad[~mask].any():
            return "wrong only where the mask is True; correct everywhere else"
        if not bad[mask].any():
            return "wrong only where the mask is False; correct where it is True"
    count = int(bad.sum())
    if 0 < count <= max(1, bad.size // 10):
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"only {count} of {bad.size} entries are wrong (first at index {first})"
    return None
