"""The sandboxed side of grading: a zygote that forks one session process per learner.

Started by the trusted grader as ``python3 -I -S worker.py CTRL_FD SCRATCH_ROOT``, inside
bubblewrap or as an unprivileged user, with numpy importable and nothing else. It imports numpy
once; every learner then costs a fork, not an interpreter start.

Zygote protocol (control socket, one request, one reply):
- ``open``  {files, module, limits} -> ``opened`` {pid} carrying the trusted side's end of a
  fresh socket pair (SCM_RIGHTS). The forked session owns the other end.
- ``close`` {pid, grace} -> ``closed`` {status, leftovers}: wait up to ``grace`` seconds for
  the session to end (0 after a timeout), SIGKILL it, kill anything it left behind (the zygote
  is a child subreaper, so even daemonised grandchildren come back to it), empty the scratch.

Session protocol (the session socket): first ``ready`` {functions: {name: parameter names}}
or ``import_error``; then for each ``call`` {fn, args, kwargs, return_args, swaps, errstate[,
vary, pick]} one ``return`` {value[, args, kwargs]} or ``raise`` {type, message, where}.
``vary`` (a list of variations, see ``wire.vary``) evaluates the function once per variation of
``args`` and returns the list of results (of element ``pick`` of each, when given). The call
runs under the caller's ``np.errstate``, so a check that asks for floating-point errors to
raise sees them raised. While a call runs, the learner's calls to a swapped function become
``callback`` requests answered by the trusted side.

Nothing here is trusted by the grader: it only ever reads data frames back.
"""

import ctypes
import importlib
import inspect
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, sys.argv[3])  # the runtime's site-packages: numpy and nothing else

import numpy  # noqa: E402,F401  (imported once, before forking, so sessions start fast)
import wire  # noqa: E402

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
ERRSTATE_KEYS = ("divide", "over", "under", "invalid")
SAFE_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _prctl(option, value):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# ----------------------------------------------------------------------------- session


def _limit(name, value):
    try:
        resource.setrlimit(name, (value, value))
    except (ValueError, OSError):
        pass


def _where(exc, scratch):
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(scratch):
            return f"{os.path.basename(frame.filename)} line {frame.lineno}, in {frame.name}"
    return ""


def _error_reply(exc, scratch):
    message = str(exc) if not isinstance(exc, SystemExit) else f"sys.exit({exc.code!r})"
    return {
        "op": "raise",
        "type": type(exc).__name__,
        "message": message[:2000],
        "where": _where(exc, scratch),
    }


def _trampoline(sock, name):
    def call_solution(*args, **kwargs):
        wire.send(sock, {"op": "callback", "fn": name, "args": args, "kwargs": kwargs})
        reply = wire.receive(sock)
        if reply.get("op") == "callback_return":
            return reply.get("value")
        raise RuntimeError(f"the course's {name} failed: {reply.get('message', '')}")

    call_solution.__name__ = name
    return call_solution


def _serve(sock, module, provided, scratch):
    def resolve(name):
        value = getattr(provided, name, None) if provided is not None else None
        if not callable(value):
            raise wire.WireError(f"provided.py has no function {name!r}")
        return value

    provided_names = (
        frozenset(name for name, value in vars(provided).items() if callable(value))
        if provided is not None
        else frozenset()
    )
    while True:
        try:
            request = wire.receive(sock, resolve_provided=resolve)
        except EOFError:
            return
        if request.get("op") != "call":
            return
        name = request.get("fn")
        fn = getattr(module, name, None) if isinstance(name, str) else None
        if not callable(fn):
            wire.send(
                sock,
                {
                    "op": "raise",
                    "type": "AttributeError",
                    "message": f"the module has no function {name!r}",
                    "where": "",
                },
            )
            continue
        args, kwargs = request.get("args", ()), request.get("kwargs", {})
        saved = {}
        for swapped in request.get("swaps", []):
            saved[swapped] = getattr(module, swapped, None)
            setattr(module, swapped, _trampoline(sock, swapped))
        variations, pick = request.get("vary"), request.get("pick")
        errors = request.get("errstate") or {}
        try:
            with numpy.errstate(**{k: v for k, v in errors.items() if k in ERRSTATE_KEYS}):
                if variations is None:
                    value = fn(*args, **kwargs)
                else:  # finite differences: one evaluation per variation, one round trip
                    value = [fn(*wire.vary(args, *v), **kwargs) for v in variations]
                    if pick is not None:
                        value = [result[pick] for result in value]
            reply = {"op": "return", "value": value}
            if request.get("return_args"):
                reply["args"], reply["kwargs"] = tuple(args), dict(kwargs)
        except BaseException as exc:  # learner code may raise anything, SystemExit included
            reply = _error_reply(exc, scratch)
        finally:
            for swapped, original in saved.items():
                setattr(module, swapped, original)
        try:
            frame = wire.encode(reply, provided_names)  # a provided function goes back by name
        except wire.WireError as exc:
            frame = wire.encode(
                {
                    "op": "raise",
                    "type": "TypeError",
                    "message": f"{name} returned something that is not data: {exc}",
                    "where": "",
                }
            )
        sock.sendall(frame)


