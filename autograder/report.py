"""Plain-text tables and verdict listings for the command line."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from autograder import runner

LABELS = {
    runner.PASSED: "PASS",
    runner.FAILED: "FAIL",
    runner.NOT_IMPLEMENTED: "TODO",
    runner.ERROR: "ERROR",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width() -> int:
    return max(60, min(120, shutil.get_terminal_size((100, 20)).columns))


def verdicts(items: Sequence[runner.Verdict]) -> str:
    """A compact table of checks, then the teaching message of each one that did not pass."""
    width = _width()
    rows = []
    for v in items:
        note = v.message.splitlines()[0] if v.status == runner.NOT_IMPLEMENTED else ""
        rows.append((LABELS[v.status], f"{v.score:g}/{v.check.points:g}", v.check.title, note))
    out = [table(("result", "points", "check", ""), rows)]
    failures = [v for v in items if v.status not in (runner.PASSED, runner.NOT_IMPLEMENTED)]
    if failures:
        out.append("\nWhat went wrong:")
        for v in failures:
            out.append(f"\n[{LABELS[v.status]}] {v.check.title}")
            for line in v.message.splitlines():
                out.append(
                    textwrap.indent(
                        textwrap.fill(line, width - 4, subsequent_indent="    ")
                        if len(line) > width - 4
                        else line,
                        "  ",
                    )
                )
    score, max_score = runner.total(items)
    out.append(f"\nscore: {score:g}/{max_score:g}")
    return "\n".join(out)
