"""Plain pytest and the kit's runner give the same verdicts on the same checks."""

import subprocess
import sys

from autograder import runner
from autograder.course import Course
from autograder.fixtures import Fixtures, load_impl
from autograder.verify import load_mutants, mutate
from helpers import REPO


def test_pytest_and_runner_agree_on_a_mutant(tmp_path):
    assignment = Course(REPO).get(26)
    mutants = load_mutants(assignment)
    name = "softmax_loss forgets the one-hot term"
    source = mutate(assignment.solution_path.read_text(), mutants[name], name)
    path = tmp_path / "cs231n_layers.py"
    path.write_text(source)

    verdicts = runner.run_checks(
        runner.assignment_checks(assignment), Fixtures(assignment, impl=load_impl(assignment, path))
    )
    failed_by_runner = {v.check.name for v in verdicts if v.status != runner.PASSED}
    score, max_score = runner.total(verdicts)

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-rf",
            "--impl",
            str(path),
            "assignments/26_cs231n",
            "solutions/26_cs231n",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    failed_by_pytest = {
        line.split("::")[1].split(" ")[0]
        for line in result.stdout.splitlines()
        if line.startswith("FAILED ")
    }
    assert failed_by_pytest == failed_by_runner
    assert f"score: {score:g}/{max_score:g}" in result.stdout
    assert "softmax_loss (scores of shape" in result.stdout  # the teaching message, not a traceback


def test_pytest_uses_the_solution_by_default():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "assignments/26_cs231n", "solutions/26_cs231n"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    assert "score: 25/25" in result.stdout
