"""Helpers shared by the kit's own tests (importable: pytest puts tests/ on sys.path)."""

import shutil
import subprocess
import sys
from pathlib import Path

from autograder.course import Course

REPO = Path(__file__).resolve().parent.parent


def copy_course(target: Path, keys: list[str] | None = None) -> Course:
    """A throwaway copy of the course's assignments and solutions (optionally a subset)."""
    for half in ("assignments", "solutions"):
        (target / half).mkdir(parents=True)
        for folder in sorted((REPO / half).iterdir()):
            if folder.is_dir() and (keys is None or folder.name in keys):
                shutil.copytree(
                    folder,
                    target / half / folder.name,
                    ignore=shutil.ignore_patterns("__pycache__", "expected.npz"),
                )
    return Course(target)


def s30(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
