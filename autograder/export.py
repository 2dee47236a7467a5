"""``s30 export gradescope NN``: an autograder zip for Gradescope.

The zip holds ``setup.sh`` (installs the pinned dependencies and bubblewrap when it can),
``run_autograder`` (grades ``/autograder/submission`` with this engine), ``requirements.txt``,
and the course source for that one assignment: the engine, its public folder and its private
folder. It is an instructor artifact: it contains the solution and the hidden checks, which
Gradescope keeps on its side.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import autograder
from autograder.course import Assignment

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -q && apt-get install -y -q bubblewrap || echo "no bubblewrap: weaker isolation"
cd /autograder/source
python3 -m pip install -q -r requirements.txt
python3 -m pip install -q --no-deps .
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; results land in $AUTOGRADER_ROOT/results.
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$root/source"
mkdir -p "$root/results"
python3 -m autograder.gradescope {key} --root "$root/source" \\
    --submission "$root/submission" --results "$root/results/results.json"
"""

REQUIREMENTS = """torch==2.13.0
numpy>=1.24
pytest>=7.4
matplotlib>=3.7
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "sutskever30-gradescope"
version = "{version}"
requires-python = ">=3.10"

[tool.setuptools.packages.find]
include = ["autograder*"]

[tool.setuptools.package-data]
autograder = ["templates/*"]
"""


def _add_tree(zf: zipfile.ZipFile, folder: Path, arcroot: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            zf.write(path, f"{arcroot}/{path.relative_to(folder).as_posix()}")


def _add_script(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16
    zf.writestr(info, text)


def gradescope_zip(assignment: Assignment, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_script(zf, "setup.sh", SETUP)
        _add_script(zf, "run_autograder", RUN.format(key=assignment.key))
        zf.writestr("requirements.txt", REQUIREMENTS)
        zf.writestr("pyproject.toml", PYPROJECT.format(version=autograder.__version__))
        _add_tree(zf, Path(autograder.__file__).parent, "autograder")
        _add_tree(zf, assignment.public_dir, f"assignments/{assignment.key}")
        _add_tree(zf, assignment.private_dir, f"solutions/{assignment.key}")
    return out
