"""``s30 verify``: prove that every check of every assignment can both pass and fail.

For each assignment:

- the declared points equal the sum of the checks' points (the manifest is the denominator),
  and every function the manifest lists exists in the solution module;
- the solution passes every public and hidden check;
- the stub fails every check, and fails it with NotImplementedError (no check passes
  vacuously, and none fails for an unrelated reason);
- every mutant in ``mutants.py`` fails at least one check, and every check is failed by at
  least one mutant (a check that no plausible bug can fail is a check that cannot fail).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from autograder import runner
from autograder.course import Assignment
from autograder.fixtures import Fixtures, load_impl, solution_module
from autograder.loading import load_module
from autograder.strip import strip_solutions


class MutantError(ValueError):
    """A mutant's snippet does not occur exactly once in the solution."""


@dataclass
class Verification:
    assignment: Assignment
    checks: list[runner.Check] = field(default_factory=list)
    solution: list[runner.Verdict] = field(default_factory=list)
    stub: list[runner.Verdict] = field(default_factory=list)
    mutants: dict[str, list[runner.Verdict]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def killers(self, check: runner.Check) -> list[str]:
        """Names of the mutants that fail ``check``."""
        return [
            name
            for name, verdicts in self.mutants.items()
            if any(v.check.id == check.id and v.status != runner.PASSED for v in verdicts)
        ]


def load_mutants(assignment: Assignment) -> dict[str, list[tuple[str, str]]]:
    path = assignment.mutants_path
    if path is None or not path.is_file():
        return {}
    return dict(load_module(path, tag="mutants").MUTANTS)


def mutate(source: str, replacements: list[tuple[str, str]], name: str) -> str:
    for old, new in replacements:
        count = source.count(old)
        if count != 1:
            raise MutantError(f"mutant {name!r}: {old!r} occurs {count} times in the solution")
        source = source.replace(old, new)
    return source


def _run_variant(assignment: Assignment, checks, source: str, path: Path) -> list[runner.Verdict]:
    path.write_text(source, "utf-8")
    module = load_impl(assignment, path, tag=f"verify-{path.stem}")
    with warnings.catch_warnings():
        # Broken variants overflow and divide by zero on purpose; their verdicts say so.
        warnings.simplefilter("ignore")
        return runner.run_checks(checks, Fixtures(assignment, impl=module))


def verify_assignment(assignment: Assignment, with_mutants: bool = True) -> Verification:
    result = Verification(assignment)
    problems = result.problems
    result.checks = checks = runner.assignment_checks(assignment)
    declared, counted = assignment.points, sum(c.points for c in checks)
    if declared != counted:
        problems.append(
            f"assignment.toml declares {declared:g} points, the checks sum to {counted:g}"
        )

    solution = solution_module(assignment)
    for name in assignment.functions:
        if not callable(getattr(solution, name, None)):
            problems.append(f"assignment.toml lists {name}, which {assignment.module_file} lacks")
    result.solution = runner.run_checks(
        checks, Fixtures(assignment, impl=solution)
    )
    for v in result.solution:
        if v.status != runner.PASSED:
            problems.append(f"solution fails {v.check.id}: {v.message}")

    source = assignment.solution_path.read_text("utf-8")
    with tempfile.TemporaryDirectory(prefix=f"s30-verify-{assignment.key}-") as tmp:
        stub = strip_solutions(source, str(assignment.solution_path))
        result.stub = _run_variant(assignment, checks, stub, Path(tmp) / "stub.py")
        for v in result.stub:
            if v.status == runner.PASSED:
                problems.append(f"{v.check.id} passes on the stub: it cannot fail")
            elif v.status != runner.NOT_IMPLEMENTED:
                problems.append(f"{v.check.id} fails on the stub with {v.status}: {v.message}")
        if not with_mutants:
            return result
        mutants = load_mutants(assignment)
        if not mutants:
            problems.append("no mutants.py: nothing shows the checks can catch a plausible bug")
        for i, (name, replacements) in enumerate(mutants.items()):
            try:
                mutated = mutate(source, replacements, name)
            except MutantError as exc:
                problems.append(str(exc))
                continue
            verdicts = _run_variant(assignment, checks, mutated, Path(tmp) / f"mutant_{i}.py")
            result.mutants[name] = verdicts
            if all(v.status == runner.PASSED for v in verdicts):
                problems.append(f"mutant {name!r} passes every check")
        if mutants:
            for check in checks:
                if not result.killers(check):
                    problems.append(f"{check.id} fails on no mutant: add a bug it should catch")
    return result
