"""Running the programs under test, with or without libfdscope.so
preloaded, in a clean environment, bounded in time (stdlib only)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from check_errors import CheckFailed

DEFAULT_TIMEOUT = 60.0


@dataclass
class Run:
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str
    pid: int


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a program under test: this one without any
    preload or fdscope/Node/Python settings that could change its
    behaviour, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "FDSCOPE_OPTIONS", "NODE_OPTIONS", "PYTHONSTARTUP",
                        "PYTHONPATH", "PYTHONWARNINGS", "UV_THREADPOOL_SIZE")}
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run_program(argv: Sequence[str], shim: Optional[str], options: str = "",
                timeout: float = DEFAULT_TIMEOUT, cwd: Optional[str] = None,
                env_extra: Optional[Dict[str, str]] = None,
                rlimit_nofile: Optional[int] = None) -> Run:
    """Runs argv (with libfdscope.so preloaded when `shim` is given and
    FDSCOPE_OPTIONS=options), stdin from /dev/null, stdout and stderr
    captured, every other descriptor closed, bounded by `timeout`;
    with RLIMIT_NOFILE soft = hard = rlimit_nofile if given."""
    extra = dict(env_extra or {})
    if shim:
        extra["LD_PRELOAD"] = shim
        extra["FDSCOPE_OPTIONS"] = options
    env = clean_env(extra)
    preexec = None
    if rlimit_nofile:
        import resource

        def preexec():
            resource.setrlimit(resource.RLIMIT_NOFILE, (rlimit_nofile, rlimit_nofile))
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd, close_fds=True,
                            text=True, errors="replace", preexec_fn=preexec)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise CheckFailed("%s did not finish within %.0f s\nstdout:\n%s\nstderr:\n%s"
                          % (" ".join(argv), timeout, out, err))
    return Run(argv=list(argv), returncode=proc.returncode, stdout=out, stderr=err, pid=proc.pid)
