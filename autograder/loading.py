"""Import a Python file by path, once per process, under a name that cannot clash."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

_loaded: dict[tuple[str, str], ModuleType] = {}


def _inside(module: ModuleType, folders: set[Path]) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve().parent in folders


def load_module(path: Path, tag: str = "s30", search: Sequence[Path] = ()) -> ModuleType:
    """Import ``path`` as a fresh module named after its location; cached per (path, tag).

    The file's folder and ``search`` folders are on ``sys.path`` while it runs, so a module can
    import the read-only helpers that ship beside the assignment (``provided.py``). Those
    helpers are then dropped from ``sys.modules``: two assignments may both have a
    ``provided.py`` without one shadowing the other.
    """
    path = Path(path).resolve()
    cache_key = (str(path), tag)
    if cache_key in _loaded:
        return _loaded[cache_key]
    digest = hashlib.sha1(f"{path}|{tag}".encode()).hexdigest()[:10]
    name = f"_{tag.replace('-', '_')}_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    folders = [str(path.parent), *(str(Path(p).resolve()) for p in search)]
    before = set(sys.modules)
    sys.modules[name] = module
    sys.path[:0] = folders
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        del sys.path[: len(folders)]
        resolved = {Path(f) for f in folders}
        for added in set(sys.modules) - before - {name}:
            if _inside(sys.modules[added], resolved):
                del sys.modules[added]
    _loaded[cache_key] = module
    return module
