"""Every exploration notebook runs top to bottom on the solution and draws its plot."""

import pytest

from autograder.course import Course
from autograder.notebooks import run_notebook
from helpers import REPO

ASSIGNMENTS = Course(REPO).assignments()


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.key for a in ASSIGNMENTS])
def test_notebook_runs_and_plots(assignment):
    run = run_notebook(assignment, assignment.solution_path)
    assert run.errors == []
    assert run.images >= 1, "the notebook should draw its plot"
    assert run.seconds < 60, f"took {run.seconds:.1f}s; the budget is ~30s"
