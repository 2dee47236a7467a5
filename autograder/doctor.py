"""``s30 doctor``: what this machine can do for the kit, and what it cannot."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from pathlib import Path

import numpy as np

import autograder
from autograder.course import Course, CourseError, find_root


def _version(module: str) -> str:
    if importlib.util.find_spec(module) is None:
        return "not installed"
    return getattr(__import__(module), "__version__", "installed")


def diagnose_machine(root: Path | None = None) -> tuple[list[str], bool]:
    """Report lines, and whether grading can run with full isolation."""
    from autograder.sandbox.launch import BUBBLEWRAP, detect
    from autograder.sandbox.runtime import ensure_runtime

    lines = [
        f"engine      autograder {autograder.__version__}",
        f"python      {sys.version.split()[0]} ({sys.executable})",
        f"platform    {platform.platform()}, {os.cpu_count()} cores, euid {os.geteuid()}",
        f"numpy       {np.__version__}",
        f"torch       {_version('torch')} (hidden checks and references need it)",
        f"bwrap       {shutil.which('bwrap') or 'not found'}",
    ]
    runtime = ensure_runtime()
    lines.append(f"runtime     {runtime.root} (interpreter + numpy for learner code)")
    isolation = detect()
    lines.append(f"isolation   {isolation.mode}: {isolation.description}")
    healthy = isolation.mode == BUBBLEWRAP
    if not healthy:
        lines.append(
            "            to fix: install bubblewrap (apt-get install bubblewrap) and, when "
            "grading as root, make sure uid 65534 exists"
        )
    try:
        course = Course(root or find_root())
        kind = "instructor repo" if course.instructor else "student edition"
        lines.append(f"course      {course.root} ({kind}, {len(course.assignments())} assignments)")
    except CourseError as exc:
        lines.append(f"course      none found ({exc})")
    return lines, healthy
