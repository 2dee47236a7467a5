"""Prove that a student edition holds no private material.

Private material is every non-trivial line of a solution region, and every line of a hidden
check, a torch reference or a mutant list that does not also appear in public material. A line
is non-trivial when, with its trailing comment dropped and whitespace collapsed, it is at
least ``MIN_LENGTH`` characters long. The scan looks for those lines anywhere inside the
edition's text files (including notebook cells), so a leak embedded in a longer line or in
prose is found too; files named like private files are leaks by themselves.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from autograder.course import HIDDEN_CHECKS, MUTANTS, REFERENCE, Course
from autograder.strip import solution_regions

MIN_LENGTH = 12
PRIVATE_NAMES = {HIDDEN_CHECKS, REFERENCE, MUTANTS}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".json", ".ipynb", ".html", ".sh"}
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Leak:
    path: Path
    line: int
    text: str
    origin: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:80]!r} (from {self.origin})"


def normalize(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def fingerprint(code_line: str) -> str | None:
    """The normalized code of a line, or None when it is a comment or trivially short."""
    text = normalize(_TRAILING_COMMENT.sub("", code_line))
    if len(text) < MIN_LENGTH or text.startswith("#"):
        return None
    return text


def _public_lines(course: Course) -> set[str]:
    lines: set[str] = set()
    roots = [course.root / "assignments", Path(__file__).parent]
    for root in roots:
        for path in root.rglob("*.py"):
            lines.update(filter(None, map(fingerprint, path.read_text("utf-8").splitlines())))
    for assignment in course.assignments():
        if assignment.instructor:
            text = assignment.solution_path.read_text("utf-8")
            inside = {line for region in solution_regions(text) for line in region}
            outside = [line for line in text.splitlines() if line not in inside]
            lines.update(filter(None, map(fingerprint, outside)))
    return lines


def private_lines(course: Course) -> dict[str, str]:
    """Fingerprint -> where it comes from, for every private line of the instructor repo.

    Lines of hidden checks, references and mutants that also occur inside public lines
    (imports, ``numeric = numerical_vjp(``) are shared idiom, not secrets.
    """
    public = _public_lines(course)
    secrets: dict[str, str] = {}
    shared: dict[str, str] = {}
    for assignment in course.assignments():
        if not assignment.instructor:
            continue
        solution = assignment.solution_path
        for region in solution_regions(solution.read_text("utf-8")):
            for line in region:
                text = fingerprint(line)
                if text:
                    secrets.setdefault(text, f"a solution region of {solution.name}")
        for path in (assignment.hidden_checks, assignment.reference_path, assignment.mutants_path):
            if path is None or not path.is_file():
                continue
            for line in path.read_text("utf-8").splitlines():
                text = fingerprint(line)
                if text and text not in public:
                    shared.setdefault(text, f"{assignment.key}/{path.name}")
    matcher = _Matcher(shared)
    for line in public:
        while (found := matcher.find(line)) is not None:
            matcher.remove(found)
    secrets.update({text: shared[text] for text in matcher.secrets})
    return secrets


class _Matcher:
    """Finds any secret inside a line by indexing the secrets on their first characters."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = dict(secrets)
        self.by_prefix: dict[str, list[str]] = defaultdict(list)
        for secret in secrets:
            self.by_prefix[secret[:MIN_LENGTH]].append(secret)

    def remove(self, secret: str) -> None:
        self.by_prefix[secret[:MIN_LENGTH]].remove(secret)
        del self.secrets[secret]

    def find(self, line: str) -> str | None:
        for start in range(len(line) - MIN_LENGTH + 1):
            for secret in self.by_prefix.get(line[start : start + MIN_LENGTH], ()):
                if line.startswith(secret, start):
                    return secret
        return None


def _text_lines(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text("utf-8"))
        lines: list[str] = []
        for cell in notebook.get("cells", []):
            lines.extend("".join(cell.get("source", [])).splitlines())
            for output in cell.get("outputs", []):
                lines.extend("".join(output.get("text", [])).splitlines())
        return lines
    return path.read_text("utf-8", errors="replace").splitlines()


def find_leaks(edition: Path, secrets: dict[str, str]) -> list[Leak]:
    """Every place in ``edition`` where private material shows up."""
    matcher = _Matcher(secrets)
    leaks: list[Leak] = []
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        relative = path.relative_to(edition)
        if path.name in PRIVATE_NAMES or "solutions" in relative.parts:
            leaks.append(Leak(relative, 0, path.name, "a private file name"))
            continue
        if path.suffix not in TEXT_SUFFIXES:
            continue
        for number, line in enumerate(_text_lines(path), start=1):
            secret = matcher.find(normalize(line))
            if secret is not None:
                leaks.append(Leak(relative, number, secret, secrets[secret]))
    return leaks
