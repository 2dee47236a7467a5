"""The sandbox proxy's contract, on a toy learner module."""

import types

import numpy as np
import pytest

from autograder.runner import LearnerError
from autograder.sandbox.launch import Sandbox, detect
from autograder.sandbox.proxy import RemoteModule
from autograder.sandbox.runtime import ensure_runtime
from autograder.testing import CheckFailure, call_unmutated, using_solution

LEARNER = b"""
import numpy as np

def double(x):
    return 3 * x          # wrong on purpose

def quad(x):
    return double(double(x))

def apply(fn, x):
    return fn(x)

def exp(x):
    return np.exp(x)

def spin():
    while True:
        pass

def scale_in_place(x):
    x *= 2
    return x

def not_done(x):
    raise NotImplementedError("not_done")
"""
PROVIDED = b"def step(x):\n    return x + 1\n"


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(detect(), ensure_runtime())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def impl(sandbox):
    provided = types.ModuleType("provided")
    exec(PROVIDED, vars(provided))
    solution = types.SimpleNamespace(double=lambda x: 2 * x)
    module = RemoteModule(
        sandbox,
        {"toy.py": LEARNER, "provided.py": PROVIDED},
        "toy",
        limits={"memory_mb": 512, "cpu_seconds": 30, "file_bytes": 1 << 20, "processes": 16},
        call_seconds=2,
        submission_seconds=60,
        solution=solution,
        provided=provided,
    )
    module.provided = provided
    yield module
    module.close()


def test_calls_return_plain_data(impl):
    out = impl.double(np.arange(3.0))
    assert type(out) is np.ndarray and out.tolist() == [0.0, 3.0, 6.0]


def test_swapped_sublayers_call_back_into_the_solution(impl):
    assert impl.quad(1.0) == 9.0
    with using_solution(impl, types.SimpleNamespace(double=lambda x: 2 * x), "double"):
        assert impl.quad(1.0) == 4.0
    assert impl.quad(1.0) == 9.0


def test_provided_functions_are_passed_by_name(impl):
    assert impl.apply(impl.provided.step, np.ones(2)).tolist() == [2.0, 2.0]


def test_the_callers_errstate_applies_in_the_sandbox(impl):
    with np.errstate(over="ignore"):
        assert impl.exp(1000.0) == np.inf
    with np.errstate(over="raise"), pytest.raises(LearnerError, match="FloatingPointError"):
        impl.exp(1000.0)


def test_variations_evaluate_in_one_round_trip(impl):
    x = np.array([1.0, 2.0])
    variations = [(0, [], 0, 0.5), (0, [], 1, -1.0)]
    got = impl.double.vary((x,), variations)
    assert [g.tolist() for g in got] == [[4.5, 6.0], [3.0, 3.0]]
    assert x.tolist() == [1.0, 2.0]


def test_a_hang_costs_one_call_and_the_session_restarts(impl):
    with pytest.raises(LearnerError, match="did not return within 2 s"):
        impl.spin()
    assert impl.double(1.0) == 3.0
    assert "spin timed out" in impl.events


def test_in_place_changes_are_seen_across_the_boundary(impl):
    x = np.ones(3)
    with pytest.raises(CheckFailure, match="changed its argument 'x' in place"):
        call_unmutated(impl.scale_in_place, x)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_missing_and_unfinished_functions(impl):
    with pytest.raises(LearnerError, match="has no function 'triple'"):
        impl.triple(1.0)
    with pytest.raises(NotImplementedError, match="not_done"):
        impl.not_done(1.0)


def test_builtin_exception_types_survive_the_boundary(sandbox):
    source = b"def pick(d, k):\n    return d[k]\n\ndef bad(x):\n    raise ValueError('no')\n"
    module = RemoteModule(
        sandbox,
        {"m.py": source},
        "m",
        limits={"memory_mb": 512, "cpu_seconds": 30, "file_bytes": 1 << 20, "processes": 16},
        call_seconds=2,
        submission_seconds=60,
    )
    try:
        with pytest.raises(ValueError, match="bad raised ValueError: no"):
            module.bad(1.0)
        with pytest.raises(KeyError) as info:
            module.pick({"a": 1.0}, "b")
        assert str(info.value).startswith("pick raised KeyError")
        assert isinstance(info.value, LearnerError)
    finally:
        module.close()


def test_provided_functions_come_back_by_name_when_arguments_return(impl):
    value = call_unmutated(impl.apply, impl.provided.step, np.ones(2))
    assert value.tolist() == [2.0, 2.0]


@pytest.mark.skipif(detect().mode != "bubblewrap", reason="bubblewrap only")
def test_scratch_space_and_processes_are_bounded(sandbox):
    source = b"""
import os

def fill():
    written = 0
    try:
        for i in range(1000):
            with open(f"/tmp/blob{i}", "wb") as handle:
                handle.write(b"x" * (4 << 20))
            written += 4 << 20
    except OSError:
        pass
    return written

def forks():
    made = 0
    try:
        while made < 100:
            if os.fork() == 0:
                import time
                time.sleep(30)
                os._exit(0)
            made += 1
    except OSError:
        pass
    return made
"""
    module = RemoteModule(
        sandbox, {"m.py": source}, "m",
        limits={"memory_mb": 512, "cpu_seconds": 30, "file_bytes": 16 << 20, "processes": 8},
        call_seconds=10, submission_seconds=60,
    )
    try:
        assert module.fill() <= 64 << 20
        assert module.forks() < 8
    finally:
        module.close()
    assert any("left" in event for event in module.events)