def run_session(sock, request, scratch_root):
    """The forked child: limits, scratch folder, import, then serve calls until EOF."""
    os.setsid()
    limits = request["limits"]
    memory = int(limits["memory_mb"]) * 1024 * 1024
    _limit(resource.RLIMIT_AS, memory)
    _limit(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    _limit(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    _limit(resource.RLIMIT_NPROC, int(limits["processes"]))
    _limit(resource.RLIMIT_CORE, 0)
    scratch = tempfile.mkdtemp(dir=scratch_root, prefix="s-")
    for name, content in request["files"].items():
        stem, dot, suffix = name.rpartition(".")
        if suffix != "py" or not stem or not set(stem) <= SAFE_NAME:
            continue
        with open(os.path.join(scratch, name), "wb") as handle:
            handle.write(content)
    os.chdir(scratch)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep = {
        k: os.environ[k]
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        if k in os.environ
    }
    os.environ.clear()
    os.environ.update(keep, HOME=scratch, TMPDIR=scratch)
    sys.path.insert(0, scratch)
    sys.dont_write_bytecode = True
    try:
        provided = (
            importlib.import_module("provided") if "provided.py" in request["files"] else None
        )
        module = importlib.import_module(request["module"])
    except BaseException as exc:
        reply = _error_reply(exc, scratch)
        reply["op"] = "import_error"
        wire.send(sock, reply)
        return
    functions = {}
    for name, value in vars(module).items():
        if callable(value) and not name.startswith("_"):
            try:
                functions[name] = list(inspect.signature(value).parameters)
            except (TypeError, ValueError):
                functions[name] = []
    wire.send(sock, {"op": "ready", "functions": functions})
    _serve(sock, module, provided, scratch)


# ------------------------------------------------------------------------------- zygote


def _descendants(root_pid):
    """Every live process below ``root_pid``, from /proc's parent links."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    found, frontier = set(), {root_pid}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def _sweep():
    """Kill every process below the zygote (orphans come back to it: it is a subreaper).

    Returns how many distinct processes were found still running.
    """
    killed = set()
    for _ in range(200):
        _reap()
        pids = _descendants(os.getpid())
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.002)
    return len(killed)


def _reap():
    statuses = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return statuses
        if pid == 0:
            return statuses
        statuses[pid] = status


def _describe(status):
    if status is None:
        return "unknown"
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.WEXITSTATUS(status)}"


def _wait_for(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        time.sleep(0.001)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _empty(folder):
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def main():
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    scratch_root = sys.argv[2]
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    wire.send(
        ctrl,
        {
            "op": "hello",
            "pid": os.getpid(),
            "uid": os.getuid(),
            "numpy": numpy.__version__,
            "python": sys.version.split()[0],
        },
    )
    while True:
        try:
            request = wire.receive(ctrl)
        except (EOFError, OSError, wire.WireError):
            _sweep()
            return
        op = request["op"]
        if op == "open":
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    ctrl.close()
                    ours.close()
                    run_session(theirs, request, scratch_root)
                except BaseException:
                    code = 70
                finally:
                    os._exit(code)
            theirs.close()
            socket.send_fds(ctrl, [wire.encode({"op": "opened", "pid": pid})], [ours.fileno()])
            ours.close()
        elif op == "close":
            status = _wait_for(int(request["pid"]), float(request.get("grace", 2.0)))
            leftovers = _sweep()
            _empty(scratch_root)
            wire.send(ctrl, {"op": "closed", "status": _describe(status), "leftovers": leftovers})
        else:
            return


if __name__ == "__main__":
    main()
