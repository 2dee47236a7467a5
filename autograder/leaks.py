"""Prove that a student edition holds no private material.

Lines are compared by *fingerprint*: the code with its trailing comment dropped and whitespace
collapsed, kept only when at least ``MIN_LENGTH`` characters long (shorter lines such as
``return dx`` are not evidence of anything). Private material is found three ways:

- **lines**: every fingerprinted line of a solution region, and every line of a torch reference
  except imports, ``def`` lines, bare ``return a, b`` lines and lines the engine itself holds
  (``with torch.no_grad():``), found anywhere inside an edition line (so a leak embedded in
  prose or in a longer line counts);
- **blocks**: any ``BLOCK`` consecutive fingerprinted lines of a hidden check or mutant list
  appearing consecutively in an edition file. Single lines of test code (``rng = ...``,
  ``for t in range(...)``) are shared idiom with public code; a run of three is a copy. A
  hidden check's own ``def test_...`` line counts as a line;
- **names**: a file named like a private file (``test_hidden.py``, ``reference.py``,
  ``mutants.py``) or a ``solutions`` folder inside the edition.

No exemption is computed from the files being scanned, so pasting private code into a public
file cannot make it look public.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import HIDDEN_CHECKS, MUTANTS, REFERENCE, Course
from autograder.strip import solution_regions

MIN_LENGTH = 12
BLOCK = 3
PRIVATE_NAMES = {HIDDEN_CHECKS, REFERENCE, MUTANTS}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".json", ".ipynb", ".html", ".sh"}
_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_SPACES = re.compile(r"\s+")
_IMPORT = re.compile(r"^(import |from \S+ import )")
_BARE_RETURN = re.compile(r"^return [\w.]+(, [\w.]+)*$")


@dataclass(frozen=True)
class Leak:
    path: Path
    line: int
    text: str
    origin: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:80]!r} (from {self.origin})"


@dataclass
class PrivateMaterial:
    lines: dict[str, str] = field(default_factory=dict)
    blocks: dict[tuple[str, ...], str] = field(default_factory=dict)


def normalize(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def fingerprint(code_line: str) -> str | None:
    """The normalized code of a line, or None when it is a comment or trivially short."""
    text = normalize(_TRAILING_COMMENT.sub("", code_line))
    if len(text) < MIN_LENGTH or text.startswith("#"):
        return None
    return text


def _import_lines(source: str) -> set[int]:
    """Line numbers covered by import statements (all lines of a parenthesised import)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    covered: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            covered.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return covered


def code_fingerprints(lines: list[str], python: bool = True) -> list[tuple[int, str]]:
    """(line number, fingerprint) of the lines that are code rather than imports."""
    imports = _import_lines("\n".join(lines)) if python else set()
    result = []
    for number, line in enumerate(lines, start=1):
        text = fingerprint(line)
        if text is not None and number not in imports and not _IMPORT.match(text):
            result.append((number, text))
    return result


def _engine_lines() -> set[str]:
    """The engine's own code lines: public by construction (it ships in every edition)."""
    engine = Path(__file__).parent
    return {
        text
        for path in engine.rglob("*.py")
        for _, text in code_fingerprints(path.read_text("utf-8").splitlines())
    }


def private_material(course: Course) -> PrivateMaterial:
    private = PrivateMaterial()
    engine = _engine_lines()
    for assignment in course.assignments():
        if not assignment.instructor:
            continue
        solution = assignment.solution_path
        for region in solution_regions(solution.read_text("utf-8")):
            for text in filter(None, map(fingerprint, region)):
                private.lines.setdefault(text, f"a solution region of {solution.name}")
        reference = assignment.reference_path
        if reference is not None and reference.is_file():
            origin = f"{assignment.key}/{reference.name}"
            for _, text in code_fingerprints(reference.read_text("utf-8").splitlines()):
                if not (text.startswith("def ") or _BARE_RETURN.match(text) or text in engine):
                    private.lines.setdefault(text, origin)
        for path in (assignment.hidden_checks, assignment.mutants_path):
            if path is None or not path.is_file():
                continue
            origin = f"{assignment.key}/{path.name}"
            prints = [p for _, p in code_fingerprints(path.read_text("utf-8").splitlines())]
            for text in prints:
                if text.startswith("def test_"):
                    private.lines.setdefault(text, origin)
            for start in range(len(prints) - BLOCK + 1):
                private.blocks.setdefault(tuple(prints[start : start + BLOCK]), origin)
    return private


class _Matcher:
    """Finds any secret inside a line by indexing the secrets on their first characters."""

    def __init__(self, secrets: dict[str, str]):
        self.by_prefix: dict[str, list[str]] = defaultdict(list)
        for secret in secrets:
            self.by_prefix[secret[:MIN_LENGTH]].append(secret)

    def find(self, line: str) -> str | None:
        for start in range(len(line) - MIN_LENGTH + 1):
            for secret in self.by_prefix.get(line[start : start + MIN_LENGTH], ()):
                if line.startswith(secret, start):
                    return secret
        return None


def text_lines(path: Path) -> list[str]:
    """The lines of a text file; for a notebook, its cells' sources and text outputs."""
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text("utf-8"))
        lines: list[str] = []
        for cell in notebook.get("cells", []):
            lines.extend("".join(cell.get("source", [])).splitlines())
            for output in cell.get("outputs", []):
                lines.extend("".join(output.get("text", [])).splitlines())
        return lines
    return path.read_text("utf-8", errors="replace").splitlines()


def _scan_file(
    path: Path, relative: Path, private: PrivateMaterial, matcher: _Matcher
) -> list[Leak]:
    leaks = []
    numbered = list(enumerate(text_lines(path), start=1))
    for number, line in numbered:
        secret = matcher.find(normalize(line))
        if secret is not None:
            leaks.append(Leak(relative, number, secret, private.lines[secret]))
    code = code_fingerprints([line for _, line in numbered], python=path.suffix == ".py")
    for start in range(len(code) - BLOCK + 1):
        block = tuple(p for _, p in code[start : start + BLOCK])
        if block in private.blocks:
            leaks.append(Leak(relative, code[start][0], " / ".join(block), private.blocks[block]))
    return leaks


def find_leaks(edition: Path, private: PrivateMaterial) -> list[Leak]:
    """Every place in ``edition`` where private material shows up."""
    matcher = _Matcher(private.lines)
    leaks: list[Leak] = []
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        relative = path.relative_to(edition)
        if path.name in PRIVATE_NAMES or "solutions" in relative.parts:
            leaks.append(Leak(relative, 0, path.name, "a private file name"))
        elif path.suffix in TEXT_SUFFIXES:
            leaks.extend(_scan_file(path, relative, private, matcher))
    return leaks
