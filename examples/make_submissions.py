"""Build a folder of example submissions for paper 26 (default: examples/submissions/).

Honest and buggy learners are generated from the course's solution and its mutants, so they
never drift from it; attacks are the small files in examples/attacks/, appended to an honest
module (a later definition replaces an earlier one). The rest are malformed submissions: a
syntax error, a crash at import, a missing function, a wrong signature, a forbidden import,
non-UTF-8 text, an empty folder, a huge file, and zips with a `..` path, a symbolic link, or
no zip inside at all.

    python examples/make_submissions.py [OUT]
"""

from __future__ import annotations

import re
import shutil
import stat
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from autograder.course import Course  # noqa: E402
from autograder.verify import load_mutants, mutate  # noqa: E402

MODULE = "cs231n_layers.py"
BUGS = {
    "bug_sign_flip": "affine_backward flips the sign of dw",
    "bug_mean_not_sum": "affine_backward averages db over the batch",
    "bug_no_one_hot": "softmax_loss forgets the one-hot term",
    "bug_no_max_shift": "softmax_loss skips the max shift",
    "bug_no_bias_correction": "adam_step skips the bias correction",
    "bug_in_place": "relu_forward works in place",
}


def attack_targets(path: Path) -> list[str]:
    """The checks an attack must fail: its ``# Fails:`` header and the indented lines after it."""
    match = re.search(r"^# Fails: (.*(?:\n#  +\S.*)*)", path.read_text(), re.MULTILINE)
    names = match.group(1).replace("#", " ").split() if match else []
    return [] if names == ["nothing"] else names


def _write(folder: Path, name: str, data: bytes | str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)


def build(out: Path) -> list[str]:
    assignment = Course(REPO).get(26)
    solution = assignment.solution_path.read_text()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    _write(out / "correct", MODULE, solution)
    mutants = load_mutants(assignment)
    for learner, bug in BUGS.items():
        _write(out / learner, MODULE, mutate(solution, mutants[bug], bug))
    for attack in sorted((HERE / "attacks").glob("*.py")):
        _write(out / f"attack_{attack.stem}", MODULE, solution + "\n\n" + attack.read_text())

    _write(
        out / "syntax_error",
        MODULE,
        solution.replace("def relu_forward(x):", "def relu_forward(x)"),
    )
    _write(
        out / "crash_at_import", MODULE, solution + "\nraise RuntimeError('half-finished edit')\n"
    )
    _write(
        out / "missing_function", MODULE, solution.replace("def softmax_loss(", "def softmax_los(")
    )
    _write(
        out / "wrong_signature",
        MODULE,
        solution.replace("def affine_forward(x, w, b):", "def affine_forward(x, w):"),
    )
    _write(out / "uses_torch", MODULE, "import torch\n" + solution)
    _write(out / "not_utf8", MODULE, solution.encode() + "\n# r\xe9sum\xe9\n".encode("latin-1"))
    _write(out / "huge_file", MODULE, solution + "#" * (2 * 1024 * 1024) + "\n")
    (out / "empty").mkdir()
    _write(out / "with_helper_file", "notes.txt", "my notes")
    _write(out / "with_helper_file", MODULE, solution)

    with zipfile.ZipFile(out / "zipped_in_a_folder.zip", "w") as zf:
        zf.writestr(f"homework/{MODULE}", solution)
        zf.writestr("__MACOSX/homework/._cs231n_layers.py", "resource fork")
    with zipfile.ZipFile(out / "zip_slip.zip", "w") as zf:
        zf.writestr(MODULE, solution)
        zf.writestr("../../escaped.py", "print('written outside')\n")
    with zipfile.ZipFile(out / "zip_symlink.zip", "w") as zf:
        zf.writestr(MODULE, solution)
        link = zipfile.ZipInfo("solutions_link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/work/main/solutions/26_cs231n/cs231n_layers.py")
    (out / "not_a_zip.zip").write_bytes(b"this is not a zip archive\n")
    return sorted(p.name for p in out.iterdir())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "submissions"
    names = build(target)
    print(f"{len(names)} example submissions in {target}")
