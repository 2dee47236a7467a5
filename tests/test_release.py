"""`s30 release`: the edition is complete, leaks nothing, and proves itself."""

import json
import subprocess
import sys

import numpy as np
import pytest

from autograder.course import Course
from autograder.release import ReleaseError, build_release
from helpers import REPO


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "release"
    report = build_release(Course(REPO), out)
    return out, report


def test_edition_has_the_learner_layout(edition):
    out, report = edition
    folder = out / "assignments" / "26_cs231n"
    for name in (
        "README.md",
        "assignment.toml",
        "test_public.py",
        "explore.ipynb",
        "cs231n_layers.py",
        "expected.npz",
    ):
        assert (folder / name).is_file(), name
    assert (out / "autograder" / "cli.py").is_file()
    assert (out / "pyproject.toml").is_file() and (out / "README.md").is_file()
    assert not list(out.rglob("test_hidden.py")) and not list(out.rglob("reference.py"))
    assert not list(out.rglob("mutants.py")) and not (out / "solutions").exists()
    assert "26_cs231n" in (out / "README.md").read_text()


def test_stub_keeps_signatures_and_drops_solutions(edition):
    out, _ = edition
    stub = (out / "assignments/26_cs231n/cs231n_layers.py").read_text()
    solution = (REPO / "solutions/26_cs231n/cs231n_layers.py").read_text()
    assert "def affine_backward(dout, cache):" in stub
    assert "return dx, dw, db" in stub
    assert stub.count("raise NotImplementedError") == solution.count("### BEGIN SOLUTION")
    assert "dw = flat_x.T @ dout" not in stub


def test_edition_proof_counts(edition):
    _, report = edition
    total, todo, passed = report.proof["26_cs231n"]
    assert total == todo == passed >= 9
    assert report.leaks == []


def test_baked_values_match_the_reference(edition):
    out, report = edition
    with np.load(out / "assignments/26_cs231n/expected.npz", allow_pickle=False) as data:
        keys = [k for k in data.files if k.endswith(".n")]
    assert len(keys) == report.baked["26_cs231n"] > 0


def test_public_checks_fail_as_not_implemented_under_pytest(edition):
    out, _ = edition
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "assignments/26_cs231n"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "score: 0/10" in result.stdout
    assert result.stdout.count("not implemented yet") >= 9
    assert "Traceback" not in result.stdout


def test_public_checks_pass_with_the_solution_dropped_in(edition, tmp_path):
    out, _ = edition
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "assignments/26_cs231n",
            "--impl",
            str(REPO / "solutions/26_cs231n/cs231n_layers.py"),
        ],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    assert "score: 10/10" in result.stdout


def test_edition_self_check_does_not_import_torch(edition):
    out, _ = edition
    code = (
        "import sys; from autograder.cli import main; code = main(['check', '26']); "
        "assert 'torch' not in sys.modules, 'torch was imported'; print('exit', code)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True)
    assert "exit 1" in result.stdout, result.stderr


def _plant_and_release(course, tmp_path):
    with pytest.raises(ReleaseError) as info:
        build_release(course, tmp_path / "release")
    return str(info.value)


def test_a_solution_line_in_the_handout_is_caught(course_copy, tmp_path):
    readme = course_copy.root / "assignments/26_cs231n/README.md"
    readme.write_text(readme.read_text() + "\nHint: `dw = flat_x.T @ dout`\n")
    message = _plant_and_release(course_copy, tmp_path)
    assert "leaks private material" in message
    assert "README.md" in message and "dw = flat_x.T @ dout" in message


def test_a_solution_line_in_a_notebook_is_caught(course_copy, tmp_path):
    path = course_copy.root / "assignments/26_cs231n/explore.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"][1]["source"] = ["db = dout.sum(axis=0)  # oops\n"]
    path.write_text(json.dumps(notebook))
    message = _plant_and_release(course_copy, tmp_path)
    assert "explore.ipynb" in message and "db = dout.sum(axis=0)" in message


def test_a_hidden_check_copied_into_the_public_folder_is_caught(course_copy, tmp_path):
    source = course_copy.root / "solutions/26_cs231n/test_hidden.py"
    (course_copy.root / "assignments/26_cs231n/test_hidden.py").write_text(source.read_text())
    message = _plant_and_release(course_copy, tmp_path)
    assert "test_hidden.py" in message and "private file name" in message


def test_reference_code_pasted_into_public_checks_is_caught(course_copy, tmp_path):
    checks = course_copy.root / "assignments/26_cs231n/test_public.py"
    checks.write_text(
        checks.read_text() + "\n\ndef helper(scores):\n"
        "    return scores.shape[1] * F.multi_margin_loss(scores, y, margin=1.0)\n"
    )
    message = _plant_and_release(course_copy, tmp_path)
    assert "reference.py" in message


def test_release_refuses_to_overwrite_a_foreign_folder(course_copy, tmp_path):
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("do not delete")
    with pytest.raises(ReleaseError, match="not touching it"):
        build_release(course_copy, foreign)
    assert (foreign / "thesis.tex").exists()


def test_a_hidden_check_pasted_under_another_name_is_caught(course_copy, tmp_path):
    hidden = (course_copy.root / "solutions/26_cs231n/test_hidden.py").read_text()
    body = hidden[hidden.index("def hinge_scores") : hidden.index("@functools.cache")]
    checks = course_copy.root / "assignments/26_cs231n/test_public.py"
    checks.write_text(checks.read_text() + "\n\n" + body)
    message = _plant_and_release(course_copy, tmp_path)
    assert "test_hidden.py" in message and "test_public.py" in message


@pytest.mark.slow
def test_edition_installs_in_a_fresh_venv_without_torch(edition, tmp_path):
    out, _ = edition
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(out)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    check = subprocess.run(
        [str(venv / "bin" / "s30"), "check", "26"], cwd=out, capture_output=True, text=True
    )
    assert check.returncode == 1 and "score: 0/10" in check.stdout
    assert "not implemented yet: affine_forward" in check.stdout
    torch = subprocess.run([str(python), "-c", "import torch"], capture_output=True)
    assert torch.returncode != 0, "the student edition should not need torch"
