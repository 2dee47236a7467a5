"""Fixtures for the kit's own tests."""

import pytest

from helpers import copy_course


@pytest.fixture
def course_copy(tmp_path):
    """A throwaway copy of paper 26 to plant bugs and leaks in."""
    return copy_course(tmp_path / "course", ["26_cs231n"])
