"""The library policy: NumPy assignments may not use autodiff or tensor libraries."""

from __future__ import annotations

import ast

POLICY_LIBRARIES = frozenset(
    {
        "torch",
        "jax",
        "jaxlib",
        "tensorflow",
        "autograd",
        "mxnet",
        "cupy",
        "paddle",
        "theano",
        "chainer",
        "tinygrad",
        "mlx",
    }
)


def policy_violations(source: bytes) -> list[str]:
    """Autodiff libraries the source imports (parsed, never run; unparsable source -> [])."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in POLICY_LIBRARIES)
    return sorted(found)
