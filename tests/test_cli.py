"""The `s30` command end to end, in a throwaway copy of the course."""

import pytest

from helpers import REPO, s30


@pytest.fixture
def root(course_copy):
    return course_copy.root


def test_list(root):
    result = s30("list", cwd=root)
    assert result.returncode == 0
    assert "26_cs231n" in result.stdout and "CS231n" in result.stdout and "25" in result.stdout


def test_verify_passes_and_prints_the_table(root):
    result = s30("verify", "26", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "100% (25/25)" in result.stdout
    assert "0 (20/20 not implemented)" in result.stdout


def test_verify_fails_on_a_vacuous_check(root):
    hidden = root / "solutions/26_cs231n/test_hidden.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_always(impl):\n    pass\n")
    result = s30("verify", "26", "--no-mutants", cwd=root)
    assert result.returncode == 1
    assert "test_always passes on the stub" in result.stdout


def test_release_then_learner_self_check(root):
    result = s30("release", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "leak check: no private line found" in result.stdout
    edition = root / "release"
    check = s30("check", "26", cwd=edition)
    assert check.returncode == 1
    assert "not implemented yet: affine_forward" in check.stdout
    assert "score: 0/10" in check.stdout
    solution = REPO / "solutions/26_cs231n/cs231n_layers.py"
    done = s30("check", "26", "--impl", str(solution), cwd=edition)
    assert done.returncode == 0 and "score: 10/10" in done.stdout
    refused = s30("verify", cwd=edition)
    assert refused.returncode == 2 and "instructor repo" in refused.stderr


def test_check_reports_a_wrong_implementation(root, tmp_path):
    source = (root / "solutions/26_cs231n/cs231n_layers.py").read_text()
    wrong = tmp_path / "cs231n_layers.py"
    wrong.write_text(
        source.replace(
            'dx = np.where(cache["x"] > 0, dout, 0.0)', 'dx = np.where(cache["x"] > 0, -dout, 0.0)'
        )
    )
    result = s30("check", "26", "--impl", str(wrong), cwd=root)
    assert result.returncode == 1
    assert "[FAIL] relu_backward agrees with central differences" in result.stdout
    assert "diagnosis: the sign is flipped" in result.stdout


def test_check_explains_a_file_that_does_not_import(root, tmp_path):
    broken = tmp_path / "cs231n_layers.py"
    broken.write_text("def affine_forward(x, w, b)\n    return x\n")
    result = s30("check", "26", "--impl", str(broken), cwd=root)
    assert result.returncode == 1
    assert "cannot import cs231n_layers.py" in result.stdout and "SyntaxError" in result.stdout


def test_unknown_assignment_is_a_clear_error(root):
    result = s30("check", "99", cwd=root)
    assert result.returncode == 2 and "no assignment '99'" in result.stderr


def test_readme_lists_every_assignment():
    from autograder.cli import papers_table
    from autograder.course import Course

    readme = (REPO / "README.md").read_text()
    start = readme.index("<!-- papers")
    table = readme[readme.index("\n", start) + 1 : readme.index("<!-- /papers -->")].strip()
    assert table == papers_table(Course(REPO)), "run `s30 list --markdown` and paste it"
