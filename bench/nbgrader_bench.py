"""Grade paper-26 submissions with nbgrader, doing the same work as `s30 grade`, and time it.

    python bench/nbgrader_bench.py --nbgrader /path/to/venv/bin/nbgrader [--submissions 12]

The notebook version of the assignment: a solution cell holding the learner's module, a locked
harness cell, and one nbgrader autograder test cell per check (20 cells, the same points), each
running that check of the kit against the notebook's functions. `nbgrader autograde` executes
every submitted notebook in a fresh kernel, as it always does. nbgrader must live in an
environment whose kernel can import numpy, torch and this repo (e.g. a venv made with
--system-site-packages next to an editable install). Prints the seconds per submission and
checks that honest submissions got full marks.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import runner  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.verify import load_mutants, mutate  # noqa: E402

HARNESS = """import sys, types
from pathlib import Path
sys.path.insert(0, {repo!r})
from autograder import runner
from autograder.course import Course
from autograder.fixtures import Fixtures
_assignment = Course(Path({repo!r})).get(26)
_checks = {{c.id: c for c in runner.assignment_checks(_assignment)}}
_impl = types.SimpleNamespace(**{{k: v for k, v in dict(globals()).items()
                                 if callable(v) and not k.startswith("_")}})
_fixtures = Fixtures(_assignment, _impl)


def _check(check_id):
    verdict = runner.run_check(_checks[check_id], _fixtures)
    assert verdict.status == "passed", verdict.message
"""


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=0) -> dict:
    meta = {
        "grade_id": grade_id,
        "solution": solution,
        "grade": grade,
        "locked": locked,
        "schema_version": 3,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook(module_source: str) -> nbformat.NotebookNode:
    assignment = Course(REPO).get(26)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [
        nbformat.v4.new_code_cell(module_source, metadata=_meta("module", solution=True)),
        nbformat.v4.new_code_cell(
            HARNESS.format(repo=str(REPO)), metadata=_meta("harness", locked=True)
        ),
    ]
    for check in runner.assignment_checks(assignment):
        cells.append(
            nbformat.v4.new_code_cell(
                f"_check({check.id!r})",
                metadata=_meta(
                    check.id.replace("::", "-"), grade=True, locked=True, points=check.points
                ),
            )
        )
    nb.cells = cells
    return nb


def learners(count: int) -> dict[str, str]:
    """Half honest, half with one mutant each (the same mix as bench/grading.py)."""
    assignment = Course(REPO).get(26)
    solution = assignment.solution_path.read_text()
    mutants = list(load_mutants(assignment).items())
    return {
        f"learner{i:04d}": solution
        if i % 2 == 0
        else mutate(solution, mutants[i % len(mutants)][1], "")
        for i in range(count)
    }


def run(nbgrader: str, count: int) -> tuple[float, dict[str, float]]:
    course = Path(tempfile.mkdtemp(prefix="nbgrader-course-"))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 's30'\n"
        "c.ExecutePreprocessor.timeout = 600\n"
    )
    solution = Course(REPO).get(26).solution_path.read_text()
    (course / "source" / "ps26").mkdir(parents=True)
    nbformat.write(source_notebook(solution), course / "source" / "ps26" / "ps26.ipynb")

    # nbgrader runs `alembic` and a Jupyter kernel from its own environment's bin/
    env = {**os.environ, "PATH": f"{Path(nbgrader).parent}{os.pathsep}{os.environ['PATH']}"}

    def nbgrader_cmd(*args: str) -> None:
        done = subprocess.run(
            [nbgrader, *args], cwd=course, capture_output=True, text=True, env=env
        )
        if done.returncode:
            raise RuntimeError(f"nbgrader {args[0]} failed:\n{done.stdout}\n{done.stderr}")

    nbgrader_cmd("generate_assignment", "ps26", "--force")
    released = nbformat.read(course / "release" / "ps26" / "ps26.ipynb", as_version=4)
    for learner, source in learners(count).items():
        submitted = nbformat.from_dict(json.loads(json.dumps(released)))
        submitted.cells[0].source = source
        folder = course / "submitted" / learner / "ps26"
        folder.mkdir(parents=True)
        nbformat.write(submitted, folder / "ps26.ipynb")
    start = time.perf_counter()
    nbgrader_cmd("autograde", "ps26", "--create", "--force")
    seconds = time.perf_counter() - start
    nbgrader_cmd("export", "--to", str(course / "grades.csv"))
    with open(course / "grades.csv") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    shutil.rmtree(course)
    return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nbgrader", required=True, help="the nbgrader executable")
    parser.add_argument("--submissions", type=int, default=12)
    args = parser.parse_args()
    seconds, scores = run(args.nbgrader, args.submissions)
    honest = [scores[name] for name in sorted(scores)[::2]]
    print(
        json.dumps(
            {
                "submissions": args.submissions,
                "seconds": seconds,
                "per_submission": seconds / args.submissions,
                "honest_scores": honest,
                "scores": scores,
            }
        )
    )


if __name__ == "__main__":
    main()
