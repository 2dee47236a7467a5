"""The ``s30`` command: list, check, verify, release, grade, doctor.

Instructor commands (verify, release, grade) need the instructor repo (a solutions/ folder).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from autograder import report, runner
from autograder.course import Course, CourseError, find_root
from autograder.fixtures import Fixtures, load_impl


def _course(args: argparse.Namespace) -> Course:
    return Course(Path(args.root).resolve() if args.root else find_root())


def papers_table(course: Course) -> str:
    """The README's table of papers, in Markdown."""
    lines = ["| # | Paper | Assignment | Module | Points |", "|---|---|---|---|---|"]
    for a in course.assignments():
        lines.append(
            f"| {a.number:02d} | {a.paper} ({a.year}) | "
            f"[{a.title}](assignments/{a.key}/README.md) | `{a.module_file}` | "
            f"{a.points:g} |"
        )
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    course = _course(args)
    if args.markdown:
        print(papers_table(course))
        return 0
    rows = []
    for a in course.assignments():
        public = sum(c.points for c in runner.collect(a.public_checks, "public"))
        rows.append(
            (f"{a.number:02d}", a.key, a.paper, a.year or "", f"{public:g}", f"{a.points:g}")
        )
    print(report.table(("#", "folder", "paper", "year", "public pts", "total pts"), rows))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    course = _course(args)
    assignment = course.get(args.assignment)
    path = Path(args.impl).resolve() if args.impl else assignment.default_impl_path
    if not path.is_file():
        print(f"no module at {path}", file=sys.stderr)
        return 2
    print(f"{assignment.key}: {assignment.title}")
    print(f"public self-checks of {path}\n")
    checks = runner.collect(assignment.public_checks, "public")
    try:
        module = load_impl(assignment, path, tag="check")
    except Exception as exc:  # any import-time failure of the learner's file
        status, message = runner.explain(exc)
        print(f"cannot import {path.name}: {message}")
        return 1
    verdicts = runner.run_checks(checks, Fixtures(assignment, impl=module))
    print(report.verdicts(verdicts))
    return 0 if all(v.status == runner.PASSED for v in verdicts) else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from autograder.verify import verify_assignment

    course = _course(args)
    if not course.instructor:
        print("`s30 verify` needs the instructor repo (a solutions/ folder)", file=sys.stderr)
        return 2
    chosen = [course.get(a) for a in args.assignments] if args.assignments else course.assignments()
    rows, problems = [], []
    for assignment in chosen:
        start = time.perf_counter()
        result = verify_assignment(assignment, with_mutants=not args.no_mutants)
        score, max_score = runner.total(result.solution)
        stub_score, _ = runner.total(result.stub)
        stub_todo = sum(v.status == runner.NOT_IMPLEMENTED for v in result.stub)
        covered = sum(bool(result.killers(c)) for c in result.checks)
        rows.append(
            (
                assignment.key,
                f"{100 * score / max(max_score, 1):.0f}% ({score:g}/{max_score:g})",
                f"{stub_score:g} ({stub_todo}/{len(result.stub)} not implemented)",
                "-"
                if args.no_mutants
                else f"{len(result.mutants)} / {covered} of {len(result.checks)}",
                f"{time.perf_counter() - start:.1f}s",
                "ok" if result.ok else "PROBLEMS",
            )
        )
        problems += [f"{assignment.key}: {p}" for p in result.problems]
    print(
        report.table(
            ("assignment", "solution", "stub", "mutants / checks failed by one", "time", "verdict"),
            rows,
        )
    )
    if problems:
        print("\nProblems:\n  " + "\n  ".join(problems))
        return 1
    print(
        "\nEvery check passes on the solution, fails on the stub as not implemented, "
        "and fails on at least one mutant."
    )
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from autograder.release import ReleaseError, build_release

    course = _course(args)
    out = Path(args.out) if Path(args.out).is_absolute() else course.root / args.out
    try:
        result = build_release(course, out, check=not args.no_proof)
    except ReleaseError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    rows = [
        (key, result.baked[key], *(result.proof.get(key) or ("-", "-", "-")))
        for key in result.baked
    ]
    print(
        report.table(
            ("assignment", "baked values", "public checks", "TODO on stub", "pass with solution"),
            rows,
        )
    )
    print(f"\nstudent edition written to {result.out}; leak check: no private line found")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder.grading.batch import grade_batch
    from autograder.sandbox.launch import PROCESS, detect

    course = _course(args)
    if not course.instructor:
        print("`s30 grade` needs the instructor repo (a solutions/ folder)", file=sys.stderr)
        return 2
    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"{submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    only = [course.get(a).key for a in args.assignment] if args.assignment else None
    isolation = detect()
    print(f"isolation: {isolation.description}")
    if isolation.mode == PROCESS:
        print("WARNING: grading with the weaker process-only isolation; see `s30 doctor`.")
    report = grade_batch(
        course,
        submissions,
        Path(args.out),
        only=only,
        jobs=args.jobs,
        force=args.force,
        seed=args.seed,
        isolation=isolation,
        show_progress=not args.quiet,
    )
    rows = [
        (r["learner"], r["assignment"], f"{r['score']:g}/{r['max_score']:g}", r["status"])
        for r in report.rows
    ]
    print(_gradebook(rows))
    print(
        f"\n{report.graded} graded, {report.skipped} already done (use --force to regrade), "
        f"{report.seconds:.1f} s"
    )
    print(
        f"gradebook: {report.out / 'grades.csv'}\nsummary:   {report.out / 'summary.html'}\n"
        f"feedback:  {report.out / 'learners'}/<learner>/<assignment>/feedback.md"
    )
    return 0


