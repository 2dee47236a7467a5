"""Import a Python file by path, once per process, under a name that cannot clash."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_loaded: dict[tuple[str, str], ModuleType] = {}


def load_module(path: Path, tag: str = "s30") -> ModuleType:
    """Import ``path`` as a fresh module named after its location; cached per (path, tag).

    The folder is put on ``sys.path`` while the file runs, so a module may import the
    read-only helpers that ship beside it (``provided.py``).
    """
    path = Path(path).resolve()
    cache_key = (str(path), tag)
    if cache_key in _loaded:
        return _loaded[cache_key]
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_{tag}_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.path.remove(folder)
    _loaded[cache_key] = module
    return module


def forget(path: Path, tag: str = "s30") -> None:
    """Drop a cached module so the next load re-imports the file (used for temp files)."""
    module = _loaded.pop((str(Path(path).resolve()), tag), None)
    if module is not None:
        sys.modules.pop(module.__name__, None)
