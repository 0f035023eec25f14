#!/usr/bin/python3
"""fdscope attach on a Node.js HTTP server under load.

programs/http_server.js listens on 127.0.0.1: GET /leak opens
/etc/hostname from openLog() and keeps it, any other path answers "ok";
every response closes its connection, and libuv closes the sockets with
syscall(SYS_close). Checked:

- 3 leaks before the attach; then 4 clients send requests without pause
  while fdscope attaches (exit 0, one line, stopped for less than
  MAX_STOP_MS), 5 leaks during the load, then the load stops: every request
  of the load was answered "ok" (none failed or was lost);
- snapshot (--format json): exactly the 5 descriptors leaked since the
  attach are tracked (/etc/hostname, created by open64 in libuv's
  uv_fs_open), the 3 from before are untracked; the header's tracked count
  is 5; the site of the accepted sockets held some at once (peak >= 1) and
  holds none now: every close through syscall(SYS_close) was seen (else it
  would hold one per request);
- detach; requests are still answered, a leak after it counts on ("leaked
  9"), and nothing appeared on node's stderr.
"""

import http.client
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402

CLIENTS = 4


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--node", required=True)
    ap.add_argument("--server-script", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: a Node.js HTTP server", lambda ck, tmp: check(ck, tmp, args), args)


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        c.request("GET", path, headers={"Connection": "close"})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


class Load:
    """CLIENTS threads sending GET / one after another until stopped."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                status, body = get(self.port, "/")
                good = (status, body) == (200, "ok\n")
            except Exception as e:  # noqa: BLE001
                good, status, body = False, None, repr(e)
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failures.append((status, body))

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        return self.ok, self.failures


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    dumps = os.path.join(tmp, "dumps")
    os.mkdir(dumps)
    options = "output=%s/fdscope.%%p.jsonl:log=none" % dumps
    p = attachlib.Proc([args.node, args.server_script], env, tmp, "node")
    load = None
    try:
        port = int(p.read_until("port ").split()[1])
        ck.expect_equal([get(port, "/leak") for _ in range(3)],
                        [(200, "leaked %d\n" % i) for i in (1, 2, 3)], "3 leaks before the attach")
        load = Load(port)
        time.sleep(0.3)
        attachlib.attach(ck, args.fdscope, p.pid, options, env, "attach under load")
        ck.expect_equal([get(port, "/leak") for _ in range(5)],
                        [(200, "leaked %d\n" % i) for i in (4, 5, 6, 7, 8)], "5 leaks after the attach")
        time.sleep(0.3)
        ok, failures = load.finish()
        load = None
        ck.expect(ok >= 20 and not failures, "the load: %d requests answered 'ok', none failed" % ok,
                  "failures: %s" % failures[:5])

        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "snapshot", fmt="json")
        d = attachlib.snapshot_dump(r)
        tracked = [rec for rec in d.fds if rec["tracked"]]
        ck.expect_equal(sorted((rec["target"], rec["call"]) for rec in tracked),
                        [("/etc/hostname", "open64")] * 5,
                        "snapshot: exactly the 5 files leaked since the attach are tracked, created by open64")
        ck.expect(tracked and all("uv_fs_open" in d.functions(rec["stack"]) for rec in tracked),
                  "snapshot: they were created under libuv's uv_fs_open",
                  "%s" % [d.functions(rec["stack"])[:6] for rec in tracked[:1]])
        ck.expect_equal(sum(1 for rec in d.fds if not rec["tracked"] and rec["target"] == "/etc/hostname"), 3,
                        "snapshot: the 3 leaked before the attach are untracked, with their target")
        ck.expect_equal(d.header["tracked"], 5, "snapshot: the header counts 5 tracked descriptors")
        accepts = [pk for pk in d.peaks if pk["call"] in ("accept", "accept4")]
        ck.expect(len(accepts) == 1 and accepts[0]["open"] == 0 and 1 <= accepts[0]["peak"] <= 4 * CLIENTS,
                  "snapshot: the accepted sockets' site held some at once and none now (every "
                  "syscall(SYS_close) seen)", "peaks: %s" % d.peaks)

        attachlib.detach(ck, args.fdscope, p.pid, env, "detach")
        ck.expect_equal([get(port, "/") for _ in range(3)] + [get(port, "/leak")],
                        [(200, "ok\n")] * 3 + [(200, "leaked 9\n")], "after the detach: requests answered")
        ck.expect(p.alive(), "node runs on")
        ck.expect_equal(p.stderr_text(), "", "nothing on node's stderr")
    finally:
        if load:
            load.finish()
        p.kill()


if __name__ == "__main__":
    main()
