"""Read a folder of submissions, one folder or zip per learner, without trusting any of it.

Only ``.py`` files are read, into memory: nothing from a submission is ever extracted to disk,
so no path a zip names can be written to. A zip entry with an absolute or ``..`` path, a
symbolic link (in a folder or a zip), a file over the size limit, too many files, or a zip that
is not a zip rejects that learner's submission with one clear message; the batch goes on.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 200
MAX_DEPTH = 4
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


@dataclass
class Submission:
    learner: str
    files: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None

    @property
    def slug(self) -> str:
        """A name safe to use as a folder: the id itself when it is tame."""
        if SAFE_ID.match(self.learner) and self.learner not in (".", ".."):
            return self.learner
        tame = re.sub(r"[^A-Za-z0-9._-]+", "_", self.learner).strip("._") or "learner"
        return f"{tame[:40]}-{hashlib.sha1(self.learner.encode()).hexdigest()[:8]}"


def _too_big(name: str, size: int) -> str:
    return f"{name} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"


def _add(files: dict[str, bytes], depths: dict[str, int], name: str, depth: int, data: bytes):
    """Keep the shallowest file of each name (a zip often wraps everything in one folder)."""
    if name not in files or depth < depths[name]:
        files[name], depths[name] = data, depth


def read_folder(learner: str, folder: Path) -> Submission:
    submission = Submission(learner)
    depths: dict[str, int] = {}
    count = 0
    for current, dirs, names in os.walk(folder, followlinks=False):
        depth = len(Path(current).relative_to(folder).parts)
        for name in dirs + names:
            if os.path.islink(os.path.join(current, name)):
                submission.problem = f"the submission contains a symbolic link ({name})"
                return submission
        dirs[:] = [d for d in dirs if depth < MAX_DEPTH and not d.startswith((".", "__"))]
        for name in names:
            path = Path(current) / name
            count += 1
            if count > MAX_FILES:
                submission.problem = f"the submission has more than {MAX_FILES} files"
                return submission
            info = path.lstat()
            if not name.endswith(".py") or not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size > MAX_FILE_BYTES:
                submission.problem = _too_big(name, info.st_size)
                return submission
            _add(submission.files, depths, name, depth, path.read_bytes())
    return submission


def _unsafe_entry(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name) is not None


def read_zip(learner: str, archive: Path) -> Submission:
    submission = Submission(learner)
    depths: dict[str, int] = {}
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = zf.infolist()
            if len(entries) > MAX_FILES:
                submission.problem = f"the zip has more than {MAX_FILES} entries"
                return submission
            for entry in entries:
                name = entry.filename
                if _unsafe_entry(name):
                    submission.problem = f"the zip contains an unsafe path ({name!r})"
                    return submission
                if stat.S_ISLNK(entry.external_attr >> 16):
                    submission.problem = f"the zip contains a symbolic link ({name!r})"
                    return submission
                parts = PurePosixPath(name).parts
                if entry.is_dir() or not name.endswith(".py") or parts[0] == "__MACOSX":
                    continue
                if len(parts) > MAX_DEPTH + 1:
                    continue
                if entry.file_size > MAX_FILE_BYTES:
                    submission.problem = _too_big(parts[-1], entry.file_size)
                    return submission
                with zf.open(entry) as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)
                if len(data) > MAX_FILE_BYTES:  # the header lied about the size
                    submission.problem = _too_big(parts[-1], len(data))
                    return submission
                _add(submission.files, depths, parts[-1], len(parts) - 1, data)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        submission.problem = f"the zip could not be read ({exc})"
    return submission


def read_submissions(root: Path) -> list[Submission]:
    """One Submission per learner: each folder, and each ``.zip``, directly under ``root``."""
    found: dict[str, Submission] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        learner = entry.stem if entry.suffix == ".zip" else entry.name
        if entry.is_symlink():
            submission = Submission(learner, problem="the submission is a symbolic link")
        elif entry.is_dir():
            submission = read_folder(learner, entry)
        elif entry.suffix == ".zip" and entry.is_file():
            submission = read_zip(learner, entry)
        else:
            continue
        if learner in found:
            found[learner].problem = f"two submissions for {learner!r} (a folder and a zip?)"
            continue
        found[learner] = submission
    return list(found.values())


def module_problem(name: str, data: bytes | None) -> str | None:
    """Why the learner module cannot be graded at all, or None."""
    if data is None:
        return f"no {name} in the submission"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{name} is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
    if not text.strip():
        return f"{name} is empty"
    return None
