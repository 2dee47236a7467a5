"""Red-team and robustness tests of `s30 grade` on the example submissions of paper 26.

One batch grades every example, with an honest copy graded right after each attack in the same
sandbox (`attack_x_then_honest` sorts after `attack_x`). Set S30_REQUIRE_BWRAP=1 (CI does) to
fail instead of skipping the checks that only bubblewrap can promise.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.grading.batch import grade_batch
from autograder.leaks import find_leaks, private_material
from autograder.sandbox.launch import BUBBLEWRAP, detect
from helpers import REPO

sys.path.insert(0, str(REPO / "examples"))
from make_submissions import attack_targets, build  # noqa: E402

ATTACKS = sorted((REPO / "examples" / "attacks").glob("*.py"))
ISOLATION = detect()
needs_bwrap = pytest.mark.skipif(
    ISOLATION.mode != BUBBLEWRAP and not os.environ.get("S30_REQUIRE_BWRAP"),
    reason=f"bubblewrap unavailable: {ISOLATION.reason}",
)


def sandbox_processes() -> list[int]:
    """Live processes running as the sandbox uid (none should outlive a batch)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == ISOLATION.uid != os.getuid():
                    found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    submissions = root / "submissions"
    build(submissions)
    for attack in ATTACKS:
        shutil.copytree(submissions / "correct", submissions / f"attack_{attack.stem}_then_honest")
    out = root / "out"
    report = grade_batch(
        Course(REPO),
        submissions,
        out,
        only=["26_cs231n"],
        jobs=1,
        isolation=ISOLATION,
        show_progress=False,
    )
    return out, report


def results(out: Path, learner: str) -> dict:
    return json.loads((out / "learners" / learner / "26_cs231n" / "results.json").read_text())


def failing(result: dict) -> list[str]:
    return sorted(t["extra_data"]["check"] for t in result["tests"] if t["status"] != "passed")


def test_isolation_is_bubblewrap_when_required():
    if os.environ.get("S30_REQUIRE_BWRAP"):
        assert ISOLATION.mode == BUBBLEWRAP, ISOLATION.reason


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.stem for a in ATTACKS])
def test_each_attack_scores_zero_on_exactly_what_it_attacks(batch, attack):
    out, _ = batch
    if attack.stem == "read_solutions" and ISOLATION.mode != BUBBLEWRAP:
        pytest.skip("process-only isolation cannot hide the course's files")
    result = results(out, f"attack_{attack.stem}")
    assert failing(result) == sorted(attack_targets(attack))
    lost = sum(t["max_score"] for t in result["tests"] if t["status"] != "passed")
    assert result["score"] == 25 - lost


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.stem for a in ATTACKS])
def test_an_honest_learner_graded_right_after_each_attack_scores_full(batch, attack):
    out, _ = batch
    result = results(out, f"attack_{attack.stem}_then_honest")
    assert result["score"] == 25 and failing(result) == []


def test_correct_and_buggy_learners(batch):
    out, _ = batch
    assert results(out, "correct")["score"] == 25
    for learner in ("zipped_in_a_folder", "with_helper_file"):
        assert results(out, learner)["score"] == 25
    for learner in (
        "bug_sign_flip",
        "bug_mean_not_sum",
        "bug_no_one_hot",
        "bug_no_max_shift",
        "bug_no_bias_correction",
        "bug_in_place",
    ):
        score = results(out, learner)["score"]
        assert 0 < score < 25, learner
    messages = [t["output"] for t in results(out, "bug_sign_flip")["tests"]]
    assert any("diagnosis: the sign is flipped" in m for m in messages)


def test_malformed_submissions_get_one_clear_message_each(batch):
    out, _ = batch
    expected = {
        "syntax_error": ("import error", "SyntaxError"),
        "crash_at_import": ("import error", "RuntimeError: half-finished edit"),
        "uses_torch": ("policy violation", "imports torch"),
        "not_utf8": ("rejected", "not UTF-8"),
        "huge_file": ("rejected", "the limit is"),
        "empty": ("missing module", "no cs231n_layers.py"),
        "zip_slip": ("rejected", "unsafe path"),
        "zip_symlink": ("rejected", "symbolic link"),
        "not_a_zip": ("rejected", "could not be read"),
    }
    for learner, (status, fragment) in expected.items():
        result = results(out, learner)
        extra = result["extra_data"]
        assert (extra["status"], result["score"]) == (status, 0), learner
        assert fragment in extra["note"], (learner, extra["note"])
        assert {t["output"] for t in result["tests"]} == {extra["note"]}
    wrong = results(out, "wrong_signature")
    assert failing(wrong) and all("affine" in name for name in failing(wrong))
    missing = results(out, "missing_function")
    assert all("softmax" in name for name in failing(missing))
    assert "has no function 'softmax_loss'" in json.dumps(missing)


