"""Expected values for public checks: computed by the reference, baked into the edition.

Public checks cannot hold the reference, so they ask ``baked("affine", x, w, b)``. In the
instructor repo that runs the torch reference live (and records the result); ``s30 release``
saves the record as ``expected.npz`` beside the public checks; in the student edition the
same call is a lookup keyed by the function name and a digest of the exact inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder import torchref


class BakedValueMissing(LookupError):
    """The edition has no expected value for these inputs."""


def _digest(value: Any, digest: Any) -> None:
    """Feed a value's exact contents to the hash: arrays by bytes, containers leaf by leaf."""
    if isinstance(value, np.ndarray):
        digest.update(f"a{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        digest.update(f"d{len(value)}".encode())
        for key in sorted(value):
            digest.update(repr(key).encode())
            _digest(value[key], digest)
    elif isinstance(value, (tuple, list)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _digest(item, digest)
    else:
        digest.update(repr(value).encode())


def baked_key(name: str, args: tuple[Any, ...]) -> str:
    digest = hashlib.sha256(name.encode())
    _digest(args, digest)
    return f"{name}-{digest.hexdigest()[:20]}"


def _copy(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return np.array(value, copy=True)


class LiveBaked:
    """Instructor side: run ``reference.<name>(*args)`` through torch, remembering each result."""

    def __init__(self, reference: Callable[[], ModuleType]):
        self.reference = reference
        self.recorded: dict[str, Any] = {}

    def __call__(self, name: str, *args: Any) -> Any:
        key = baked_key(name, args)
        if key not in self.recorded:
            self.recorded[key] = torchref.forward(getattr(self.reference(), name), *args)
        return _copy(self.recorded[key])

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for key, value in self.recorded.items():
            parts = value if isinstance(value, tuple) else (value,)
            arrays[f"{key}.n"] = np.array(len(parts) if isinstance(value, tuple) else -1)
            for i, part in enumerate(parts):
                arrays[f"{key}.{i}"] = np.asarray(part)
        np.savez_compressed(path, **arrays)


class FileBaked:
    """Learner side: look expected values up in the edition's ``expected.npz``."""

    def __init__(self, path: Path):
        self.path = path
        self._arrays: dict[str, np.ndarray] | None = None

    def __call__(self, name: str, *args: Any) -> Any:
        if self._arrays is None:
            if not self.path.is_file():
                raise BakedValueMissing(f"{self.path} is missing; rebuild with `s30 release`")
            with np.load(self.path, allow_pickle=False) as data:
                self._arrays = {k: data[k] for k in data.files}
        key = baked_key(name, args)
        if f"{key}.n" not in self._arrays:
            raise BakedValueMissing(
                f"no expected value for {name}(...) with these inputs in {self.path.name}; "
                "the check's inputs must stay as released"
            )
        count = int(self._arrays[f"{key}.n"])
        if count < 0:
            return self._arrays[f"{key}.0"].copy()
        return tuple(self._arrays[f"{key}.{i}"].copy() for i in range(count))
