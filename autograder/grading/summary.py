"""The instructor's summary of a batch: one self-contained HTML page with three plots.

Per assignment: a histogram of scores, the failure rate of every check, and the most common
diagnoses (the ``diagnosis:`` lines of failure messages, and the first line of the others),
plus the list of learners whose submission could not be graded normally.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, defaultdict
from typing import Any

from autograder.grading.feedback import page

_DIAGNOSIS = re.compile(r"diagnosis: (.*)")
_NUMBERS = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def _figure_png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _pattern(message: str) -> str:
    """A failure message reduced to its recognisable pattern (numbers blanked)."""
    match = _DIAGNOSIS.search(message)
    first = match.group(1) if match else message.strip().splitlines()[0] if message.strip() else ""
    return _NUMBERS.sub("#", first)[:140]


def summarize(rows: list[dict[str, Any]], isolation: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_assignment: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_assignment[row["assignment"]].append(row)
    esc = html.escape
    parts = [f"<h1>Batch summary</h1><p>{len(rows)} graded submission(s); {esc(isolation)}.</p>"]
    for key, items in sorted(by_assignment.items()):
        scores = [r["score"] for r in items]
        top_score = items[0]["max_score"]
        failures: Counter[str] = Counter()
        diagnoses: Counter[str] = Counter()
        for r in items:
            for test in r["results"]["tests"]:
                if test["status"] != "passed":
                    failures[test["name"]] += 1
                    full = test["extra_data"]["verdict"]
                    if full != "not implemented" and test["output"]:
                        diagnoses[_pattern(test["output"])] += 1
        names = [t["name"] for t in items[0]["results"]["tests"]]
        # Stacked, so the checks' long names have the figure's full width.
        fig, (top, bottom) = plt.subplots(
            2,
            1,
            figsize=(10, 3 + 0.3 * len(names)),
            gridspec_kw={"height_ratios": [3, max(3, 0.3 * len(names))]},
        )
        top.hist(
            scores, bins=min(20, max(5, len(set(scores)))), range=(0, top_score), color="#4c72b0"
        )
        top.set(xlabel="score", ylabel="learners", title=f"{key}: scores (max {top_score:g})")
        rates = [failures[n] / len(items) for n in names]
        bottom.barh(range(len(names)), rates, color="#c44e52")
        bottom.set_yticks(range(len(names)), [n[:80] for n in names], fontsize=8)
        bottom.invert_yaxis()
        bottom.set(
            xlim=(0, 1), xlabel="fraction of learners failing", title="failure rate per check"
        )
        fig.tight_layout()
        png = _figure_png(fig)
        plt.close(fig)
        mean = sum(scores) / len(scores)
        parts.append(
            f"<h2>{esc(key)}</h2><p>{len(items)} learner(s), mean {mean:.2f}/{top_score:g}</p>"
            f"<img alt='scores and failure rates' src='data:image/png;base64,{png}'>"
        )
        if diagnoses:
            rows_html = "".join(
                f"<tr><td>{n}</td><td>{esc(p)}</td></tr>" for p, n in diagnoses.most_common(12)
            )
            parts.append(
                "<h3>Most common diagnoses</h3><table><tr><th>learners x checks</th>"
                f"<th>pattern</th></tr>{rows_html}</table>"
            )
        unusual = [r for r in items if r["status"] != "ok"]
        if unusual:
            rows_html = "".join(
                f"<tr><td>{esc(r['learner'])}</td><td>{esc(r['status'])}</td>"
                f"<td>{esc(r['results']['extra_data'].get('note', ''))}</td></tr>"
                for r in unusual
            )
            parts.append(
                "<h3>Not graded normally</h3><table><tr><th>learner</th><th>status</th>"
                f"<th>why</th></tr>{rows_html}</table>"
            )
    return page("Batch summary", "".join(parts))
