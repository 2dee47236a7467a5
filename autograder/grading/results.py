"""Per-learner results in Gradescope's ``results.json`` schema, and the gradebook.

Layout of the output folder:

    grades.csv                                   learner, assignment, score, max_score, status
    summary.html                                 instructor summary with plots
    learners/<learner>/<NN_slug>/results.json    Gradescope schema (+ seed, isolation)
    learners/<learner>/<NN_slug>/feedback.md     what the learner reads (and feedback.html)

``results.json`` is written last and atomically (temp file + rename): it marks the pair done,
so a killed batch loses nothing finished and a re-run skips it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import autograder
from autograder import runner
from autograder.grading.grader import Graded

HIDDEN_POLICIES = ("message", "name", "hidden")


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def result_dir(out: Path, slug: str, key: str) -> Path:
    return out / "learners" / slug / key


def is_done(out: Path, slug: str, key: str) -> bool:
    return (result_dir(out, slug, key) / "results.json").is_file()


def shown_output(verdict: runner.Verdict, policy: str) -> str:
    """What a learner may read about one check, under the assignment's hidden-check policy."""
    if verdict.status == runner.PASSED:
        return ""
    if verdict.check.kind == "public" or policy in ("message", "hidden"):
        return verdict.message
    return "This hidden check did not pass."


def gradescope_results(graded: Graded) -> dict[str, Any]:
    policy = graded.assignment.hidden_feedback
    tests = []
    for number, verdict in enumerate(graded.verdicts, start=1):
        check = verdict.check
        hidden_later = check.kind == "hidden" and policy == "hidden"
        tests.append(
            {
                "name": f"{check.title} [{check.kind}]",
                "number": str(number),
                "score": verdict.score,
                "max_score": check.points,
                "status": "passed" if verdict.status == runner.PASSED else "failed",
                "output": shown_output(verdict, policy),
                "visibility": "after_published" if hidden_later else "visible",
                "tags": [check.kind],
                "extra_data": {"check": check.id, "verdict": verdict.status},
            }
        )
    header = [
        f"{graded.assignment.key}: {graded.score:g}/{graded.max_score:g}",
        f"graded in a {graded.isolation.description}",
        f"seed {graded.seed}",
    ]
    if graded.note:
        header.insert(1, graded.note)
    return {
        "score": graded.score,
        "execution_time": round(graded.seconds, 3),
        "output": "\n".join(header),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "learner": graded.learner,
            "assignment": graded.assignment.key,
            "max_score": graded.max_score,
            "status": graded.status,
            "note": graded.note,
            "seed": graded.seed,
            "isolation": graded.isolation.mode,
            "isolation_detail": graded.isolation.description,
            "events": graded.events,
            "engine": autograder.__version__,
        },
    }


def _csv_cell(text: str) -> str:
    """Keep spreadsheet programs from reading a learner id as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def gradebook_rows(out: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted((out / "learners").glob("*/*/results.json")):
        data = json.loads(path.read_text("utf-8"))
        extra = data["extra_data"]
        rows.append(
            {
                "learner": extra["learner"],
                "assignment": extra["assignment"],
                "score": data["score"],
                "max_score": extra["max_score"],
                "status": extra["status"],
                "path": path,
                "results": data,
            }
        )
    return sorted(rows, key=lambda r: (r["assignment"], r["learner"]))


def write_gradebook(out: Path, rows: list[dict[str, Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["learner", "assignment", "score", "max_score", "status"])
    for row in rows:
        writer.writerow(
            [
                _csv_cell(row["learner"]),
                row["assignment"],
                f"{row['score']:g}",
                f"{row['max_score']:g}",
                row["status"],
            ]
        )
    path = out / "grades.csv"
    write_atomic(path, buffer.getvalue())
    return path


def write_learner(out: Path, graded: Graded, feedback_md: str, feedback_html: str) -> Path:
    folder = result_dir(out, graded.slug, graded.assignment.key)
    write_atomic(folder / "feedback.md", feedback_md)
    write_atomic(folder / "feedback.html", feedback_html)
    results = folder / "results.json"
    write_atomic(results, json.dumps(gradescope_results(graded), indent=1))
    return results