def _gradebook(rows: list[tuple]) -> str:
    return report.table(("learner", "assignment", "score", "status"), rows)


def cmd_doctor(args: argparse.Namespace) -> int:
    from autograder.doctor import diagnose_machine

    lines, healthy = diagnose_machine(Path(args.root).resolve() if args.root else None)
    print("\n".join(lines))
    return 0 if healthy else 1


def cmd_export(args: argparse.Namespace) -> int:
    from autograder.export import gradescope_zip

    course = _course(args)
    if not course.instructor:
        print("`s30 export` needs the instructor repo (a solutions/ folder)", file=sys.stderr)
        return 2
    assignment = course.get(args.assignment)
    out = gradescope_zip(assignment, Path(args.out))
    print(f"Gradescope autograder for {assignment.key} written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s30", description=__doc__)
    parser.add_argument("--root", help="course folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)

    listing = sub.add_parser("list", help="the assignments, their papers and points")
    listing.add_argument("--markdown", action="store_true", help="as the README's table")
    listing.set_defaults(func=cmd_list)

    check = sub.add_parser("check", help="self-check one assignment (public checks)")
    check.add_argument("assignment", help="number or folder, e.g. 26")
    check.add_argument("--impl", metavar="PATH", help="check this file instead of the default")
    check.set_defaults(func=cmd_check)

    verify = sub.add_parser("verify", help="prove every check can pass and fail (instructor)")
    verify.add_argument("assignments", nargs="*", help="numbers or folders (default: all)")
    verify.add_argument("--no-mutants", action="store_true", help="skip the mutants")
    verify.set_defaults(func=cmd_verify)

    release = sub.add_parser("release", help="build the student edition (instructor)")
    release.add_argument("--out", default="release", help="output folder (default: release/)")
    release.add_argument("--no-proof", action="store_true", help="skip proving the edition")
    release.set_defaults(func=cmd_release)

    grade = sub.add_parser("grade", help="grade a folder of submissions in a sandbox (instructor)")
    grade.add_argument("submissions", help="folder with one folder or .zip per learner")
    grade.add_argument("--out", required=True, help="output folder (gradebook, feedback, ...)")
    grade.add_argument(
        "--assignment",
        action="append",
        help="grade only this assignment (repeatable); every learner gets a row for it",
    )
    grade.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    grade.add_argument("--force", action="store_true", help="regrade finished learners")
    grade.add_argument("--seed", type=int, default=None, help="override the hidden checks' seed")
    grade.add_argument("--quiet", action="store_true", help="no progress line")
    grade.set_defaults(func=cmd_grade)

    export = sub.add_parser("export", help="package an assignment for another platform")
    export.add_argument("platform", choices=["gradescope"])
    export.add_argument("assignment", help="number or folder, e.g. 26")
    export.add_argument("--out", required=True, help="the zip to write")
    export.set_defaults(func=cmd_export)

    doctor = sub.add_parser("doctor", help="what this machine can do: sandbox, versions, course")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CourseError as exc:
        print(f"s30: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
