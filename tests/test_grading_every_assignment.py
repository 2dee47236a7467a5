"""Every assignment grades through the sandbox: solution full marks, stub zero as TODO."""

import pytest

from autograder import runner
from autograder.course import Course
from autograder.grading.grader import Grader
from autograder.grading.submissions import Submission
from autograder.sandbox.launch import detect
from autograder.strip import strip_solutions
from helpers import REPO

COURSE = Course(REPO)
ASSIGNMENTS = COURSE.assignments()


@pytest.fixture(scope="module")
def grader():
    grader = Grader(COURSE, detect())
    yield grader
    grader.close()


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.key for a in ASSIGNMENTS])
def test_solution_and_stub_through_the_sandbox(grader, assignment):
    source = assignment.solution_path.read_bytes()
    graded = grader.grade(assignment, Submission("solution", {assignment.module_file: source}))
    failures = [f"{v.check.id}: {v.message}" for v in graded.verdicts if v.status != "passed"]
    assert failures == []
    assert graded.score == assignment.points
    stub = strip_solutions(source.decode()).encode()
    graded = grader.grade(assignment, Submission("stub", {assignment.module_file: stub}))
    assert graded.score == 0
    assert {v.status for v in graded.verdicts} == {runner.NOT_IMPLEMENTED}
