"""Grading throughput for paper 26, side by side.

    python bench/grading.py [--submissions 200] [--pytest-submissions 12]

(a) `s30 grade` in the bubblewrap sandbox, 1 and 2 workers; (b) the same with process-only
isolation; (c) one plain `pytest --impl` process per submission (public + hidden checks, two at
a time), the usual way to autograde; (d) `nbgrader autograde` on a notebook version doing the
same checks (--nbgrader). Submissions are honest and buggy (mutants) learners; none hangs, so
no time limit is waited out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from report import machine, write_section  # noqa: E402

from autograder.course import Course  # noqa: E402
from autograder.grading.batch import grade_batch  # noqa: E402
from autograder.sandbox.launch import PROCESS, Isolation, detect, sandbox_ids  # noqa: E402
from autograder.verify import load_mutants, mutate  # noqa: E402


def make_submissions(folder: Path, count: int) -> list[Path]:
    assignment = Course(REPO).get(26)
    solution = assignment.solution_path.read_text()
    mutants = list(load_mutants(assignment).items())
    paths = []
    for i in range(count):
        source = solution if i % 2 == 0 else mutate(solution, mutants[i % len(mutants)][1], "")
        path = folder / f"learner{i:04d}" / assignment.module_file
        path.parent.mkdir(parents=True)
        path.write_text(source)
        paths.append(path)
    return paths


def time_grader(submissions: Path, isolation: Isolation, jobs: int) -> tuple[float, float]:
    """(wall seconds for the batch, seconds per submission once workers are warm)."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    stamps: list[float] = []
    start = time.perf_counter()
    grade_batch(
        Course(REPO),
        submissions,
        out,
        only=["26_cs231n"],
        jobs=jobs,
        force=True,
        isolation=isolation,
        show_progress=False,
        on_result=lambda _: stamps.append(time.perf_counter()),
    )
    wall = time.perf_counter() - start
    shutil.rmtree(out)
    warm = stamps[jobs:]  # after each worker's first (cold) submission
    steady = (warm[-1] - warm[0]) / (len(warm) - 1) if len(warm) > 1 else float("nan")
    return wall, steady


def time_pytest(paths: list[Path]) -> float:
    """Seconds per submission with one pytest process per submission, two at a time."""

    def run(path: Path) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "assignments/26_cs231n",
                "solutions/26_cs231n",
                "--impl",
                str(path),
            ],
            cwd=REPO,
            capture_output=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, paths))
    return (time.perf_counter() - start) / len(paths)


def nbgrader_timing(nbgrader: str, count: int) -> dict:
    """Run bench/nbgrader_bench.py with the Python of nbgrader's environment."""
    python = Path(nbgrader).parent / "python"
    done = subprocess.run(
        [
            str(python),
            str(REPO / "bench" / "nbgrader_bench.py"),
            "--nbgrader",
            nbgrader,
            "--submissions",
            str(count),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def s30_scores(folder: Path, isolation: Isolation, names: list[str]) -> dict[str, float]:
    """Our scores for the same learners (the same honest / mutant mix, the same names)."""
    subset = Path(tempfile.mkdtemp(prefix="bench-subset-"))
    for name in names:
        shutil.copytree(folder / name, subset / name)
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    report = grade_batch(
        Course(REPO),
        subset,
        out,
        only=["26_cs231n"],
        jobs=2,
        isolation=isolation,
        show_progress=False,
    )
    scores = {row["learner"]: row["score"] for row in report.rows}
    shutil.rmtree(subset)
    shutil.rmtree(out)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument(
        "--pytest-submissions",
        type=int,
        default=12,
        help="submissions for the slow graders (pytest, nbgrader)",
    )
    parser.add_argument("--nbgrader", help="an nbgrader executable (see bench/nbgrader_bench.py)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-subs-"))
    paths = make_submissions(folder, args.submissions)
    sandbox = detect()
    uid, gid = sandbox_ids()
    process = Isolation(PROCESS, uid, gid, "benchmark")
    rows = []
    for label, isolation, jobs in [
        (f"s30 grade, {sandbox.mode}, 2 workers", sandbox, 2),
        (f"s30 grade, {sandbox.mode}, 1 worker", sandbox, 1),
        ("s30 grade, process-only, 2 workers", process, 2),
    ]:
        wall, steady = time_grader(folder, isolation, jobs)
        rows.append((label, args.submissions, wall, wall / args.submissions, steady))
        print(rows[-1], flush=True)
    per = time_pytest(paths[: args.pytest_submissions])
    rows.append(
        (
            "pytest --impl, one process per submission, 2 at a time",
            args.pytest_submissions,
            per * args.pytest_submissions,
            per,
            per,
        )
    )
    print(rows[-1], flush=True)
    agreement = ""
    if args.nbgrader:
        nb = nbgrader_timing(args.nbgrader, args.pytest_submissions)
        rows.append(
            (
                "nbgrader autograde, notebook version (same 20 checks)",
                nb["submissions"],
                nb["seconds"],
                nb["per_submission"],
                nb["per_submission"],
            )
        )
        print(rows[-1], flush=True)
        ours = s30_scores(folder, sandbox, sorted(nb["scores"]))
        same = all(abs(ours[k] - v) < 1e-9 for k, v in nb["scores"].items())
        agreement = (
            f"nbgrader and `s30 grade` gave the same score to each of the "
            f"{len(ours)} learners: {'yes' if same else 'NO'} "
            f"({', '.join(f'{v:g}' for _, v in sorted(nb['scores'].items()))})."
        )
    best = rows[0][3]
    lines = [
        "## Grading throughput (paper 26)",
        "",
        f"`python bench/grading.py --submissions {args.submissions}` on {machine()}. "
        "Every submission runs all 20 checks (9 public, 11 hidden); half are honest, half "
        "carry one mutant. *Per submission* divides the batch's wall time (start-up, torch "
        "import and reference computation included) by the number of submissions; *warm* "
        "is the steady-state rate once every worker has graded its first submission.",
        "",
        "| grader | submissions | batch wall (s) | per submission (s) | warm, per submission (s) "
        "| vs s30 grade |",
        "|---|---|---|---|---|---|",
    ]
    for label, count, wall, per_sub, warm in rows:
        lines.append(
            f"| {label} | {count} | {wall:.1f} | {per_sub:.4f} | {warm:.4f} | "
            f"{per_sub / best:.1f}x |"
        )
    if agreement:
        lines += ["", agreement]
    lines += [
        "",
        "nbgrader's notebook version holds the learner's module in a solution cell, a "
        "locked harness cell, and one autograder test cell per check (same points) that runs the "
        "kit's check against the notebook's functions (`bench/nbgrader_bench.py`); "
        "`nbgrader autograde` executes each submission in a fresh kernel, so each pays "
        "kernel start-up, torch import and the references.",
    ]
    if not args.nbgrader:
        lines += ["", "nbgrader: not measured in this run (pass --nbgrader PATH)."]
    write_section("grading-benchmark", "\n".join(lines))
    shutil.rmtree(folder)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
