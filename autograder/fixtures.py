"""The values a check function asks for by parameter name.

- ``impl``: the module under test (solution, stub, ``--impl`` file, or a sandbox proxy).
- ``sol``: the trusted solution module (instructor side only), e.g. to build a cache with
  the reference forward so a backward check gives independent credit.
- ``ref``: the torch reference module (instructor side only).
- ``baked``: expected values from the reference (live, or from the edition's npz).
- ``seed``: the seed hidden checks draw their inputs from; it goes into the results.
- ``provided``: the assignment's read-only ``provided.py`` (the trusted copy), e.g. to pass
  one of its functions to the learner's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from autograder.baking import FileBaked, LiveBaked
from autograder.course import Assignment
from autograder.loading import load_module

NAMES = ("impl", "sol", "ref", "baked", "seed", "provided")

_baked: dict[Path, Any] = {}


class FixtureError(LookupError):
    """A check asked for a value this checkout cannot provide."""


def solution_module(assignment: Assignment) -> ModuleType:
    if not assignment.instructor:
        raise FixtureError(f"{assignment.key}: the solution is not part of this checkout")
    return load_module(assignment.solution_path, tag="sol", search=[assignment.public_dir])


def reference_module(assignment: Assignment) -> ModuleType:
    path = assignment.reference_path
    if path is None or not path.is_file():
        raise FixtureError(f"{assignment.key}: the reference is not part of this checkout")
    return load_module(path, tag="ref", search=[assignment.public_dir])


def provided_module(assignment: Assignment) -> ModuleType:
    path = assignment.public_dir / "provided.py"
    if not path.is_file():
        raise FixtureError(f"{assignment.key} has no provided.py")
    return load_module(path, tag="provided")


def load_impl(assignment: Assignment, path: Path, tag: str = "impl") -> ModuleType:
    """A learner module (stub, ``--impl`` file, mutant) with the assignment's helpers importable."""
    return load_module(path, tag=tag, search=[assignment.public_dir])


def default_baked(assignment: Assignment) -> Any:
    """Live reference values in the instructor repo, the baked file in the edition."""
    key = assignment.public_dir.resolve()
    if key not in _baked:
        if assignment.instructor and assignment.reference_path is not None:
            _baked[key] = LiveBaked(lambda: reference_module(assignment))
        else:
            _baked[key] = FileBaked(assignment.baked_path)
    return _baked[key]


@dataclass
class Fixtures:
    assignment: Assignment
    impl: Any
    seed: int | None = None
    baked: Any = None

    def get(self, name: str) -> Any:
        if name == "impl":
            return self.impl
        if name == "sol":
            return solution_module(self.assignment)
        if name == "ref":
            return reference_module(self.assignment)
        if name == "baked":
            return self.baked if self.baked is not None else default_baked(self.assignment)
        if name == "seed":
            return self.assignment.seed if self.seed is None else self.seed
        if name == "provided":
            return provided_module(self.assignment)
        raise FixtureError(f"unknown fixture {name!r}; checks may ask for {', '.join(NAMES)}")
