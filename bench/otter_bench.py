"""Grade paper-26 submissions with otter-grader, doing the same work as `s30 grade`, and time it.

    python bench/otter_bench.py --otter /path/to/venv/bin/otter [--submissions 8]

The notebook version: one cell holding the learner's module. The otter test file has one
`test_case` per check of the kit (the same points), each running that check against the
notebook's functions. `otter generate` builds the autograder zip; `otter run` (Otter's
non-container mode, one process per submission) grades each notebook, two at a time to match
two workers. otter must live in an environment that can import numpy, torch and this repo.
Prints the seconds per submission and the scores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from nbgrader_bench import learners  # noqa: E402

from autograder import runner  # noqa: E402
from autograder.course import Course  # noqa: E402

HEADER = """from otter.test_files import test_case

OK_FORMAT = False
name = "cs231n"
points = {points}


def _run(env, check_id):
    import sys, types
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from autograder import runner
    from autograder.course import Course
    from autograder.fixtures import Fixtures
    assignment = Course(Path({repo!r})).get(26)
    checks = {{c.id: c for c in runner.assignment_checks(assignment)}}
    impl = types.SimpleNamespace(**{{k: v for k, v in env.items()
                                    if callable(v) and not k.startswith("_")}})
    verdict = runner.run_check(checks[check_id], Fixtures(assignment, impl))
    assert verdict.status == "passed", verdict.message
"""

CASE = """

@test_case(points={points:g}, hidden=False)
def test_{number}(env):
    _run(env, {check_id!r})
"""


def test_file() -> str:
    assignment = Course(REPO).get(26)
    checks = runner.assignment_checks(assignment)
    text = HEADER.format(points=f"{assignment.points:g}", repo=str(REPO))
    for number, check in enumerate(checks):
        text += CASE.format(points=check.points, number=number, check_id=check.id)
    return text


def run(otter: str, count: int) -> tuple[float, dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix="otter-bench-"))
    env = {**os.environ, "PATH": f"{Path(otter).parent}{os.pathsep}{os.environ['PATH']}"}
    (work / "tests").mkdir()
    (work / "tests" / "cs231n.py").write_text(test_file())
    subprocess.run(
        [
            otter,
            "generate",
            "-t",
            "tests",
            "-o",
            "autograder.zip",
            "--no-config",
            "--no-requirements",
            "--no-environment",
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    names = []
    for learner, source in learners(count).items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.cells = [nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, work / f"{learner}.ipynb")
        (work / "out" / learner).mkdir(parents=True)
        names.append(learner)

    def grade(learner: str) -> None:
        subprocess.run(
            [
                otter,
                "run",
                "-a",
                "autograder.zip",
                "-o",
                f"out/{learner}",
                "--no-logo",
                f"{learner}.ipynb",
            ],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(grade, names))
    seconds = time.perf_counter() - start
    scores = {}
    for learner in names:
        results = json.loads((work / "out" / learner / "results.json").read_text())
        scores[learner] = float(sum(t.get("score", 0) or 0 for t in results["tests"]))
    shutil.rmtree(work)
    return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--otter", required=True, help="the otter executable")
    parser.add_argument("--submissions", type=int, default=8)
    args = parser.parse_args()
    seconds, scores = run(args.otter, args.submissions)
    print(
        json.dumps(
            {
                "submissions": args.submissions,
                "seconds": seconds,
                "per_submission": seconds / args.submissions,
                "scores": scores,
            }
        )
    )


if __name__ == "__main__":
    main()
