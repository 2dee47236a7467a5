"""Run an assignment's exploration notebook against a given module (used by tests and CI).

The notebook imports the learner module by name (``from cs231n_layers import ...``), so it runs
in a scratch folder holding a copy of the notebook, the module under test and the assignment's
read-only helpers. Needs the ``dev`` extra (nbclient, nbformat, ipykernel).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Assignment


@dataclass(frozen=True)
class NotebookRun:
    seconds: float
    images: int
    errors: list[str]


def run_notebook(assignment: Assignment, module_path: Path, timeout: float = 120) -> NotebookRun:
    import nbclient
    import nbformat

    with tempfile.TemporaryDirectory(prefix=f"s30-nb-{assignment.key}-") as tmp:
        folder = Path(tmp)
        for helper in assignment.public_dir.glob("*.py"):
            if not helper.name.startswith("test_"):
                shutil.copy(helper, folder / helper.name)
        shutil.copy(module_path, folder / assignment.module_file)
        notebook = nbformat.read(assignment.notebook, as_version=4)
        client = nbclient.NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        )
        start = time.perf_counter()
        errors: list[str] = []
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as exc:
            errors.append(str(exc).splitlines()[-1] if str(exc) else repr(exc))
        seconds = time.perf_counter() - start
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    return NotebookRun(seconds, images, errors)
