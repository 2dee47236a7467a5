"""An interpreter the sandbox user may execute, with numpy and nothing else.

The trusted interpreter often lives where an unprivileged uid cannot read it (pyenv under
/root), and its site-packages hold torch, which learners may not use. So grading runs learner
code on a copy: the interpreter binary, its shared library, the standard library (without
tests, Tk, IDLE) and numpy, in a world-readable folder built once per Python and numpy version
(about 160 MB, about a second). The sandbox's own two files, ``worker.py`` and ``wire.py``,
are copied beside it under a content hash, so an edited engine never runs a stale worker.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORKER_FILES = ("worker.py", "wire.py")
_SKIP_STDLIB = shutil.ignore_patterns(
    "test",
    "tests",
    "idle_test",
    "config-*",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "lib2to3",
    "site-packages",
    "dist-packages",
)


@dataclass(frozen=True)
class Runtime:
    root: Path
    python: Path
    site: Path
    worker_dir: Path

    @property
    def library_path(self) -> Path:
        return self.root / "lib"


def default_location() -> Path:
    if os.environ.get("S30_RUNTIME_DIR"):
        return Path(os.environ["S30_RUNTIME_DIR"])
    if os.geteuid() == 0:
        return Path("/var/tmp/s30-runtime")
    return Path.home() / ".cache" / "s30-runtime"


def _version_tag() -> str:
    digest = hashlib.sha1(f"{sys.base_prefix}|{sys.version}|{np.__version__}".encode()).hexdigest()
    return f"py{sys.version_info.major}{sys.version_info.minor}-np{np.__version__}-{digest[:8]}"


def _make_readable(path: Path) -> None:
    for folder, _, files in os.walk(path):
        os.chmod(folder, 0o755)
        for name in files:
            file = Path(folder) / name
            file.chmod(0o755 if os.access(file, os.X_OK) else 0o644)


def _build(target: Path) -> None:
    base = Path(sys.base_prefix)
    stdlib = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (target / "bin").mkdir(parents=True)
    shutil.copy2(os.path.realpath(sys.executable), target / "bin" / "python3")
    (target / "lib").mkdir()
    for library in (base / "lib").glob("libpython*.so*"):
        shutil.copy2(library, target / "lib" / library.name)
    shutil.copytree(base / "lib" / stdlib, target / "lib" / stdlib, ignore=_SKIP_STDLIB)
    site = target / "lib" / stdlib / "site-packages"
    numpy_dir = Path(np.__file__).parent
    for folder in (numpy_dir, numpy_dir.parent / "numpy.libs"):
        if folder.is_dir():
            shutil.copytree(folder, site / folder.name, ignore=shutil.ignore_patterns("tests"))
    _make_readable(target)


def _worker_copy(root: Path) -> Path:
    source = Path(__file__).parent
    digest = hashlib.sha1(b"".join((source / f).read_bytes() for f in WORKER_FILES))
    target = root / f"worker-{digest.hexdigest()[:12]}"
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".worker-"))
        for name in WORKER_FILES:
            shutil.copy2(source / name, staging / name)
        _make_readable(staging)
        try:
            staging.rename(target)
        except OSError:  # another grader won the race
            shutil.rmtree(staging, ignore_errors=True)
    return target


def ensure_runtime(location: Path | None = None) -> Runtime:
    """The runtime for this interpreter and numpy, built on first use."""
    root = location or default_location()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    target = root / _version_tag()
    if not (target / "bin" / "python3").exists():
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
        try:
            _build(staging / "rt")
            (staging / "rt").rename(target)
        except OSError:
            if not (target / "bin" / "python3").exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    stdlib = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return Runtime(
        root=target,
        python=target / "bin" / "python3",
        site=target / "lib" / stdlib / "site-packages",
        worker_dir=_worker_copy(root),
    )
