"""The processes of the Lambda emulation (stdlib only): its error, a free
loopback port, and the start and stop of the processes it runs (the
database and the runtimes), none of which may outlive the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


class EmulatorError(Exception):
    """The emulator or one of its processes could not do its job."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In a child before exec: SIGKILL when the emulator dies (even by
    SIGKILL), so that no runtime or database outlives a killed test."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)         # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Terminates a process started with start_new_session=True, and its
    process group: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)     # also any child left in the group
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        raise EmulatorError("process %d survived SIGKILL for %.0f s" % (proc.pid, grace))
