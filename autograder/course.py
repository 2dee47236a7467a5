"""Find the course on disk: its assignments, their manifests, and which half holds which file.

An assignment is two folders with the same name, ``NN_slug``:

- ``assignments/NN_slug/`` is public: handout, ``assignment.toml``, public checks, notebook.
- ``solutions/NN_slug/`` is private: the full learner module, hidden checks, torch reference,
  mutants. It exists only in the instructor repo; the student edition has a stub of the module
  beside the public checks instead.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MANIFEST = "assignment.toml"
PUBLIC_CHECKS = "test_public.py"
HIDDEN_CHECKS = "test_hidden.py"
REFERENCE = "reference.py"
MUTANTS = "mutants.py"
NOTEBOOK = "explore.ipynb"
BAKED = "expected.npz"
FOLDER_PATTERN = re.compile(r"^(\d\d)_([a-z0-9_]+)$")


class CourseError(Exception):
    """The course on disk is not shaped the way the kit expects."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one learner's code while it is graded."""

    call_seconds: float = 10.0
    submission_seconds: float = 300.0
    memory_mb: int = 2048


@dataclass(frozen=True)
class Assignment:
    number: int
    slug: str
    title: str
    module: str
    paper: str
    authors: str
    year: int
    points: float
    seed: int
    public_dir: Path
    private_dir: Path | None
    limits: Limits = field(default_factory=Limits)
    hidden_feedback: str = "message"
    functions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The folder name, e.g. ``26_cs231n``."""
        return f"{self.number:02d}_{self.slug}"

    @property
    def instructor(self) -> bool:
        return self.private_dir is not None and self.solution_path.is_file()

    @property
    def module_file(self) -> str:
        return f"{self.module}.py"

    @property
    def solution_path(self) -> Path:
        if self.private_dir is None:
            raise CourseError(f"{self.key}: no solutions/ folder here (this is a student edition)")
        return self.private_dir / self.module_file

    @property
    def stub_path(self) -> Path:
        """Where the learner's module sits in the student edition."""
        return self.public_dir / self.module_file

    @property
    def default_impl_path(self) -> Path:
        """The module under test when nothing else is asked for."""
        return self.solution_path if self.instructor else self.stub_path

    @property
    def public_checks(self) -> Path:
        return self.public_dir / PUBLIC_CHECKS

    @property
    def hidden_checks(self) -> Path | None:
        return self.private_dir / HIDDEN_CHECKS if self.private_dir else None

    @property
    def reference_path(self) -> Path | None:
        return self.private_dir / REFERENCE if self.private_dir else None

    @property
    def mutants_path(self) -> Path | None:
        return self.private_dir / MUTANTS if self.private_dir else None

    @property
    def baked_path(self) -> Path:
        return self.public_dir / BAKED

    @property
    def notebook(self) -> Path:
        return self.public_dir / NOTEBOOK


def load_assignment(public_dir: Path, private_root: Path | None) -> Assignment:
    match = FOLDER_PATTERN.match(public_dir.name)
    if not match:
        raise CourseError(f"{public_dir}: assignment folders are named NN_slug")
    manifest_path = public_dir / MANIFEST
    try:
        manifest = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{public_dir}: missing {MANIFEST}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{manifest_path}: {exc}") from None
    paper = manifest.get("paper", {})
    grading = manifest.get("grading", {})
    limits = Limits(**manifest.get("limits", {}))
    private_dir = private_root / public_dir.name if private_root else None
    if private_dir is not None and not private_dir.is_dir():
        private_dir = None
    try:
        return Assignment(
            number=int(match.group(1)),
            slug=match.group(2),
            title=manifest["title"],
            module=manifest["module"],
            paper=paper.get("title", manifest["title"]),
            authors=paper.get("authors", ""),
            year=int(paper.get("year", 0)),
            points=float(manifest["points"]),
            seed=int(grading.get("seed", 0)),
            hidden_feedback=grading.get("hidden_feedback", "message"),
            functions=tuple(manifest.get("functions", ())),
            public_dir=public_dir,
            private_dir=private_dir,
            limits=limits,
        )
    except KeyError as exc:
        raise CourseError(f"{manifest_path}: missing key {exc}") from None


@dataclass(frozen=True)
class Course:
    """A course checkout: the instructor repo, or a student edition built by ``s30 release``."""

    root: Path

    @property
    def instructor(self) -> bool:
        return (self.root / "solutions").is_dir()

    def assignments(self) -> list[Assignment]:
        public_root = self.root / "assignments"
        private_root = self.root / "solutions" if self.instructor else None
        folders = sorted(p for p in public_root.iterdir() if FOLDER_PATTERN.match(p.name))
        return [load_assignment(folder, private_root) for folder in folders]

    def get(self, wanted: str | int) -> Assignment:
        """Look an assignment up by number (``26``, ``"26"``) or folder name."""
        text = str(wanted)
        for assignment in self.assignments():
            if text in (assignment.key, str(assignment.number), f"{assignment.number:02d}"):
                return assignment
        known = ", ".join(a.key for a in self.assignments())
        raise CourseError(f"no assignment {wanted!r} (known: {known})")


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``assignments/``; S30_ROOT wins."""
    if os.environ.get("S30_ROOT"):
        return Path(os.environ["S30_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments").is_dir():
            return folder
    raise CourseError(f"no course found at or above {here} (looked for an assignments/ folder)")


def assignment_for_check_file(path: Path) -> Assignment:
    """The assignment a check file belongs to, public (assignments/) or hidden (solutions/)."""
    folder = path.resolve().parent
    root = folder.parent.parent
    course = Course(root)
    return course.get(folder.name)
