"""Reading submissions: data only, with one clear reason when a submission is refused."""

import os
import stat
import zipfile

from autograder.grading.submissions import MAX_FILE_BYTES, Submission, read_submissions
from autograder.policy import policy_violations


def by_learner(root):
    return {s.learner: s for s in read_submissions(root)}


def test_folders_and_zips_are_read_without_extracting(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mod.py").write_text("x = 1\n")
    (tmp_path / "alice" / "notes.txt").write_text("ignored")
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as zf:
        zf.writestr("hw/mod.py", "x = 2\n")
        zf.writestr("hw/deeper/mod.py", "x = 3\n")
        zf.writestr("__MACOSX/hw/._mod.py", "junk")
    subs = by_learner(tmp_path)
    assert subs["alice"].files == {"mod.py": b"x = 1\n"}
    assert subs["bob"].files == {"mod.py": b"x = 2\n"}  # the shallowest wins
    assert subs["alice"].problem is None and subs["bob"].problem is None
    assert sorted(os.listdir(tmp_path)) == ["alice", "bob.zip"]


def test_unsafe_zips_are_refused_with_a_reason(tmp_path):
    with zipfile.ZipFile(tmp_path / "slip.zip", "w") as zf:
        zf.writestr("mod.py", "x = 1\n")
        zf.writestr("../../evil.py", "x = 2\n")
    with zipfile.ZipFile(tmp_path / "absolute.zip", "w") as zf:
        zf.writestr("/etc/evil.py", "x = 2\n")
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as zf:
        info = zipfile.ZipInfo("mod.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mod.py", "#" * (MAX_FILE_BYTES + 10))
    (tmp_path / "garbage.zip").write_bytes(b"not a zip")
    subs = by_learner(tmp_path)
    assert "unsafe path ('../../evil.py')" in subs["slip"].problem
    assert "unsafe path" in subs["absolute"].problem
    assert "symbolic link" in subs["link"].problem
    assert "the limit is" in subs["big"].problem
    assert "could not be read" in subs["garbage"].problem
    assert not (tmp_path.parent / "evil.py").exists()


def test_symlinks_in_folders_are_refused(tmp_path):
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "mod.py").symlink_to("/etc/passwd")
    (tmp_path / "dave").symlink_to(tmp_path / "carol")
    subs = by_learner(tmp_path)
    assert "symbolic link (mod.py)" in subs["carol"].problem
    assert "symbolic link" in subs["dave"].problem


def test_awkward_learner_ids_get_safe_folder_names(tmp_path):
    for name in ("=cmd|calc", "émile", "ok.name"):
        assert Submission(name).slug.replace("-", "").replace(".", "").replace("_", "").isalnum()
    assert Submission("ok.name").slug == "ok.name"
    assert Submission("=cmd|calc").slug != Submission("=cmd|cal").slug


def test_policy_scan_finds_autodiff_imports_without_running_code():
    source = b"import numpy\nimport torch.nn as nn\nfrom jax import grad\n__import__('autograd')\n"
    assert policy_violations(source) == ["autograd", "jax", "torch"]
    assert policy_violations(b"import numpy as np\n") == []
    assert policy_violations(b"def broken(:\n") == []