def test_gradebook_has_one_row_per_learner(batch):
    out, report = batch
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0] == "learner,assignment,score,max_score,status"
    learners = [line.split(",")[0] for line in lines[1:]]
    assert len(learners) == len(set(learners)) == report.graded
    assert "correct,26_cs231n,25,25,ok" in lines


def test_results_follow_the_gradescope_schema(batch):
    out, _ = batch
    result = results(out, "bug_sign_flip")
    assert isinstance(result["score"], float) and isinstance(result["tests"], list)
    assert result["extra_data"]["seed"] == 2026
    assert result["extra_data"]["isolation"] == ISOLATION.mode
    for test in result["tests"]:
        assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(test)
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert test["status"] in ("passed", "failed")
    assert sum(t["max_score"] for t in result["tests"]) == 25


def test_feedback_and_summary_are_written(batch):
    out, _ = batch
    feedback = (out / "learners/bug_sign_flip/26_cs231n/feedback.md").read_text()
    assert "score **" in feedback and "## What to fix" in feedback and "sign is flipped" in feedback
    page = (out / "learners/attack_forge_output/26_cs231n/feedback.html").read_text()
    assert "<script" not in page
    summary = (out / "summary.html").read_text()
    assert summary.count("data:image/png;base64,") == 1
    assert "Most common diagnoses" in summary and "Not graded normally" in summary


def test_no_output_holds_a_solution_line(batch):
    out, _ = batch
    assert find_leaks(out, private_material(Course(REPO))) == []


def test_no_process_is_left_behind(batch):
    deadline = time.monotonic() + 5
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes() == []


@needs_bwrap
def test_forged_reports_and_daemons_touch_nothing_outside(batch):
    out, _ = batch
    assert not (out / "learners" / "attack_forge_output" / "results.json").exists()
    forged = [p for p in Path("/tmp").glob("results.json")]
    assert all(json.loads(p.read_text()).get("score") != 25.0 for p in forged)
    events = results(out, "attack_background_daemon")["extra_data"]["events"]
    assert any("left" in event for event in events)


def test_a_killed_batch_resumes_without_losing_or_duplicating(tmp_path):
    submissions = tmp_path / "subs"
    build(tmp_path / "all")
    submissions.mkdir()
    for name in (
        "attack_infinite_loop",
        "correct",
        "bug_sign_flip",
        "bug_no_one_hot",
        "attack_os_exit",
        "empty",
    ):
        shutil.move(tmp_path / "all" / name, submissions / name)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "autograder.cli",
        "grade",
        str(submissions),
        "--out",
        str(out),
        "--assignment",
        "26",
        "--jobs",
        "2",
        "--quiet",
    ]
    first = subprocess.Popen(
        command,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("learners/*/*/results.json"))) < 2:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_before = {p: p.stat().st_mtime_ns for p in out.glob("learners/*/*/results.json")}
    assert 2 <= len(done_before) < 6
    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"{6 - len(done_before)} graded, {len(done_before)} already done" in second.stdout
    for path, mtime in done_before.items():
        assert path.stat().st_mtime_ns == mtime
    rows = (out / "grades.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(p.name for p in submissions.iterdir())
    assert not list(out.rglob(".results.json.*"))
    again = subprocess.run(
        command + ["--force"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert "6 graded, 0 already done" in again.stdout


@pytest.mark.parametrize("policy", ["message", "name", "hidden"])
def test_hidden_feedback_follows_the_assignments_policy(course_copy, policy):
    from autograder.grading import feedback
    from autograder.grading.grader import Grader
    from autograder.grading.results import gradescope_results
    from autograder.grading.submissions import Submission

    toml = course_copy.root / "assignments/26_cs231n/assignment.toml"
    toml.write_text(
        toml.read_text().replace('hidden_feedback = "message"', f'hidden_feedback = "{policy}"')
    )
    assignment = course_copy.get(26)
    solution = assignment.solution_path.read_text()
    wrong = solution.replace("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")
    grader = Grader(course_copy, ISOLATION)
    try:
        graded = grader.grade(
            assignment, Submission("learner", {assignment.module_file: wrong.encode()})
        )
    finally:
        grader.close()
    tests = {t["extra_data"]["check"]: t for t in gradescope_results(graded)["tests"]}
    hidden = tests["hidden::test_affine_backward"]
    public = tests["public::test_affine_backward_numeric"]
    page = feedback.markdown(graded)
    assert "diagnosis" in public["output"] and public["visibility"] == "visible"
    if policy == "message":
        assert "affine_backward" in hidden["output"] and hidden["visibility"] == "visible"
        assert "affine_backward (x of shape" in page
    elif policy == "name":
        assert hidden["output"] == "This hidden check did not pass."
        assert "affine_backward (x of shape" not in page and "affine_backward matches torch" in page
    else:
        assert hidden["visibility"] == "after_published"
        assert "affine_backward matches torch" not in page
        assert "Hidden checks: 13/15 points" in page
