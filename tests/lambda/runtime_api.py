"""The Lambda Runtime API (version 2018-06-01) over loopback HTTP/1.1 with
keep-alive, as the real runtime clients expect (stdlib only):

    GET  /2018-06-01/runtime/invocation/next          (blocks until queued)
    POST /2018-06-01/runtime/invocation/{id}/response
    POST /2018-06-01/runtime/invocation/{id}/error
    POST /2018-06-01/runtime/init/error

/next answers with the event as its body and the headers
Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn and
-Trace-Id. Also the records the server keeps: Invocation (one invocation,
queued to its result) and Runtime (one runtime process).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional

API_PREFIX = "/2018-06-01/runtime"


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
