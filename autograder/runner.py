"""Collect the checks of a check file and run each one to a single verdict.

A check is a ``test_*`` function in ``test_public.py`` or ``test_hidden.py``. It asks for
fixtures by parameter name (see :mod:`autograder.fixtures`) and carries its points in a
``@pytest.mark.points(n)`` marker (default 1). The same files run under plain pytest through
:mod:`autograder.plugin`; this runner is the fast path used by ``s30 check``, ``s30 verify``,
``s30 release`` and the grader, which run many modules against one set of checks.
"""

from __future__ import annotations

import inspect
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.course import CourseError
from autograder.fixtures import FixtureError, Fixtures
from autograder.loading import load_module

PASSED = "passed"
FAILED = "failed"
NOT_IMPLEMENTED = "not implemented"
ERROR = "error"


class LearnerError(Exception):
    """An exception raised by learner code, already described in words (e.g. across a sandbox)."""

    def __str__(self) -> str:  # not KeyError's repr-quoting, for the subclasses below
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Check:
    name: str
    kind: str
    func: Callable[..., Any]
    points: float
    params: tuple[str, ...]
    path: Path

    @property
    def title(self) -> str:
        doc = inspect.getdoc(self.func)
        return doc.splitlines()[0] if doc else self.name.removeprefix("test_").replace("_", " ")

    @property
    def id(self) -> str:
        return f"{self.kind}::{self.name}"


@dataclass
class Verdict:
    check: Check
    status: str
    message: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return self.check.points if self.status == PASSED else 0.0


def marker_args(func: Callable[..., Any], name: str) -> tuple[Any, ...] | None:
    """Arguments of the pytest marker ``name`` on ``func``, or None when it has none."""
    for mark in getattr(func, "pytestmark", []):
        if mark.name == name:
            return tuple(mark.args)
    return None


def points_of(func: Callable[..., Any]) -> float:
    args = marker_args(func, "points")
    return float(args[0]) if args else 1.0


def collect(path: Path, kind: str, search: Sequence[Path] = ()) -> list[Check]:
    """Every ``test_*`` function of a check file, in the order they are defined."""
    module = load_module(path, tag="checks", search=search)
    checks = []
    for name, func in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(func)):
            continue
        if func.__module__ != module.__name__:
            continue
        if marker_args(func, "parametrize") is not None:
            raise CourseError(
                f"{path}:{name}: checks loop over their cases instead of using parametrize, "
                "so that one check is one verdict with one number of points"
            )
        params = tuple(inspect.signature(func).parameters)
        checks.append(Check(name, kind, func, points_of(func), params, Path(path)))
    return checks


def _where(exc: BaseException) -> str:
    """' (file.py line N, in fn)' for the deepest frame outside the engine, numpy and checks."""
    frames = traceback.extract_tb(exc.__traceback__)
    engine = str(Path(__file__).parent)
    for frame in reversed(frames):
        name = frame.filename
        if name.startswith(engine) or "site-packages" in name or "/lib/python" in name:
            continue
        if Path(name).name.startswith("test_"):
            continue
        return f" ({Path(name).name} line {frame.lineno}, in {frame.name})"
    return ""


def _failed_assert(exc: AssertionError) -> str:
    """A plain ``assert`` in a check file: show its line."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).name.startswith("test_"):
            return (
                f"assertion failed: {frame.line} ({Path(frame.filename).name} line {frame.lineno})"
            )
    return "assertion failed"


def explain(exc: BaseException) -> tuple[str, str]:
    """(status, message) for an exception escaping a check."""
    if isinstance(exc, NotImplementedError):
        return NOT_IMPLEMENTED, f"not implemented yet: {exc}".rstrip(": ")
    if isinstance(exc, AssertionError):
        return FAILED, str(exc) or _failed_assert(exc)
    if isinstance(exc, LearnerError):
        return ERROR, str(exc)
    if isinstance(exc, FixtureError):
        return ERROR, f"cannot run here: {exc}"
    if isinstance(exc, SystemExit):
        return ERROR, f"the code called sys.exit({exc.code!r}){_where(exc)}"
    return ERROR, f"raised {type(exc).__name__}: {exc}{_where(exc)}"


def run_check(check: Check, fixtures: Fixtures) -> Verdict:
    start = time.perf_counter()
    try:
        kwargs = {name: fixtures.get(name) for name in check.params}
        check.func(**kwargs)
    except (Exception, SystemExit) as exc:
        status, message = explain(exc)
        return Verdict(check, status, message, time.perf_counter() - start)
    return Verdict(check, PASSED, "", time.perf_counter() - start)


def run_checks(checks: Iterable[Check], fixtures: Fixtures) -> list[Verdict]:
    return [run_check(check, fixtures) for check in checks]


def total(verdicts: Sequence[Verdict]) -> tuple[float, float]:
    """(score, max_score)."""
    return sum(v.score for v in verdicts), sum(v.check.points for v in verdicts)


def assignment_checks(assignment: Any, hidden: bool = True) -> list[Check]:
    """The public checks, then (instructor side, when asked) the hidden ones."""
    search = [assignment.public_dir]
    checks = collect(assignment.public_checks, "public", search)
    path = assignment.hidden_checks
    if hidden and path is not None and path.is_file():
        checks += collect(path, "hidden", search)
    return checks
