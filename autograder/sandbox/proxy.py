"""The module under test when grading: the learner's module, living in a sandbox session.

``RemoteModule`` has the learner module's functions as attributes; calling one sends the
arguments across as data, waits (with a wall-clock limit) for data back, and returns it. Check
files use it exactly like an imported module. What comes back is decoded into plain ndarrays,
numbers, strings, tuples, lists and dicts: an ndarray subclass cannot cross.

A crash, a hang or a memory blow-up ends the session and fails the current call with a clear
message; the next call opens a fresh session (the module is imported again), so one bad call
costs one check. A module that cannot be imported, or that breaks the library policy, fails
every call with the same message. A per-submission deadline bounds the total time.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np

from autograder.policy import POLICY_LIBRARIES
from autograder.runner import LearnerError
from autograder.sandbox import wire
from autograder.sandbox.launch import Sandbox, SandboxError

_SIGNALS = {
    "signal 9": "it was killed (memory or time limit, or a kill signal)",
    "signal 24": "it ran out of CPU time",
    "signal 25": "it wrote too much to disk",
    "signal 11": "it crashed (segmentation fault)",
    "signal 6": "it aborted",
}


class LearnerValueError(LearnerError, ValueError):
    pass


class LearnerTypeError(LearnerError, TypeError):
    pass


class LearnerKeyError(LearnerError, KeyError):
    pass


class LearnerIndexError(LearnerError, IndexError):
    pass


class LearnerArithmeticError(LearnerError, ArithmeticError):
    pass


class LearnerFloatingPointError(LearnerError, FloatingPointError):
    pass


class LearnerZeroDivisionError(LearnerError, ZeroDivisionError):
    pass


class LearnerRuntimeError(LearnerError, RuntimeError):
    pass


# A learner exception of one of these types comes back as a LearnerError that is also an
# instance of the builtin type, so a check's `pytest.raises(ValueError)` works the same in the
# sandbox as in-process. Anything else (SystemExit included) is a plain LearnerError.
REMOTE_EXCEPTIONS: dict[str, type[LearnerError]] = {
    "ValueError": LearnerValueError,
    "LinAlgError": LearnerValueError,
    "TypeError": LearnerTypeError,
    "KeyError": LearnerKeyError,
    "IndexError": LearnerIndexError,
    "ArithmeticError": LearnerArithmeticError,
    "OverflowError": LearnerArithmeticError,
    "FloatingPointError": LearnerFloatingPointError,
    "ZeroDivisionError": LearnerZeroDivisionError,
    "RuntimeError": LearnerRuntimeError,
    "RecursionError": LearnerRuntimeError,
}


def clean_text(text: str, limit: int = 2000) -> str:
    """Learner-controlled text made safe to print: no control characters, bounded length."""
    kept = "".join(c if c in "\n\t" or (c.isprintable()) else "?" for c in str(text))
    return kept if len(kept) <= limit else kept[:limit] + " [...]"


class RemoteFunction:
    """One learner function; calling it runs it in the sandbox."""

    def __init__(self, module: RemoteModule, name: str):
        self._module = module
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._module.call(self.__name__, args, kwargs)[0]

    def vary(self, args: tuple, variations: list, pick: int | None = None) -> list:
        """``fn`` at every variation of ``args`` (see ``wire.vary``), in one round trip."""
        value = self._module.call(self.__name__, tuple(args), {}, vary=variations, pick=pick)[0]
        if not isinstance(value, list) or len(value) != len(variations):
            raise LearnerError(f"{self.__name__}: the sandbox sent back a malformed batch")
        return value

    @property
    def parameter_names(self) -> list[str]:
        return self._module.parameter_names(self.__name__)

    def call_returning_args(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple, dict]:
        """Call, and also get the arguments back as they were after the call."""
        value, after, after_kw = self._module.call(self.__name__, args, kwargs, return_args=True)
        if (
            not isinstance(after, tuple)
            or len(after) != len(args)
            or not isinstance(after_kw, dict)
        ):
            raise LearnerError(f"{self.__name__}: the sandbox sent back malformed arguments")
        return value, after, after_kw


class RemoteModule:
    def __init__(
        self,
        sandbox: Sandbox,
        files: dict[str, bytes],
        module: str,
        limits: dict,
        call_seconds: float,
        submission_seconds: float,
        solution: ModuleType | None = None,
        provided: ModuleType | None = None,
        refusal: str | None = None,
    ):
        self._sandbox = sandbox
        self._files = files
        self._module = module
        self._limits = limits
        self._call_seconds = call_seconds
        self._deadline = time.monotonic() + submission_seconds
        self._submission_seconds = submission_seconds
        self._solution = solution
        self._provided = provided
        self._provided_names = (
            frozenset(name for name, value in vars(provided).items() if callable(value))
            if provided is not None
            else frozenset()
        )
        self._session: tuple[int, socket.socket] | None = None
        self._functions: dict[str, list[str]] = {}
        self._refusal = refusal
        self._swaps: tuple[str, ...] = ()
        self.events: list[str] = []
        self.policy_violation = False
        self.__name__ = module

    @property
    def refusal(self) -> str | None:
        """Why every call fails (import error, policy), or None."""
        return self._refusal

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self, name)

    # -- sessions --------------------------------------------------------------------------

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    def _open(self) -> socket.socket:
        if self._refusal:
            raise LearnerError(self._refusal)
        if self._session is not None:
            return self._session[1]
        if self._remaining() <= 0:
            raise LearnerError(f"the submission used up its {self._submission_seconds:g} s")
        try:
            pid, sock = self._sandbox.open(self._files, self._module, self._limits)
        except SandboxError as exc:
            raise LearnerError(f"the grader could not start a sandbox: {exc}") from None
        self._session = (pid, sock)
        sock.settimeout(min(self._call_seconds, max(self._remaining(), 0.01)))
        try:
            reply = wire.receive(sock)
        except TimeoutError:
            self._end("importing the module took too long", grace=0)
            self._refusal = (
                f"importing {self._module}.py did not finish within "
                f"{self._call_seconds:g} s, so it was stopped"
            )
            raise LearnerError(self._refusal) from None
        except (EOFError, OSError, wire.WireError):
            status = self._end("the module killed its process while importing", grace=0)
            self._refusal = f"importing {self._module}.py ended the process ({status})"
            raise LearnerError(self._refusal) from None
        if reply.get("op") == "import_error":
            self._end("import error", grace=0)
            self._refusal = self._import_message(reply)
            raise LearnerError(self._refusal)
        functions = reply.get("functions")
        if reply.get("op") != "ready" or not isinstance(functions, dict):
            self._end("bad handshake", grace=0)
            raise LearnerError("the sandbox sent a malformed handshake")
        self._functions = {
            name: [clean_text(p, 60) for p in params if isinstance(p, str)]
            for name, params in functions.items()
            if isinstance(params, list)
        }
        return sock

    def parameter_names(self, name: str) -> list[str]:
        """The learner function's parameter names (for messages only)."""
        self._open()
        return self._functions.get(name, [])

    def _import_message(self, reply: dict) -> str:
        kind = clean_text(reply.get("type", "Error"), 100)
        message = clean_text(reply.get("message", ""))
        where = clean_text(reply.get("where", ""), 200)
        text = f"{self._module}.py could not be imported: {kind}: {message}"
        if kind == "ModuleNotFoundError" and any(lib in message for lib in POLICY_LIBRARIES):
            self.policy_violation = True
            text += " (NumPy assignments may not use autodiff or tensor libraries)"
        return text + (f" ({where})" if where else "")

    def _end(self, reason: str, grace: float) -> str:
        """Close the current session; returns how its process ended."""
        if self._session is None:
            return "no session"
        pid, sock = self._session
        self._session = None
        sock.close()
        outcome = self._sandbox.close(pid, grace)
        status = str(outcome.get("status", "unknown"))
        leftovers = int(outcome.get("leftovers", 0) or 0)
        if reason:
            self.events.append(reason)
        if leftovers:
            self.events.append(f"left {leftovers} process(es) running; they were killed")
        return _SIGNALS.get(status, status)

    def close(self) -> None:
        self._end("", grace=2.0)

    @contextmanager
    def use_solution_for(self, names: Sequence[str]) -> Iterator[None]:
        """While inside, calls the learner makes to ``names`` run the course's solution."""
        self._swaps = tuple(names)
        try:
            yield
        finally:
            self._swaps = ()

    # -- calls -----------------------------------------------------------------------------

    def call(
        self,
        name: str,
        args: tuple,
        kwargs: dict,
        return_args: bool = False,
        vary: list | None = None,
        pick: int | None = None,
    ) -> tuple:
        sock = self._open()
        if name not in self._functions:
            raise LearnerError(
                f"{self._module}.py has no function {name!r} "
                "(check its spelling, and that it is defined at the top level)"
            )
        limit = min(self._call_seconds, self._remaining())
        if limit <= 0:
            self._end("submission time limit", grace=0)
            raise LearnerError(f"the submission used up its {self._submission_seconds:g} s")
        started = time.monotonic()
        try:
            sock.sendall(
                wire.encode(
                    {
                        "op": "call",
                        "fn": name,
                        "args": tuple(args),
                        "kwargs": dict(kwargs),
                        "return_args": return_args,
                        "swaps": list(self._swaps),
                        "vary": vary,
                        "pick": pick,
                        "errstate": np.geterr(),
                    },
                    self._provided_names,
                )
            )
            while True:
                sock.settimeout(max(limit - (time.monotonic() - started), 0.001))
                reply = wire.receive(sock, resolve_provided=self._resolve_provided)
                if reply.get("op") != "callback":
                    break
                self._answer_callback(sock, reply)
        except TimeoutError:
            self._end(f"{name} timed out", grace=0)
            raise LearnerError(
                f"{name} did not return within {limit:.3g} s, so it was stopped "
                "(an infinite loop, or far too slow)"
            ) from None
        except (EOFError, ConnectionError, OSError):
            status = self._end(f"{name} ended its process", grace=0)
            raise LearnerError(
                f"the process running your code ended during {name}: {status}"
            ) from None
        except wire.WireError as exc:
            self._end(f"{name} sent malformed data", grace=0)
            raise LearnerError(f"{name}: what came back was not data ({exc})") from None
        return self._result(name, reply, return_args)

    def _result(self, name: str, reply: dict, return_args: bool) -> tuple:
        if reply.get("op") == "return":
            return reply.get("value"), reply.get("args", ()), reply.get("kwargs", {})
        if reply.get("op") == "raise":
            kind = clean_text(reply.get("type", "Error"), 100)
            message = clean_text(reply.get("message", ""))
            where = clean_text(reply.get("where", ""), 200)
            if kind == "NotImplementedError":
                raise NotImplementedError(message or name)
            suffix = f" ({where})" if where else ""
            error = REMOTE_EXCEPTIONS.get(kind, LearnerError)
            raise error(f"{name} raised {kind}: {message}{suffix}")
        self._end(f"{name} sent an unexpected reply", grace=0)
        raise LearnerError(f"{name}: unexpected reply from the sandbox")

    def _resolve_provided(self, name: str) -> Callable[..., Any]:
        """A provided function named in a reply: the trusted copy of provided.py's."""
        value = getattr(self._provided, name, None) if name in self._provided_names else None
        if value is None:
            raise wire.WireError(f"no provided function {name!r}")
        return value

    def _answer_callback(self, sock: socket.socket, request: dict) -> None:
        """The learner's code called a swapped sub-layer: run the course's solution here."""
        name = request.get("fn")
        if name not in self._swaps or self._solution is None:
            raise wire.WireError(f"callback to {name!r}, which is not swapped")
        fn: Callable[..., Any] = getattr(self._solution, name)
        try:
            value = fn(*request.get("args", ()), **request.get("kwargs", {}))
            sock.sendall(wire.encode({"op": "callback_return", "value": value}))
        except Exception as exc:  # bad arguments from learner code into the solution
            sock.sendall(
                wire.encode(
                    {"op": "callback_raise", "message": f"{type(exc).__name__}: {exc}"[:500]}
                )
            )
