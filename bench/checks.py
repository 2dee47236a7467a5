"""How long each assignment's checks take for one submission.

    python bench/checks.py

For every assignment: the first run in a fresh process (torch import, references and central
differences of the reference computed and cached), then a warm run of all checks against the
solution in-process, and a warm run through the sandbox (the grader's per-submission cost).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from report import machine, write_section  # noqa: E402

from autograder import runner  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.fixtures import Fixtures, solution_module  # noqa: E402
from autograder.grading.grader import Grader  # noqa: E402
from autograder.grading.submissions import Submission  # noqa: E402
from autograder.sandbox.launch import detect  # noqa: E402


def best_of(count: int, action, *args) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    course = Course(REPO)
    grader = Grader(course, detect())
    lines = [
        "## Checks per submission, per assignment",
        "",
        f"`python bench/checks.py` on {machine()}. *Cold*: the first run in a fresh process "
        "(torch import, references and central differences of the reference computed once "
        "and cached for the batch). *Warm, in-process*: all checks against the solution "
        "afterwards. *Warm, sandboxed*: one submission graded through the sandbox (session "
        "fork, import, every call across the boundary), best of 3.",
        "",
        "| assignment | checks (hidden) | points | cold (s) | warm, in-process (s) "
        "| warm, sandboxed (s) |",
        "|---|---|---|---|---|---|",
    ]
    for assignment in course.assignments():
        checks = runner.assignment_checks(assignment)
        fixtures = Fixtures(assignment, impl=solution_module(assignment))
        start = time.perf_counter()
        runner.run_checks(checks, fixtures)
        cold = time.perf_counter() - start
        warm = best_of(3, runner.run_checks, checks, fixtures)
        submission = Submission(
            "bench", {assignment.module_file: assignment.solution_path.read_bytes()}
        )
        sandboxed = best_of(3, grader.grade, assignment, submission)
        hidden = sum(c.kind == "hidden" for c in checks)
        lines.append(
            f"| {assignment.key} | {len(checks)} ({hidden}) | {assignment.points:g} | "
            f"{cold:.2f} | {warm:.3f} | {sandboxed:.3f} |"
        )
        print(lines[-1], flush=True)
    grader.close()
    write_section("checks-benchmark", "\n".join(lines))


if __name__ == "__main__":
    main()
