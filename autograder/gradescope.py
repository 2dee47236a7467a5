"""Gradescope's entry point: grade ``/autograder/submission`` into ``results/results.json``.

``run_autograder`` (written by ``s30 export gradescope``) calls
``python3 -m autograder.gradescope NN_slug`` from the unpacked source folder. It is the same
engine and sandbox as ``s30 grade``; when Gradescope's container has no working bubblewrap,
grading falls back to process-only isolation and the results say so.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from autograder.course import Course
from autograder.grading.grader import Grader
from autograder.grading.results import gradescope_results, write_atomic
from autograder.grading.submissions import read_folder
from autograder.sandbox.launch import detect


def main(argv: list[str] | None = None) -> int:
    base = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    parser.add_argument("assignment", help="the assignment's folder name, e.g. 26_cs231n")
    parser.add_argument("--submission", default=str(base / "submission"))
    parser.add_argument("--results", default=str(base / "results" / "results.json"))
    parser.add_argument("--root", default=str(Path.cwd()), help="the unpacked course source")
    args = parser.parse_args(argv)

    course = Course(Path(args.root).resolve())
    assignment = course.get(args.assignment)
    submission = read_folder(
        os.environ.get("GRADESCOPE_LEARNER", "submission"), Path(args.submission)
    )
    grader = Grader(course, detect())
    try:
        graded = grader.grade(assignment, submission)
    finally:
        grader.close()
    write_atomic(Path(args.results), json.dumps(gradescope_results(graded), indent=1))
    print(f"{assignment.key}: {graded.score:g}/{graded.max_score:g} ({graded.status})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
