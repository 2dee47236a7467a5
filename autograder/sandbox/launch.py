"""Start and drive one sandboxed zygote (``worker.py``) from the trusted grader.

Two isolation modes:

- ``bubblewrap``: the zygote runs under ``bwrap`` as an unprivileged uid (``nobody`` when the
  grader is root, because root with ``--uid`` is still root outside). New user, PID, network,
  IPC and UTS namespaces; an empty root with only the system libraries, the runtime and the
  worker mounted read-only, a private 64 MB tmpfs ``/tmp`` (16 MB ``/dev/shm``), no course
  files, no network.
- ``process``: the weaker fallback when bubblewrap is missing or fails. The zygote runs as the
  unprivileged uid (when the grader is root) with resource limits, a scratch folder and a
  cleared environment, but it shares the file system and network of the machine. Results and
  ``s30 doctor`` say so.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass

from autograder.sandbox import wire
from autograder.sandbox.runtime import Runtime

BUBBLEWRAP = "bubblewrap"
PROCESS = "process"
NOBODY = 65534
_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin")
SCRATCH_BYTES = 64 * 1024 * 1024
SHM_BYTES = 16 * 1024 * 1024
_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SandboxError(Exception):
    """The sandbox could not be started or stopped answering."""


@dataclass(frozen=True)
class Isolation:
    mode: str
    uid: int
    gid: int
    reason: str = ""

    @property
    def description(self) -> str:
        if self.mode == BUBBLEWRAP:
            return (
                f"bubblewrap sandbox as uid {self.uid}: no network, no course files, "
                "own process tree, resource limits"
            )
        who = f"uid {self.uid}" + (" (the grader's own uid)" if self.uid == os.getuid() else "")
        return (
            f"process-only isolation as {who}: resource limits and a scratch folder, but "
            f"the machine's files and network stay reachable ({self.reason})"
        )


def sandbox_ids() -> tuple[int, int]:
    """The uid/gid learner code runs as: ``nobody`` when we are root, else ourselves."""
    if os.geteuid() == 0:
        uid = int(os.environ.get("S30_SANDBOX_UID", NOBODY))
        return uid, int(os.environ.get("S30_SANDBOX_GID", uid))
    return os.getuid(), os.getgid()


class Sandbox:
    """One zygote; ``open`` forks a session for one learner, ``close`` ends and sweeps it."""

    def __init__(self, isolation: Isolation, runtime: Runtime, reply_seconds: float = 15.0):
        self.isolation = isolation
        self.runtime = runtime
        self.reply_seconds = reply_seconds
        self.process: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.scratch: str | None = None
        self.hello: dict = {}

    # -- lifecycle -------------------------------------------------------------------------

    def _command(self, ctrl_fd: int) -> tuple[list[str], dict[str, str]]:
        rt = self.runtime
        env = {"LD_LIBRARY_PATH": str(rt.library_path), **_THREAD_ENV, "PATH": "/usr/bin:/bin"}
        if self.isolation.mode == PROCESS:
            worker = str(rt.worker_dir / "worker.py")
            return [
                str(rt.python),
                "-I",
                "-S",
                worker,
                str(ctrl_fd),
                self.scratch,
                str(rt.site),
            ], env
        command = [
            shutil.which("bwrap") or "bwrap",
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--hostname",
            "sandbox",
        ]
        for key, value in env.items():
            command += ["--setenv", key, value]
        for folder in _SYSTEM_DIRS:
            if os.path.isdir(folder) and not os.path.islink(folder):
                command += ["--ro-bind", folder, folder]
            elif os.path.islink(folder):
                command += ["--symlink", os.readlink(folder), folder]
        # fmt: off
        command += [
            "--ro-bind", str(rt.root), str(rt.root),
            "--ro-bind", str(rt.worker_dir), "/s30",
            "--proc", "/proc",
            "--dev", "/dev",
            # tmpfs lives in the host's memory: bound what learner code can write to it
            "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
            "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
            "--chdir", "/tmp",
            str(rt.python),
            "-I",
            "-S",
            "/s30/worker.py",
            str(ctrl_fd),
            "/tmp",
            str(rt.site),
        ]
        # fmt: on
        return command, {}

    def start(self) -> None:
        uid, gid = self.isolation.uid, self.isolation.gid
        if self.isolation.mode == PROCESS:
            self.scratch = tempfile.mkdtemp(prefix="s30-scratch-")
            if os.geteuid() == 0:
                os.chown(self.scratch, uid, gid)
            os.chmod(self.scratch, 0o700)
        ours, theirs = socket.socketpair()
        command, env = self._command(theirs.fileno())
        as_other_user = os.geteuid() == 0 and uid != 0
        try:
            self.process = subprocess.Popen(
                command,
                pass_fds=[theirs.fileno()],
                env=env,
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                user=uid if as_other_user else None,
                group=gid if as_other_user else None,
                extra_groups=[] if as_other_user else None,
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.ctrl = ours
        self.ctrl.settimeout(self.reply_seconds)
        try:
            self.hello = wire.receive(self.ctrl)
        except (EOFError, OSError, wire.WireError) as exc:
            detail = self._stderr()
            self.stop()
            raise SandboxError(
                f"the {self.isolation.mode} sandbox did not start: {detail or exc}"
            ) from None

    def _stderr(self) -> str:
        if self.process is None or self.process.stderr is None:
            return ""
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read(2000).decode(errors="replace").strip()

    def stop(self) -> None:
        if self.ctrl is not None:
            self.ctrl.close()
            self.ctrl = None
        if self.process is not None:
            try:
                os.killpg(self.process.pid, 9)
            except OSError:
                pass
            self.process.wait()
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- sessions --------------------------------------------------------------------------

    def open(self, files: dict[str, bytes], module: str, limits: dict) -> tuple[int, socket.socket]:
        """Fork a session for one learner; returns its pid and our end of its socket."""
        if not self.alive:
            self.restart()
        try:
            wire.send(self.ctrl, {"op": "open", "files": files, "module": module, "limits": limits})
            reply, fds = wire.receive_with_fds(self.ctrl)
        except (EOFError, OSError, wire.WireError) as exc:
            self.restart()
            raise SandboxError(f"the sandbox stopped answering: {exc}") from None
        if reply.get("op") != "opened" or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            self.restart()
            raise SandboxError("the sandbox did not open a session")
        return int(reply["pid"]), socket.socket(fileno=fds[0])

    def close(self, pid: int, grace: float) -> dict:
        """End a session (after ``grace`` seconds, then SIGKILL) and sweep what it left behind."""
        try:
            wire.send(self.ctrl, {"op": "close", "pid": pid, "grace": grace})
            reply = wire.receive(self.ctrl)
        except (EOFError, OSError, wire.WireError, AttributeError):
            self.restart()
            return {"status": "the sandbox was restarted", "leftovers": 0}
        if reply.get("op") != "closed":
            self.restart()
            return {"status": "the sandbox was restarted", "leftovers": 0}
        return reply


def detect(probe: bool = True) -> Isolation:
    """The strongest isolation that works here (S30_ISOLATION=process forces the fallback)."""
    from autograder.sandbox.runtime import ensure_runtime

    uid, gid = sandbox_ids()
    if os.environ.get("S30_ISOLATION") == PROCESS:
        return Isolation(PROCESS, uid, gid, "S30_ISOLATION=process was set")
    if shutil.which("bwrap") is None:
        return Isolation(PROCESS, uid, gid, "bubblewrap (bwrap) is not installed")
    if os.geteuid() == 0 and uid == 0:
        return Isolation(PROCESS, uid, gid, "no unprivileged uid to run bubblewrap as")
    candidate = Isolation(BUBBLEWRAP, uid, gid)
    if not probe:
        return candidate
    sandbox = Sandbox(candidate, ensure_runtime(), reply_seconds=20)
    try:
        sandbox.start()
    except SandboxError as exc:
        return Isolation(PROCESS, uid, gid, f"bubblewrap failed here: {exc}")
    finally:
        sandbox.stop()
    return candidate
