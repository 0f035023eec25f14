"""A local stand-in for AWS Lambda, for fdscope's Lambda end-to-end tests
(Python stdlib only).

Three pieces:

- MariaDB: a real MariaDB server (Debian's mariadbd) on 127.0.0.1 with its
  own data directory, started and stopped by the test, bounded in time.

- RuntimeAPI: the Lambda Runtime API (version 2018-06-01) over loopback
  HTTP/1.1 with keep-alive, as the real runtime clients expect:
      GET  /2018-06-01/runtime/invocation/next          (blocks until queued)
      POST /2018-06-01/runtime/invocation/{id}/response
      POST /2018-06-01/runtime/invocation/{id}/error
      POST /2018-06-01/runtime/init/error
  /next answers with the event as its body and the headers
  Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn and
  -Trace-Id.

- Lambda: the service. It keeps ONE warm runtime process and sends it the
  invocations in order, one at a time. The runtime is started as Lambda
  starts it: a clean environment (AWS_LAMBDA_RUNTIME_API, _HANDLER,
  LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME/_VERSION/_LOG_STREAM_NAME...,
  PATH and LD_LIBRARY_PATH with the layer directory standing in for /opt,
  plus the function's own variables), RLIMIT_NOFILE 1024 soft = hard, cwd =
  the task root, and, when the function sets AWS_LAMBDA_EXEC_WRAPPER, the
  command `<wrapper> <runtime command...>` (after the managed runtimes'
  bootstrap checks: missing -> exit 127, not executable -> exit 126). When
  the runtime dies, the invocation in flight fails (Runtime.ExitError) and
  the next invocation starts a fresh runtime process (a cold start).

  Everything the runtime processes write to stdout and stderr goes to one
  capture file, the "CloudWatch Logs" log stream; the service writes its
  platform lines (INIT_START, START, END, REPORT, Runtime.ExitError) into
  the same file, so the order of lines in the capture is the order of
  events.
"""

from __future__ import annotations

import http.server
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

API_PREFIX = "/2018-06-01/runtime"


