"""The feedback a learner reads: Markdown and a self-contained HTML page.

Failed public checks show their full teaching message. Hidden checks follow the assignment's
``hidden_feedback`` policy: ``message`` shows the message, ``name`` only that the check failed,
``hidden`` leaves hidden checks out of the learner's page (they appear in results.json with
Gradescope visibility ``after_published``). Text from learner code is escaped in HTML.
"""

from __future__ import annotations

import html

from autograder import runner
from autograder.grading.grader import Graded
from autograder.grading.results import shown_output

MARKS = {
    runner.PASSED: "pass",
    runner.FAILED: "FAIL",
    runner.NOT_IMPLEMENTED: "TODO",
    runner.ERROR: "ERROR",
}


def _visible(graded: Graded) -> list[runner.Verdict]:
    if graded.assignment.hidden_feedback == "hidden":
        return [v for v in graded.verdicts if v.check.kind == "public"]
    return graded.verdicts


def _fence(text: str) -> str:
    longest = max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.replace('```', '` ` `')}\n{fence}"


def markdown(graded: Graded) -> str:
    a = graded.assignment
    lines = [
        f"# {a.key}: {a.title}",
        "",
        f"Learner **{graded.learner}** · score **{graded.score:g} / {graded.max_score:g}**",
        "",
        f"Graded in a {graded.isolation.description}; inputs drawn with seed {graded.seed}.",
    ]
    if graded.note:
        lines += ["", f"> **{graded.status}**: {graded.note}"]
    if graded.events:
        lines += ["", "While grading: " + "; ".join(graded.events) + "."]
    visible = _visible(graded)
    lines += ["", "| result | points | check | kind |", "|---|---|---|---|"]
    for v in visible:
        title = v.check.title.replace("|", "\\|")
        lines.append(
            f"| {MARKS[v.status]} | {v.score:g}/{v.check.points:g} | {title} | {v.check.kind} |"
        )
    if a.hidden_feedback == "hidden":
        hidden = [v for v in graded.verdicts if v.check.kind == "hidden"]
        earned = sum(v.score for v in hidden)
        lines += [
            "",
            f"Hidden checks: {earned:g}/{sum(v.check.points for v in hidden):g} "
            "points (details after grades are published).",
        ]
    failures = [v for v in visible if v.status != runner.PASSED and not graded.note]
    if failures:
        lines += ["", "## What to fix", ""]
        for v in failures:
            lines += [
                f"### {v.check.title} ({v.check.kind})",
                "",
                _fence(shown_output(v, a.hidden_feedback)),
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem}table{border-collapse:collapse}
td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.pass{color:#176f2c}.FAIL,.ERROR{color:#b3261e}.TODO{color:#8a6d00}
pre{background:#f5f5f5;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
.note{background:#fff4e5;padding:.5rem 1rem;border-left:4px solid #e69500}"""


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>\n"
    )


def html_page(graded: Graded) -> str:
    a = graded.assignment
    esc = html.escape
    parts = [
        f"<h1>{esc(a.key)}: {esc(a.title)}</h1>",
        f"<p>Learner <b>{esc(graded.learner)}</b> · score "
        f"<b>{graded.score:g} / {graded.max_score:g}</b></p>",
        f"<p>Graded in a {esc(graded.isolation.description)}; seed {graded.seed}.</p>",
    ]
    if graded.note:
        parts.append(f"<p class='note'><b>{esc(graded.status)}</b>: {esc(graded.note)}</p>")
    if graded.events:
        parts.append(f"<p>While grading: {esc('; '.join(graded.events))}.</p>")
    rows = "".join(
        f"<tr><td class='{MARKS[v.status]}'>{MARKS[v.status]}</td>"
        f"<td>{v.score:g}/{v.check.points:g}</td><td>{esc(v.check.title)}</td>"
        f"<td>{v.check.kind}</td></tr>"
        for v in _visible(graded)
    )
    parts.append(
        f"<table><tr><th>result</th><th>points</th><th>check</th><th>kind</th></tr>{rows}</table>"
    )
    failures = [v for v in _visible(graded) if v.status != runner.PASSED and not graded.note]
    if failures:
        parts.append("<h2>What to fix</h2>")
        for v in failures:
            parts.append(
                f"<h3>{esc(v.check.title)} ({v.check.kind})</h3>"
                f"<pre>{esc(shown_output(v, a.hidden_feedback))}</pre>"
            )
    return page(f"{a.key} feedback for {graded.learner}", "".join(parts))
