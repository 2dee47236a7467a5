"""Grade one learner's submission of one assignment, in this trusted process.

The process holds the checks, the solution and the torch references; it never imports learner
code. The learner module runs in a sandbox session (:mod:`autograder.sandbox`) and the checks
see it as ``impl``, a proxy whose calls cross the boundary as data. Check modules and their
cached cases live as long as the process, so references are computed once per batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from autograder import runner
from autograder.course import Assignment, Course
from autograder.fixtures import Fixtures, solution_module
from autograder.grading.submissions import Submission, module_problem
from autograder.loading import load_module
from autograder.policy import policy_violations
from autograder.sandbox.launch import Isolation, Sandbox
from autograder.sandbox.proxy import RemoteModule
from autograder.sandbox.runtime import ensure_runtime

OK = "ok"
MISSING = "missing module"
REJECTED = "rejected"
IMPORT_ERROR = "import error"
POLICY = "policy violation"
FILE_BYTES = 16 * 1024 * 1024
# Processes and threads of the sandbox uid (the zygote and the session count): learner code
# needs none of its own, and the address-space limit applies per process.
PROCESSES = 8


@dataclass
class Graded:
    """The outcome of one learner x one assignment."""

    learner: str
    slug: str
    assignment: Assignment
    verdicts: list[runner.Verdict]
    status: str
    note: str
    seed: int
    isolation: Isolation
    seconds: float
    events: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return runner.total(self.verdicts)[0]

    @property
    def max_score(self) -> float:
        return runner.total(self.verdicts)[1]


class Grader:
    """Owns one sandbox and grades submissions one after another."""

    def __init__(self, course: Course, isolation: Isolation, seed: int | None = None):
        self.course = course
        self.isolation = isolation
        self.seed = seed
        self.sandbox = Sandbox(isolation, ensure_runtime())
        self._checks: dict[str, list[runner.Check]] = {}

    def checks(self, assignment: Assignment) -> list[runner.Check]:
        if assignment.key not in self._checks:
            self._checks[assignment.key] = runner.assignment_checks(assignment)
        return self._checks[assignment.key]

    def close(self) -> None:
        self.sandbox.stop()

    def _outcome(
        self,
        submission: Submission,
        assignment: Assignment,
        verdicts: list,
        status: str,
        note: str,
        seed: int,
        start: float,
        events: list[str] | None = None,
    ) -> Graded:
        return Graded(
            submission.learner,
            submission.slug,
            assignment,
            verdicts,
            status,
            note,
            seed,
            self.isolation,
            time.perf_counter() - start,
            events or [],
        )

    def _refused(self, submission, assignment, status, note, seed, start) -> Graded:
        """Every check scores 0 with the one message that says why."""
        verdicts = [runner.Verdict(c, runner.ERROR, note) for c in self.checks(assignment)]
        return self._outcome(submission, assignment, verdicts, status, note, seed, start)

    def grade(self, assignment: Assignment, submission: Submission) -> Graded:
        start = time.perf_counter()
        seed = assignment.seed if self.seed is None else self.seed
        if submission.problem:
            return self._refused(submission, assignment, REJECTED, submission.problem, seed, start)
        source = submission.files.get(assignment.module_file)
        problem = module_problem(assignment.module_file, source)
        if problem:
            status = MISSING if source is None else REJECTED
            return self._refused(submission, assignment, status, problem, seed, start)
        banned = policy_violations(source)
        if banned:
            note = (
                f"policy violation: {assignment.module_file} imports {', '.join(banned)}; "
                "NumPy assignments may not use autodiff or tensor libraries"
            )
            return self._refused(submission, assignment, POLICY, note, seed, start)

        files = {name: data for name, data in submission.files.items() if name != "provided.py"}
        provided_path = assignment.public_dir / "provided.py"
        provided = None
        if provided_path.is_file():
            files["provided.py"] = provided_path.read_bytes()  # the course's copy, always
            provided = load_module(provided_path, tag="provided")
        limits = assignment.limits
        impl = RemoteModule(
            self.sandbox,
            files,
            assignment.module,
            limits={
                "memory_mb": limits.memory_mb,
                "cpu_seconds": int(limits.submission_seconds) + 5,
                "file_bytes": FILE_BYTES,
                "processes": PROCESSES,
            },
            call_seconds=limits.call_seconds,
            submission_seconds=limits.submission_seconds,
            solution=solution_module(assignment),
            provided=provided,
        )
        try:
            verdicts = runner.run_checks(self.checks(assignment), Fixtures(assignment, impl, seed))
        finally:
            impl.close()
        status, note = OK, ""
        if impl.refusal:
            status = POLICY if impl.policy_violation else IMPORT_ERROR
            note = impl.refusal
        return self._outcome(
            submission, assignment, verdicts, status, note, seed, start, impl.events
        )
