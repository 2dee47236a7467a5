"""Solution regions become TODO stubs that keep the contract visible."""

import pytest

from autograder.strip import StripError, solution_regions, strip_solutions

SOLUTION = '''import numpy as np


def scale_forward(x, a):
    """Multiply x by a.

    Returns a tuple of:
    - out: of the same shape as x
    - cache: dict with keys "x", "a"
    """
    ### BEGIN SOLUTION
    # TODO: multiply, and remember the inputs.
    out = a * x
    cache = {"x": x, "a": a}
    ### END SOLUTION
    return out, cache


def untouched():
    return 1
'''


def test_regions_become_hint_and_not_implemented():
    stub = strip_solutions(SOLUTION)
    assert "out = a * x" not in stub
    assert 'cache = {"x": x, "a": a}' not in stub
    assert "# TODO: multiply, and remember the inputs." in stub
    assert 'raise NotImplementedError("scale_forward")' in stub
    assert "    return out, cache" in stub
    assert '"""Multiply x by a.' in stub
    assert "def untouched():\n    return 1" in stub


def test_stub_raises_not_implemented():
    namespace = {}
    exec(compile(strip_solutions(SOLUTION), "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="scale_forward"):
        namespace["scale_forward"](1.0, 2.0)
    assert namespace["untouched"]() == 1


def test_solution_regions_lists_region_lines():
    regions = solution_regions(SOLUTION)
    assert len(regions) == 1
    assert "    out = a * x" in regions[0]


@pytest.mark.parametrize(
    "broken, message",
    [
        (SOLUTION.replace("    ### END SOLUTION\n", ""), "never closed"),
        (SOLUTION.replace("    ### BEGIN SOLUTION\n", ""), "END SOLUTION without BEGIN"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function"),
        (
            SOLUTION.replace(
                "    # TODO: multiply", "    ### BEGIN SOLUTION\n    # TODO: multiply"
            ),
            "inside another region",
        ),
    ],
)
def test_malformed_regions_are_rejected(broken, message):
    with pytest.raises(StripError, match=message):
        strip_solutions(broken)
