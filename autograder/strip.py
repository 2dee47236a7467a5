"""Turn a solution module into the learner's stub.

A solution region sits inside a function body:

    ### BEGIN SOLUTION
    # TODO: a hint that the learner keeps
    y = some_computation(x)
    ### END SOLUTION
    return y

It becomes the region's ``# TODO`` lines followed by ``raise NotImplementedError("<function>")``.
Everything outside the regions (signature, docstring, the ``return`` line that shows the
contract) is kept verbatim.
"""

from __future__ import annotations

import ast

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class StripError(ValueError):
    """A solution file whose regions are malformed."""


def _enclosing_functions(source: str, filename: str) -> dict[int, str]:
    """Map each line number to the innermost function defined around it."""
    owner: dict[int, str] = {}
    tree = ast.parse(source, filename=filename)
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for node in sorted(nodes, key=lambda n: n.lineno):
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            owner[line] = node.name
    return owner


def solution_regions(source: str) -> list[list[str]]:
    """The lines inside each solution region (markers excluded)."""
    regions: list[list[str]] = []
    current: list[str] | None = None
    for line in source.splitlines():
        marker = line.strip()
        if marker.startswith(BEGIN):
            current = []
        elif marker.startswith(END):
            if current is not None:
                regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


def strip_solutions(source: str, filename: str = "<solution>") -> str:
    """The stub of a solution module; raises StripError on unbalanced or misplaced markers."""
    owner = _enclosing_functions(source, filename)
    out: list[str] = []
    region_start: int | None = None
    hints: list[str] = []
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker.startswith(BEGIN):
            if region_start is not None:
                raise StripError(f"{filename}:{number}: BEGIN SOLUTION inside another region")
            if number not in owner:
                raise StripError(
                    f"{filename}:{number}: a solution region must be inside a function"
                )
            region_start, hints = number, []
            continue
        if marker.startswith(END):
            if region_start is None:
                raise StripError(f"{filename}:{number}: END SOLUTION without BEGIN")
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(hints)
            out.append(f'{indent}raise NotImplementedError("{owner[region_start]}")\n')
            region_start = None
            continue
        if region_start is None:
            out.append(line)
        elif marker.startswith("# TODO"):
            hints.append(line)
    if region_start is not None:
        raise StripError(f"{filename}:{region_start}: BEGIN SOLUTION is never closed")
    stub = "".join(out)
    try:
        compile(stub, filename, "exec")
    except SyntaxError as exc:
        raise StripError(f"{filename}: the stub does not compile: {exc}") from None
    return stub