class EmulatorError(Exception):
    """The emulator or one of its processes could not do its job."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
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


# --------------------------------------------------------------------------
# The layer: the zip, extracted as Lambda extracts it into /opt
# --------------------------------------------------------------------------

def extract_layer(zip_path: str, dest: str) -> str:
    """Extracts a layer zip into `dest` (the stand-in for /opt), keeping the
    Unix permission bits stored in the zip as Lambda does (the wrapper must
    arrive executable). Returns dest."""
    os.makedirs(dest, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            path = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                os.chmod(path, mode)
    return dest


# --------------------------------------------------------------------------
# MariaDB
# --------------------------------------------------------------------------

class MariaDB:
    """A MariaDB server on 127.0.0.1:<free port> with its own data directory
    under `workdir`; any user name is accepted (--skip-grant-tables). Use as
    a context manager: stopped (SIGTERM, then SIGKILL) on exit, even when
    the test fails."""

    def __init__(self, workdir: str, max_connections: int = 5000, start_timeout: float = 60.0):
        self.workdir = workdir
        self.datadir = os.path.join(workdir, "data")
        self.socket_path = os.path.join(workdir, "mariadb.sock")
        self.log_path = os.path.join(workdir, "mariadb.err")
        self.max_connections = max_connections
        self.start_timeout = start_timeout
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    def __enter__(self) -> "MariaDB":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _common(self) -> List[str]:
        return ["--no-defaults", "--datadir=" + self.datadir, "--user=" + _user_name()]

    def start(self) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        server = (shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/libexec")
                  or shutil.which("mysqld", path="/usr/sbin"))
        if not install or not server:
            raise EmulatorError("MariaDB is not installed (mariadb-install-db, mariadbd: "
                                "Debian package mariadb-server; scripts/install-deps.sh)")
        log = os.path.join(self.workdir, "install-db.log")
        with open(log, "w") as out:
            try:
                r = subprocess.run([install] + self._common() +
                                   ["--auth-root-authentication-method=normal", "--skip-test-db",
                                    "--innodb-log-file-size=8M"],
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   timeout=120, start_new_session=True)
            except subprocess.TimeoutExpired:
                raise EmulatorError("mariadb-install-db took more than 120 s; see %s" % log)
        if r.returncode != 0:
            raise EmulatorError("mariadb-install-db failed (%d):\n%s" % (r.returncode, _tail(log)))
        for attempt in range(3):
            if self._start_server(server, attempt == 2):
                return

    def _start_server(self, server: str, last: bool) -> bool:
        """Starts mariadbd on a free port; False if another process took
        the port first (and this was not the last attempt)."""
        self.port = free_port()
        if os.path.exists(self.log_path):
            os.remove(self.log_path)
        argv = [server] + self._common() + [
            "--socket=" + self.socket_path, "--pid-file=" + os.path.join(self.workdir, "mariadb.pid"),
            "--port=%d" % self.port, "--bind-address=127.0.0.1", "--skip-name-resolve",
            "--skip-grant-tables", "--max-connections=%d" % self.max_connections,
            "--max-connect-errors=1000000", "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M", "--skip-log-bin", "--performance-schema=OFF",
            "--log-error=" + self.log_path]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True,
                                     cwd=self.workdir, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                log = _tail(self.log_path)
                self.proc = None
                if "already in use" in log and not last:
                    return False
                raise EmulatorError("mariadbd exited at start-up:\n%s" % log)
            if self._answers():
                return True
            if time.monotonic() > deadline:
                raise EmulatorError("mariadbd did not answer on 127.0.0.1:%d within %.0f s:\n%s"
                                    % (self.port, self.start_timeout, _tail(self.log_path)))
            time.sleep(0.1)

    def _answers(self) -> bool:
        """True when the server sends its handshake packet on the TCP port."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.settimeout(2)
                data = s.recv(64)
                return len(data) > 4
        except OSError:
            return False

    def connections(self) -> int:
        """Client connections open right now (Threads_connected), through the
        mariadb client on the Unix socket; -1 if that fails."""
        client = shutil.which("mariadb") or shutil.which("mysql")
        try:
            r = subprocess.run([client, "--no-defaults", "--socket=" + self.socket_path, "-uroot",
                                "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE 'Threads_connected'"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            return int(r.stdout.split()[1]) - 1      # less this client's own connection
        except (OSError, subprocess.TimeoutExpired, IndexError, ValueError):
            return -1

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.proc, grace=15.0)
            self.proc = None


def _user_name() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _tail(path: str, n: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return "(%s)" % e


# --------------------------------------------------------------------------
# Invocations and runtimes
# --------------------------------------------------------------------------

@dataclass
class Invocation:
    index: int                      # 1-based, in the order sent
    request_id: str
    event: dict
    deadline_ms: int = 0
    status: str = "queued"          # queued, running, success, error, crashed, timeout
    error_type: str = ""
    error_message: str = ""
    response: Optional[dict] = None
    runtime: int = 0                # index of the runtime process that ran it (1-based)
    t_start: float = 0.0            # monotonic: handed to the runtime by /next
    wall_start: float = 0.0         # the same, unix time
    t_end: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status not in ("success",)


@dataclass
class Runtime:
    index: int                      # 1-based: the n-th runtime process of this function
    proc: subprocess.Popen
    argv: List[str]
    t_spawn: float                  # monotonic, just before the fork
    t_first_next: float = 0.0       # monotonic, when its first /next arrived
    cpu_first_next: float = 0.0     # its CPU time (user + system, all threads) then
    invocations: List[int] = field(default_factory=list)
    init_error: Optional[dict] = None
    exit_code: Optional[int] = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def init_seconds(self) -> float:
        return self.t_first_next - self.t_spawn if self.t_first_next else float("nan")


class RuntimeAPI:
    """The Runtime API server: a queue of one invocation at a time, the
    results posted back. Thread-safe; all waits are bounded."""

    def __init__(self, function_arn: str, timeout_s: float):
        self.function_arn = function_arn
        self.timeout_s = timeout_s
        self.cond = threading.Condition()
        self.pending: List[Invocation] = []
        self.by_id: Dict[str, Invocation] = {}
        self.current_runtime: Optional[Runtime] = None
        self.stopping = False
        self.bad_requests: List[str] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"       # keep-alive: the client reuses one socket
            disable_nagle_algorithm = True      # headers and body are two writes

            def log_message(self, fmt, *args):  # quiet
                pass

            def do_GET(self):
                api._handle(self, "GET")

            def do_POST(self):
                api._handle(self, "POST")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                # A runtime killed mid-request resets its connection: expected.
                import sys
                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="runtime-api", daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return "127.0.0.1:%d" % self.port

    def close(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    # -- requests --------------------------------------------------------

    def _read_body(self, h) -> bytes:
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(h.rfile.read(size))
                h.rfile.readline()
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n else b""

    def _reply(self, h, code: int, body: dict, headers: Optional[Dict[str, str]] = None) -> None:
        data = json.dumps(body).encode()
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    def _handle(self, h, method: str) -> None:
        path = h.path.split("?", 1)[0]
        body = self._read_body(h) if method == "POST" else b""
        if method == "GET" and path == API_PREFIX + "/invocation/next":
            return self._next(h)
        if method == "POST" and path == API_PREFIX + "/init/error":
            with self.cond:
                rt = self.current_runtime
                if rt is not None:
                    rt.init_error = _json_or_text(body)
                    rt.init_error["_type_header"] = h.headers.get("Lambda-Runtime-Function-Error-Type", "")
                self.cond.notify_all()
            return self._reply(h, 202, {"status": "OK"})
        if method == "POST" and path.startswith(API_PREFIX + "/invocation/"):
            rest = path[len(API_PREFIX + "/invocation/"):]
            rid, _, what = rest.rpartition("/")
            rid = _unquote(rid)
            with self.cond:
                inv = self.by_id.get(rid)
                if inv is None or inv.status != "running" or what not in ("response", "error"):
                    self.bad_requests.append("%s %s" % (method, h.path))
                    return self._reply(h, 400, {"errorMessage": "Invalid request ID",
                                                "errorType": "InvalidRequestID"})
                inv.t_end = time.monotonic()
                if what == "response":
                    inv.status = "success"
                    inv.response = _json_or_text(body)
                else:
                    inv.status = "error"
                    err = _json_or_text(body)
                    inv.error_type = str(err.get("errorType") or
                                         h.headers.get("Lambda-Runtime-Function-Error-Type", ""))
                    inv.error_message = str(err.get("errorMessage", ""))
                self.cond.notify_all()
            return self._reply(h, 202, {"status": "OK"})
        self.bad_requests.append("%s %s" % (method, h.path))
        self._reply(h, 404, {"errorMessage": "unknown path", "errorType": "NotFound"})

    def _next(self, h) -> None:
        with self.cond:
            rt = self.current_runtime
            if rt is not None and not rt.t_first_next:
                rt.t_first_next = time.monotonic()
                rt.cpu_first_next = _cpu_seconds(rt.pid)
                self.cond.notify_all()
            while not self.pending and not self.stopping:
                self.cond.wait(0.5)
            if self.stopping:
                h.close_connection = True
                return
            inv = self.pending.pop(0)
            inv.status = "running"
            inv.t_start = time.monotonic()
            inv.wall_start = time.time()
            inv.runtime = rt.index if rt else 0
            if rt is not None:
                rt.invocations.append(inv.index)
            inv.deadline_ms = int(time.time() * 1000 + self.timeout_s * 1000)
            self.cond.notify_all()
        data = json.dumps(inv.event).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Lambda-Runtime-Aws-Request-Id", inv.request_id)
        h.send_header("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms))
        h.send_header("Lambda-Runtime-Invoked-Function-Arn", self.function_arn)
        h.send_header("Lambda-Runtime-Trace-Id",
                      "Root=1-%08x-%s;Parent=%s;Sampled=0"
                      % (int(time.time()), uuid.uuid4().hex[:24], uuid.uuid4().hex[:16]))
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _json_or_text(body: bytes) -> dict:
    try:
        v = json.loads(body.decode("utf-8", "replace")) if body else {}
        return v if isinstance(v, dict) else {"value": v}
    except ValueError:
        return {"text": body.decode("utf-8", "replace")}


def _unquote(s: str) -> str:
    from urllib.parse import unquote
    return unquote(s)


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
            _die_with_parent()

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
