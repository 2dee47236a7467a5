"""pytest plugin: hands check files the module under test, counts points, prints the score.

Registered through the ``pytest11`` entry point, so ``pytest assignments/26_cs231n`` works in
the instructor repo (module under test: the solution) and in the student edition (the stub
beside the checks). ``--impl PATH`` tests any file instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograder import fixtures as fixture_values
from autograder import runner
from autograder.course import HIDDEN_CHECKS, PUBLIC_CHECKS, assignment_for_check_file
from autograder.testing import CheckFailure

_points = pytest.StashKey[dict]()
_earned = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("s30", "Sutskever-30 course kit")
    group.addoption("--impl", metavar="PATH", help="check this module file instead of the default")
    group.addoption("--seed", type=int, default=None, help="seed for the hidden checks' inputs")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points the check is worth (default 1)")
    config.stash[_points] = {}
    config.stash[_earned] = {}


def _values(request: pytest.FixtureRequest) -> fixture_values.Fixtures:
    assignment = assignment_for_check_file(Path(request.path))
    impl_option = request.config.getoption("impl")
    impl_path = Path(impl_option).resolve() if impl_option else assignment.default_impl_path
    return fixture_values.Fixtures(
        assignment,
        impl=fixture_values.load_impl(assignment, impl_path),
        seed=request.config.getoption("seed"),
    )


@pytest.fixture
def impl(request: pytest.FixtureRequest) -> Any:
    """The module under test."""
    return _values(request).get("impl")


@pytest.fixture
def sol(request: pytest.FixtureRequest) -> Any:
    """The trusted solution module (instructor repo only)."""
    return _values(request).get("sol")


@pytest.fixture
def ref(request: pytest.FixtureRequest) -> Any:
    """The torch reference module (instructor repo only)."""
    return _values(request).get("ref")


@pytest.fixture
def baked(request: pytest.FixtureRequest) -> Any:
    """Expected values from the reference: live, or baked into the edition."""
    return _values(request).get("baked")


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """The seed the hidden checks draw their inputs from."""
    return _values(request).get("seed")


@pytest.fixture
def provided(request: pytest.FixtureRequest) -> Any:
    """The assignment's read-only provided.py."""
    return _values(request).get("provided")


def _is_check(item: pytest.Item) -> bool:
    """A check of a check file (the kit's own tests are not scored)."""
    return item.path.name in (PUBLIC_CHECKS, HIDDEN_CHECKS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    points = config.stash[_points]
    for item in items:
        if _is_check(item):
            mark = item.get_closest_marker("points")
            points[item.nodeid] = float(mark.args[0]) if mark and mark.args else 1.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    if not _is_check(item) or call.excinfo is None or call.when != "call":
        return
    error = call.excinfo.value
    status, message = runner.explain(error)
    if status == runner.NOT_IMPLEMENTED:
        report.longrepr = message
    elif isinstance(error, CheckFailure):
        report.longrepr = f"{message}\n  (check: {item.nodeid})"


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    if report.when == "call" and report.passed and report.nodeid in config.stash[_points]:
        config.stash[_earned][report.nodeid] = config.stash[_points][report.nodeid]
    return None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    points = config.stash[_points]
    if not points:
        return
    earned = sum(config.stash[_earned].values())
    terminalreporter.write_sep("-", f"score: {earned:g}/{sum(points.values()):g}")
