#!/usr/bin/python3
"""fdscope attach on a multithreaded server blocked in accept() and read().

`threaded_server` listens on 127.0.0.1; its main thread blocks in accept()
(accept_one, called from accept_loop), a thread per connection in read()
(serve), and an idle thread in a condition wait. Any EINTR ends it with
status 99. Checked:

- client A connects before the attach and is answered ("pong 1"); its
  thread then waits in read(), the main thread in accept();
- attach, while all three threads are blocked: exit 0, one line, stopped
  for less than MAX_STOP_MS;
- A's next request is answered ("pong 2"): its read() was restarted, not
  failed with EINTR; client B's connection is taken by the accept() that
  was under way at the attach (untracked: the call began before the
  attach), client C's by the next one, through the library;
- snapshot (--format json): exactly one tracked descriptor, C's socket
  (tcp 127.0.0.1:P -> 127.0.0.1:C's port), created by accept in
  accept_one, called from accept_loop; the listener and A's and B's
  sockets untracked;
- detach, then client D is served ("pong 5"); "quit" ends the server with
  "served 5 eintr 0" and status 0: no connection lost, no EINTR.
"""

import os
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: a multithreaded server", lambda ck, tmp: check(ck, tmp, args), args)


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=toollib.TIMEOUT)
        self.buf = b""

    def ask(self, line: str) -> str:
        self.s.sendall(line.encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                return "(closed)"
            self.buf += chunk
        reply, self.buf = self.buf.split(b"\n", 1)
        return reply.decode()

    def local_port(self):
        return self.s.getsockname()[1]


def thread_states(pid):
    """{tid: (state, syscall number or None)} of the process's threads."""
    out = {}
    for tid in sorted(int(t) for t in os.listdir("/proc/%d/task" % pid)):
        with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        try:
            with open("/proc/%d/task/%d/syscall" % (pid, tid)) as f:
                nr = f.read().split()[0]
        except OSError:
            nr = None
        out[tid] = (state, nr)
    return out


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    dumps = os.path.join(tmp, "dumps")
    os.mkdir(dumps)
    options = "output=%s/fdscope.%%p.jsonl:log=none" % dumps
    p = attachlib.Proc([args.server], env, tmp, "server")
    clients = []
    try:
        port = int(p.read_until("port ").split()[1])
        a = Client(port)
        clients.append(a)
        ck.expect_equal(a.ask("ping"), "pong 1", "client A, before the attach: answered")
        # Every thread blocked: main in accept, A's in read, the idle one in a futex.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            states = thread_states(p.pid)
            if len(states) == 3 and all(s == "S" for s, _ in states.values()):
                break
            time.sleep(0.02)
        syscalls = sorted(nr for _, nr in thread_states(p.pid).values())
        ck.expect_equal(syscalls, sorted(["0", "43", "202"]),
                        "before the attach, the three threads sleep in read (0), accept (43) and futex (202)")

        attachlib.attach(ck, args.fdscope, p.pid, options, env, "attach to the blocked server")
        ck.expect_equal(a.ask("ping"), "pong 2", "client A after the attach: its read() went on (no EINTR)")
        b = Client(port)
        clients.append(b)
        ck.expect_equal(b.ask("ping"), "pong 3", "client B: accepted by the accept() under way at the attach")
        c = Client(port)
        clients.append(c)
        ck.expect_equal(c.ask("ping"), "pong 4", "client C: accepted through the library")

        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "snapshot", fmt="json")
        d = attachlib.snapshot_dump(r)
        tracked = [rec for rec in d.fds if rec["tracked"]]
        untracked = sorted(rec["target"] for rec in d.fds if not rec["tracked"] and rec["kind"] == "socket")
        want = "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (port, c.local_port())
        ck.expect_equal([(rec["call"], rec["kind"], rec["target"]) for rec in tracked],
                        [("accept", "socket", want)],
                        "snapshot: one tracked descriptor, C's socket, created by accept")
        if len(tracked) == 1:
            ck.expect_equal(d.functions(tracked[0]["stack"])[:2], ["accept_one", "accept_loop"],
                            "snapshot: C's socket was created in accept_one, called from accept_loop")
        ck.expect_equal(untracked, sorted(["tcp 127.0.0.1:%d (listening)" % port,
                                           "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (port, a.local_port()),
                                           "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (port, b.local_port())]),
                        "snapshot: the listener and A's and B's sockets are untracked, with their addresses")
        rep = toollib.load_json_ordered(r.stdout) if r.returncode == 0 else {"sites": []}
        ck.expect_equal([(toollib.program_functions(s)[:2], s["count"]) for s in rep["sites"]],
                        [(["accept_one", "accept_loop"], 1)],
                        "snapshot --format json: one site, accept_one <- accept_loop, 1 descriptor")

        attachlib.detach(ck, args.fdscope, p.pid, env, "detach")
        dd = Client(port)
        clients.append(dd)
        ck.expect_equal(dd.ask("ping"), "pong 5", "client D, after the detach: served")
        a.s.sendall(b"quit\n")
        status, out = p.finish()
        ck.expect_equal((status, out), (0, "port %d\nserved 5 eintr 0\n" % port),
                        "the server ends with 'served 5 eintr 0' and status 0: no EINTR, no lost connection")
    finally:
        for c in clients:
            c.s.close()
        p.kill()


if __name__ == "__main__":
    main()
