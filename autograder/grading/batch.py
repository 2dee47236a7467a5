"""``s30 grade``: a folder of submissions -> gradebook, feedback, Gradescope results, summary.

The main process reads the submissions (as data), detects the isolation, computes the checks'
references once (torch, autograd, central differences, all cached), and hands (learner,
assignment) pairs to ``jobs`` trusted worker processes forked from it, so they start warm. Each
worker owns a sandbox and a ``Grader``; it writes each result itself, atomically, as soon as it
is done, so killing the batch loses nothing finished and a re-run skips it (``--force``
regrades).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path

from autograder import runner
from autograder.course import Assignment, Course
from autograder.fixtures import Fixtures, solution_module
from autograder.grading import feedback, results
from autograder.grading.grader import Grader
from autograder.grading.submissions import Submission, read_submissions
from autograder.grading.summary import summarize
from autograder.sandbox.launch import Isolation, detect


@dataclass
class BatchReport:
    out: Path
    isolation: Isolation
    graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    rows: list[dict] = field(default_factory=list)


class Progress:
    """One status line with a bar and an ETA (a plain line per item when not a terminal)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        bar = "#" * int(24 * self.done / max(self.total, 1))
        line = f"[{bar:<24}] {self.done}/{self.total} · {elapsed:.1f} s · ETA {eta:.1f} s · {label}"
        if self.tty:
            self.stream.write("\r" + line[:150].ljust(150))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# -- worker processes ------------------------------------------------------------------------

_grader: Grader | None = None


def _start_worker(root: str, isolation: Isolation, seed: int | None) -> None:
    global _grader
    _grader = Grader(Course(Path(root)), isolation, seed)
    Finalize(_grader, _grader.close, exitpriority=10)


def _grade_pair(out: str, key: str, submission: Submission) -> tuple[str, str, float, float, str]:
    assert _grader is not None
    assignment = _grader.course.get(key)
    graded = _grader.grade(assignment, submission)
    results.write_learner(Path(out), graded, feedback.markdown(graded), feedback.html_page(graded))
    return graded.learner, key, graded.score, graded.max_score, graded.status


def warm_references(course: Course, keys: set[str], seed: int | None) -> None:
    """Compute every cached reference once, here, before the workers fork.

    Running the checks against the trusted solution imports torch and fills the check
    modules' caches (inputs, reference outputs, autograd gradients, central differences);
    forked workers inherit them, so a batch computes its references once, not once per worker.
    """
    for key in sorted(keys):
        assignment = course.get(key)
        fixtures = Fixtures(assignment, impl=solution_module(assignment), seed=seed)
        runner.run_checks(runner.assignment_checks(assignment), fixtures)


# -- the batch -------------------------------------------------------------------------------


def plan(
    course: Course,
    submissions: list[Submission],
    only: list[str] | None,
) -> list[tuple[Assignment, Submission]]:
    """Which (assignment, learner) pairs to grade.

    With ``--assignment``, every learner gets a row for it (a missing module scores 0).
    Without, each learner is graded on the assignments whose module they submitted; a
    submission holding none (empty, rejected) gets a row for every assignment, whose message
    says why it scored 0.
    """
    assignments = [course.get(k) for k in only] if only else course.assignments()
    pairs = []
    for submission in submissions:
        recognised = [a for a in assignments if a.module_file in submission.files]
        for assignment in assignments if only or not recognised else recognised:
            pairs.append((assignment, submission))
    return pairs


def grade_batch(
    course: Course,
    submissions_root: Path,
    out: Path,
    only: list[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    seed: int | None = None,
    isolation: Isolation | None = None,
    show_progress: bool = True,
    on_result: Callable[[tuple], None] | None = None,
) -> BatchReport:
    start = time.perf_counter()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    isolation = isolation or detect()
    report = BatchReport(out, isolation)
    pairs = plan(course, read_submissions(submissions_root), only)
    todo = []
    for assignment, submission in pairs:
        if not force and results.is_done(out, submission.slug, assignment.key):
            report.skipped += 1
        else:
            todo.append((assignment.key, submission))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    progress = Progress(len(todo), enabled=show_progress)

    def finished(item: tuple) -> None:
        learner, key, score, max_score, status = item
        report.graded += 1
        progress.step(f"{learner} {key} {score:g}/{max_score:g} ({status})")
        if on_result:
            on_result(item)

    if jobs == 1:
        _start_worker(str(course.root), isolation, seed)
        try:
            for key, submission in todo:
                finished(_grade_pair(str(out), key, submission))
        finally:
            _grader.close()
    else:
        warm_references(course, {key for key, _ in todo}, seed)
        remaining = list(todo)
        while remaining:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                jobs,
                mp_context=context,
                initializer=_start_worker,
                initargs=(str(course.root), isolation, seed),
            ) as pool:
                futures = {
                    pool.submit(_grade_pair, str(out), key, sub): (key, sub)
                    for key, sub in remaining
                }
                try:
                    for future in as_completed(futures):
                        finished(future.result())
                        remaining.remove(futures[future])
                except BrokenProcessPool:
                    # A trusted worker died (not learner code: that runs in the sandbox).
                    # Everything finished is on disk; start a fresh pool for the rest.
                    remaining = [p for p in remaining if not results.is_done(out, p[1].slug, p[0])]
    report.rows = results.gradebook_rows(out)
    results.write_gradebook(out, report.rows)
    results.write_atomic(out / "summary.html", summarize(report.rows, isolation.description))
    report.seconds = time.perf_counter() - start
    return report
