"""The Gradescope autograder zip grades a submission in a tree laid out like Gradescope's."""

import json
import os
import subprocess
import zipfile

import pytest

from autograder.course import Course
from autograder.export import gradescope_zip
from helpers import REPO


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    return gradescope_zip(Course(REPO).get(26), tmp_path_factory.mktemp("gs") / "autograder.zip")


def run_on(autograder_zip, tmp_path, module_source: str) -> dict:
    base = tmp_path / "autograder"
    (base / "source").mkdir(parents=True)
    (base / "submission").mkdir()
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(base / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(base / "source" / name, 0o755)
    (base / "submission" / "cs231n_layers.py").write_text(module_source)
    result = subprocess.run(
        ["bash", str(base / "source" / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(base)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads((base / "results" / "results.json").read_text())


def test_zip_holds_the_scripts_and_one_assignment(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "pyproject.toml"} <= set(names)
    assert "autograder/sandbox/worker.py" in names
    assert "solutions/26_cs231n/test_hidden.py" in names
    assert all(
        n.split("/")[1] == "26_cs231n"
        for n in names
        if n.startswith(("assignments/", "solutions/"))
    )
    assert "torch==2.13.0" in zipfile.ZipFile(autograder_zip).read("requirements.txt").decode()


def test_correct_submission_scores_full(autograder_zip, tmp_path):
    solution = (REPO / "solutions/26_cs231n/cs231n_layers.py").read_text()
    results = run_on(autograder_zip, tmp_path, solution)
    assert results["score"] == 25.0
    assert all(t["status"] == "passed" for t in results["tests"])


def test_wrong_submission_loses_the_right_points(autograder_zip, tmp_path):
    solution = (REPO / "solutions/26_cs231n/cs231n_layers.py").read_text()
    wrong = solution.replace("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")
    results = run_on(autograder_zip, tmp_path, wrong)
    failed = {t["extra_data"]["check"] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"public::test_affine_backward_numeric", "hidden::test_affine_backward"}
    assert results["score"] == 21.0  # both checks are worth 2 points
    assert "graded in a" in results["output"] and "seed 2026" in results["output"]
