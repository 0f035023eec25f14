"""The Lambda service (stdlib only).

It keeps ONE warm runtime process and sends it the invocations in order,
one at a time. The runtime is started as Lambda starts it: a clean
environment (AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT,
AWS_LAMBDA_FUNCTION_NAME/_VERSION/_LOG_STREAM_NAME..., PATH and
LD_LIBRARY_PATH with the layer directory standing in for /opt, plus the
function's own variables), RLIMIT_NOFILE 1024 soft = hard, cwd = the task
root, and, when the function sets AWS_LAMBDA_EXEC_WRAPPER, the command
`<wrapper> <runtime command...>` (after the managed runtimes' bootstrap
checks: missing -> exit 127, not executable -> exit 126). When the runtime
dies, the invocation in flight fails (Runtime.ExitError) and the next
invocation starts a fresh runtime process (a cold start).

Everything the runtime processes write to stdout and stderr goes to one
capture file, the "CloudWatch Logs" log stream; the service writes its
platform lines (INIT_START, START, END, REPORT, Runtime.ExitError) into the
same file, so the order of lines in the capture is the order of events.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from emu_processes import EmulatorError, die_with_parent, kill_group
from runtime_api import Invocation, Runtime, RuntimeAPI


@dataclass
class FunctionConfig:
    name: str                       # AWS_LAMBDA_FUNCTION_NAME
    task_root: str                  # LAMBDA_TASK_ROOT, the runtime's cwd
    handler: str                    # _HANDLER, e.g. index.handler
    runtime_cmd: Sequence[str]      # the managed runtime's command (interpreter and args)
    layer_dir: str                  # stands in for /opt
    env: Dict[str, str] = field(default_factory=dict)   # the function's environment variables
    timeout_s: float = 30.0         # per invocation
    nofile: int = 1024              # RLIMIT_NOFILE, soft = hard
    tmp_dir: str = "/tmp"           # TMPDIR of the runtime (Lambda's /tmp)


class Lambda:
    """The service: one warm runtime at a time, invocations in order, a fresh
    runtime after a crash. Use as a context manager (stops every process)."""

    def __init__(self, fn: FunctionConfig, capture_path: str):
        self.fn = fn
        self.capture_path = capture_path
        self.log_stream = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.arn = "arn:aws:lambda:us-east-1:123456789012:function:" + fn.name
        self.api = RuntimeAPI(self.arn, fn.timeout_s)
        self.runtimes: List[Runtime] = []
        self.invocations: List[Invocation] = []
        self._capture_fd = os.open(capture_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC,
                                   0o644)

    def __enter__(self) -> "Lambda":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.stop_runtime()
        finally:
            self.api.close()
            if self._capture_fd >= 0:
                os.close(self._capture_fd)
                self._capture_fd = -1

    # -- the log stream --------------------------------------------------

    def platform_log(self, line: str) -> None:
        """A platform line in the log stream, like Lambda's START/END/REPORT."""
        os.write(self._capture_fd, (line.rstrip("\n") + "\n").encode())

    # -- runtime processes -----------------------------------------------

    def environment(self) -> Dict[str, str]:
        fn = self.fn
        env = {
            "PATH": "/usr/local/bin:/usr/bin/:/bin:%s/bin" % fn.layer_dir,
            "LD_LIBRARY_PATH": "/lib64:/usr/lib64:%s:%s/lib:%s/lib" % (fn.task_root, fn.task_root,
                                                                       fn.layer_dir),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "TMPDIR": fn.tmp_dir,
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "_HANDLER": fn.handler,
            "LAMBDA_TASK_ROOT": fn.task_root,
            "LAMBDA_RUNTIME_DIR": fn.task_root,
            "AWS_EXECUTION_ENV": "AWS_Lambda_nodejs20.x",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + fn.name,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        }
        # The function's own variables; PATH-like ones extend Lambda's.
        for k, v in fn.env.items():
            env[k] = v
        return env

    def runtime_argv(self, env: Dict[str, str]) -> List[str]:
        cmd = list(self.fn.runtime_cmd)
        wrapper = env.get("AWS_LAMBDA_EXEC_WRAPPER", "")
        if not wrapper:
            return cmd
        # The managed runtimes' bootstrap: check the wrapper, then exec it
        # with the runtime's command as its arguments.
        if not os.path.exists(wrapper):
            return ["/bin/sh", "-c", 'echo "$0: does not exist" >&2; exit 127', wrapper]
        if not os.access(wrapper, os.X_OK):
            return ["/bin/sh", "-c", 'echo "$0: is not an executable" >&2; exit 126', wrapper]
        return [wrapper] + cmd

    def start_runtime(self) -> Runtime:
        env = self.environment()
        argv = self.runtime_argv(env)
        nofile = self.fn.nofile

        def limits():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))    # abort() leaves no core file
            die_with_parent()

        index = len(self.runtimes) + 1
        self.platform_log("INIT_START Runtime Version: nodejs:20.emulated\tRuntime: %d" % index)
        with self.api.cond:
            t = time.monotonic()
            proc = subprocess.Popen(argv, cwd=self.fn.task_root, env=env, stdin=subprocess.DEVNULL,
                                    stdout=self._capture_fd, stderr=self._capture_fd, close_fds=True,
                                    start_new_session=True, preexec_fn=limits)
            rt = Runtime(index=index, proc=proc, argv=argv, t_spawn=t)
            self.runtimes.append(rt)
            self.api.current_runtime = rt
        threading.Thread(target=self._watch, args=(rt,), name="runtime-%d" % index, daemon=True).start()
        return rt

    def _watch(self, rt: Runtime) -> None:
        rt.proc.wait()
        with self.api.cond:
            rt.exit_code = rt.proc.returncode
            self.api.cond.notify_all()

    def stop_runtime(self) -> None:
        rt = self.runtimes[-1] if self.runtimes else None
        if rt is not None and rt.proc.poll() is None:
            kill_group(rt.proc, grace=5.0)
            with self.api.cond:
                rt.exit_code = rt.proc.returncode

    def runtime_alive(self) -> bool:
        return bool(self.runtimes) and self.runtimes[-1].proc.poll() is None \
            and self.runtimes[-1].exit_code is None

    def wait_ready(self, rt: Runtime, timeout: float = 60.0) -> bool:
        """Waits until the runtime asks for its first invocation (or dies)."""
        deadline = time.monotonic() + timeout
        with self.api.cond:
            while not rt.t_first_next and rt.exit_code is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.api.cond.wait(min(left, 0.5))
        return bool(rt.t_first_next)

    # -- invocations -----------------------------------------------------

    def invoke(self, event: dict) -> Invocation:
        """One synchronous invocation, like `aws lambda invoke`."""
        index = len(self.invocations) + 1
        rid = "%08x-%04x-4%03x-8%03x-%012x" % (index, os.getpid() & 0xffff, 0, 0,
                                                uuid.uuid4().int & 0xffffffffffff)
        inv = Invocation(index=index, request_id=rid, event=event)
        self.invocations.append(inv)
        if not self.runtime_alive():
            self.start_runtime()
        rt = self.runtimes[-1]
        self.platform_log("START RequestId: %s Version: $LATEST" % rid)
        t0 = time.monotonic()
        deadline = t0 + self.fn.timeout_s
        with self.api.cond:
            self.api.by_id[rid] = inv
            self.api.pending.append(inv)
            self.api.cond.notify_all()
            while inv.status in ("queued", "running"):
                if rt.exit_code is not None:
                    break
                if rt.init_error is not None and inv.status == "queued":
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.api.cond.wait(min(left, 0.5))
            if inv.status in ("queued", "running"):
                if inv in self.api.pending:
                    self.api.pending.remove(inv)
                if rt.init_error is not None:
                    inv.status = "crashed"
                    inv.error_type = str(rt.init_error.get("errorType") or "Runtime.Unknown")
                    inv.error_message = str(rt.init_error.get("errorMessage", ""))
                elif rt.exit_code is not None:
                    inv.status = "crashed"
                    inv.error_type = "Runtime.ExitError"
                    inv.error_message = "Runtime exited with error: %s" % _exit_text(rt.exit_code)
                else:
                    inv.status = "timeout"
                    inv.error_type = "Sandbox.Timedout"
                    inv.error_message = "Task timed out after %.2f seconds" % self.fn.timeout_s
                inv.t_end = time.monotonic()
        if inv.status in ("timeout", "crashed"):
            self.stop_runtime()     # a timed-out or failed-init runtime is not reused
        if inv.status in ("crashed", "timeout"):
            self.platform_log("RequestId: %s Error: %s\n%s" % (rid, inv.error_message, inv.error_type))
        self.platform_log("END RequestId: %s" % rid)
        self.platform_log("REPORT RequestId: %s\tDuration: %.2f ms\tStatus: %s"
                          % (rid, (inv.t_end - t0) * 1000, inv.status))
        return inv

    def invoke_many(self, n: int, event: Callable[[int], dict],
                    stop: Optional[Callable[[Invocation], bool]] = None,
                    time_limit: float = 600.0) -> List[Invocation]:
        """n invocations in order; `stop(inv)` true ends the run early.
        Raises EmulatorError past `time_limit` seconds."""
        out = []
        t_end = time.monotonic() + time_limit
        for _ in range(n):
            inv = self.invoke(event(len(self.invocations) + 1))
            out.append(inv)
            if stop is not None and stop(inv):
                break
            if time.monotonic() > t_end:
                raise EmulatorError("%d invocations did not finish within %.0f s (%d done)"
                                    % (n, time_limit, len(out)))
        return out


def _exit_text(code: Optional[int]) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return "signal: %s" % {"SIGABRT": "aborted", "SIGKILL": "killed",
                               "SIGSEGV": "segmentation fault"}.get(name, name)
    return "exit status %d" % code
