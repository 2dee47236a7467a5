"""`s30 verify` passes on the real course and fails on planted vacuous checks."""

from autograder.course import Course
from autograder.verify import verify_assignment
from helpers import REPO


def test_real_course_verifies():
    for assignment in Course(REPO).assignments():
        result = verify_assignment(assignment)
        assert result.ok, result.problems
        assert all(v.status == "passed" for v in result.solution)
        assert all(v.status == "not implemented" for v in result.stub)
        assert all(result.killers(check) for check in result.checks)


def _append(path, text):
    path.write_text(path.read_text() + text)


def test_a_vacuous_check_is_reported(course_copy):
    _append(
        course_copy.root / "solutions/26_cs231n/test_hidden.py",
        "\n\n@pytest.mark.points(1)\ndef test_vacuous(impl):\n    assert impl is not None\n",
    )
    _append(course_copy.root / "assignments/26_cs231n/assignment.toml", "")
    toml = course_copy.root / "assignments/26_cs231n/assignment.toml"
    toml.write_text(toml.read_text().replace("points = 25", "points = 26"))
    result = verify_assignment(course_copy.get(26))
    assert "hidden::test_vacuous passes on the stub: it cannot fail" in result.problems
    assert "hidden::test_vacuous fails on no mutant: add a bug it should catch" in result.problems


def test_a_check_that_fails_for_another_reason_on_the_stub_is_reported(course_copy):
    _append(
        course_copy.root / "solutions/26_cs231n/test_hidden.py",
        "\n\ndef test_broken(impl):\n    raise KeyError('oops')\n",
    )
    result = verify_assignment(course_copy.get(26), with_mutants=False)
    assert any("test_broken fails on the stub with error" in p for p in result.problems)


def test_a_surviving_mutant_is_reported(course_copy):
    _append(
        course_copy.root / "solutions/26_cs231n/mutants.py",
        '\nMUTANTS["harmless rename"] = [("dx = np.where(cache", "dx = 1.0 * np.where(cache")]\n',
    )
    result = verify_assignment(course_copy.get(26))
    assert "mutant 'harmless rename' passes every check" in result.problems


def test_points_must_match_the_manifest(course_copy):
    toml = course_copy.root / "assignments/26_cs231n/assignment.toml"
    toml.write_text(toml.read_text().replace("points = 25", "points = 30"))
    result = verify_assignment(course_copy.get(26), with_mutants=False)
    assert "assignment.toml declares 30 points, the checks sum to 25" in result.problems


def test_manifest_functions_must_exist(course_copy):
    toml = course_copy.root / "assignments/26_cs231n/assignment.toml"
    toml.write_text(toml.read_text().replace('"adam_step",', '"adam_step", "sgd_step",'))
    result = verify_assignment(course_copy.get(26), with_mutants=False)
    assert "assignment.toml lists sgd_step, which cs231n_layers.py lacks" in result.problems
