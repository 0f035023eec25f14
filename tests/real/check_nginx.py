#!/usr/bin/python3
"""Debian's nginx, master and 2 workers (which drop privileges to nobody),
plain and with libfdscope.so preloaded in the whole process tree
(signal=SIGRTMIN+7: nginx takes SIGUSR2 itself), on 127.0.0.1:

- curl fetches before and after the load (a page, a 1 MiB file through
  sendfile and through gzip, a directory listing, a range, a 404, a 405,
  several URLs over one keep-alive connection): the same status, headers
  (less Date) and bodies, byte for byte, plain and preloaded, and the
  bodies equal to the files;
- wrk (not preloaded: it is the load) in rounds of 1 s (2 s with --long)
  on one server, then the other, both running side by side: no errors and
  no non-2xx answers; requests/s plain and preloaded are printed;
- during the load, `fdscope snapshot` of each worker exits 0: the workers
  run as nobody, so the dump goes to the private fallback file in their
  $TMPDIR, said in one line on their stderr (the error log), and the
  report names nginx's functions (ngx_event_accept for the connections,
  ngx_open_listening_sockets for the inherited listener); then a snapshot
  of the master;
- QUIT: the master exits 0 within its time limit; the same exit status
  and error log (timestamps and pids aside, fdscope's lines aside) plain
  and preloaded; every dump, where it was asked for or in the fallback
  directory, complete.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reallib  # noqa: E402

NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
CURL = "/usr/bin/curl"

CONF = """daemon off;
master_process on;
worker_processes 2;
user nobody nogroup;
pid {run}/nginx.pid;
error_log {run}/error.log notice;
env LD_PRELOAD;
env FDSCOPE_OPTIONS;
events {{ worker_connections 1024; }}
http {{
  access_log {run}/access.log;
  sendfile on;
  open_file_cache max=64 inactive=20s;
  client_body_temp_path {run}/tmp/body;
  proxy_temp_path {run}/tmp/proxy;
  fastcgi_temp_path {run}/tmp/fastcgi;
  uwsgi_temp_path {run}/tmp/uwsgi;
  scgi_temp_path {run}/tmp/scgi;
  types {{ text/html html; application/octet-stream bin; text/plain txt; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location /files/ {{ autoindex on; }}
    location /zipped/ {{ alias {root}/files/; gzip on; gzip_types application/octet-stream text/plain; gzip_min_length 1; }}
  }}
}}
"""

# (name, curl arguments after the URL base): each fetch's status, headers
# and body are compared.
FETCHES = [
    ("index", ["/index.html"]),
    ("big", ["/files/big.bin"]),
    ("gzip", ["-H", "Accept-Encoding: gzip", "/zipped/words.txt"]),
    ("listing", ["/files/"]),
    ("range", ["-r", "1000-1999", "/files/big.bin"]),
    ("missing", ["/no/such/file"]),
    ("post", ["-X", "POST", "--data", "x=1", "/index.html"]),
]


def make_root(root):
    os.makedirs(os.path.join(root, "files"))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<html><body>fdscope real programs: nginx</body></html>\n")
    h = hashlib.sha256(b"fdscope")
    with open(os.path.join(root, "files", "big.bin"), "wb") as f:
        for _ in range(1 << 15):  # 32768 x 32 bytes = 1 MiB
            h.update(b".")
            f.write(h.digest())
    with open(os.path.join(root, "files", "words.txt"), "w") as f:
        for i in range(20000):
            f.write("line %d of a compressible file\n" % i)
    for dirpath, dirs, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for n in files:
            os.chmod(os.path.join(dirpath, n), 0o644)
    # The same mtimes in both runs' listings, whatever the clock says.
    for dirpath, dirs, files in os.walk(root):
        for n in files + dirs:
            os.utime(os.path.join(dirpath, n), (1700000000, 1700000000))


def fetch_all(port, outdir):
    """Runs every fetch (curl, not preloaded); returns {name: (head, body)}."""
    os.makedirs(outdir, exist_ok=True)
    got = {}
    for name, args in FETCHES:
        body = os.path.join(outdir, name + ".body")
        head = os.path.join(outdir, name + ".head")
        url = "http://127.0.0.1:%d" % port
        argv = [CURL, "-sS", "--max-time", "20", "-D", head, "-o", body] + args[:-1] + [url + args[-1]]
        r = subprocess.run(argv, env=reallib.clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        with open(head, "rb") as f:
            h = f.read()
        with open(body, "rb") as f:
            b = f.read()
        h = b"".join(l for l in h.splitlines(True) if not l.lower().startswith(b"date:"))
        got[name] = (r.returncode, h, b)
    # Several URLs over one connection (keep-alive).
    r = subprocess.run([CURL, "-sS", "--max-time", "20"] +
                       ["http://127.0.0.1:%d/index.html" % port] * 5 + ["http://127.0.0.1:%d/files/big.bin" % port],
                       env=reallib.clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    got["keepalive"] = (r.returncode, b"", r.stdout)
    return got


def normalize_log(text):
    """The error log without timestamps, pids, thread/connection ids and
    the port, sorted (two workers write it in either order). The master's
    lines about SIGCHLD and SIGIO are left out: one SIGCHLD for both
    workers or one each, and a SIGIO when a worker's channel closes after
    the other was reaped, depend on how far apart the workers exit (seen
    plain too, with one worker slower to finish)."""
    out = []
    for line in text.splitlines():
        if re.search(r"\] \d+#\d+: signal (17 \(SIGCHLD\)|29 \(SIGIO\)) received", line):
            continue
        line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)
        line = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "", line)
        line = re.sub(r"\b\d+#\d+: (\*\d+ )?", "PID#TID: ", line)
        line = re.sub(r"\bprocess \d+\b", "process PID", line)
        line = re.sub(r"\b(pid|worker process|signal process started|getrlimit\(RLIMIT_NOFILE\)):? \d+", r"\1 N", line)
        line = re.sub(r"\bsignal (\d+) \(SIG\w+\) received from \d+", r"signal \1 received from PID", line)
        out.append(line)
    return "\n".join(sorted(out)) + "\n"


class Nginx:
    """One nginx (plain when how == "plain") under a prefix of its own."""

    def __init__(self, ck, args, tmp, how, root):
        self.how = how
        self.run_dir = os.path.join(tmp, how)
        os.makedirs(os.path.join(self.run_dir, "tmp"))
        self.dumps = os.path.join(self.run_dir, "dumps")
        self.fallback = os.path.join(self.run_dir, "fallback")
        os.mkdir(self.dumps, 0o755)   # root's: the workers (nobody) cannot write here
        os.mkdir(self.fallback)
        os.chmod(self.fallback, 0o1777)  # their $TMPDIR, where their dumps fall back to
        self.port = reallib.free_port()
        self.url = "http://127.0.0.1:%d/index.html" % self.port
        with open(os.path.join(self.run_dir, "nginx.conf"), "w") as f:
            f.write(CONF.format(run=self.run_dir, port=self.port, root=root))
        shim = args.shim if how == "preloaded" else None
        env = reallib.preload_env(shim, reallib.options(self.dumps), {"TMPDIR": self.fallback})
        self.server = reallib.Background([NGINX, "-p", self.run_dir, "-e", os.path.join(self.run_dir, "error.log"),
                                          "-c", os.path.join(self.run_dir, "nginx.conf")], env,
                                         os.path.join(self.run_dir, "nginx"))
        self.pid = self.server.pid
        self.rps = []
        ck.require(reallib.wait_port(self.port, 30, self.server.alive),
                   "%s: nginx answers on 127.0.0.1:%d" % (how, self.port))
        deadline = time.monotonic() + 10
        while len(reallib.children(self.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.workers = reallib.children(self.pid)
        ck.expect_equal(len(self.workers), 2, "%s: the master has 2 worker processes" % how)

    def load(self, seconds, name):
        """wrk (not preloaded) for `seconds`, in the background."""
        return reallib.Background([WRK, "-t1", "-c16", "-d%ds" % seconds, "--timeout", "5s", self.url],
                                  reallib.clean_env(), os.path.join(self.run_dir, name))

    def quit(self):
        os.kill(self.pid, signal.SIGQUIT)
        run = self.server.wait(60)
        with open(os.path.join(self.run_dir, "error.log"), errors="replace") as f:
            return run, f.read()


def wrk_ok(ck, what, wr):
    m = re.search(r"^Requests/sec:\s+([\d.]+)", wr.out, re.M)
    ok = (not wr.timed_out and wr.returncode == 0 and m is not None and "Non-2xx" not in wr.out
          and "Socket errors" not in wr.out)
    ck.expect(ok, "%s: wrk exited 0, no errors, every answer 2xx%s"
              % (what, " (%.0f requests/s)" % float(m.group(1)) if m else ""), wr.out + wr.err)
    return float(m.group(1)) if m else 0.0


def snapshots_under_load(ck, args, n):
    """A load on the preloaded nginx, during which each worker is asked
    for a dump; then a dump of the master."""
    wrk = n.load(3, "wrk-snapshot")
    time.sleep(0.7)
    ck.expect(wrk.alive(), "preloaded: wrk is loading nginx when the workers are snapshot")
    names = set()
    for w in n.workers:
        rep = reallib.snapshot(ck, "preloaded: worker %d under load" % w, args.fdscope, w,
                               want=["ngx_open_listening_sockets"])
        for s in (rep or {}).get("sites", []):
            names.update(fr.get("function") or "" for fr in s.get("frames", []))
    ck.expect(any("ngx_event_accept" in x for x in names),
              "preloaded: the workers' snapshots name ngx_event_accept (the connections under load)",
              " ".join(sorted(names))[:3000])
    wrk_ok(ck, "preloaded: during the snapshots", wrk.wait(40))
    reallib.snapshot(ck, "preloaded: master", args.fdscope, n.pid, want=["ngx_open_listening_sockets"])


def body(ck, args, tmp):
    for exe in (NGINX, WRK, CURL):
        ck.require(os.access(exe, os.X_OK), "%s is installed (scripts/install-deps.sh)" % exe)
    root = os.path.join(tmp, "html")
    make_root(root)
    rounds, seconds = (10, 2) if args.long else (4, 1)
    res = {"plain": {}, "preloaded": {}}
    servers = {}
    try:
        for how in ("plain", "preloaded"):
            servers[how] = Nginx(ck, args, tmp, how, root)
        for how, n in servers.items():
            res[how]["before"] = fetch_all(n.port, os.path.join(n.run_dir, "fetch-before"))
        # The measured load: rounds of wrk on one, then the other (a shared
        # machine's noise hits both alike); the ratio is the median of the
        # rounds' ratios.
        ratios = []
        for r in range(rounds):
            got = {}
            for how in (("plain", "preloaded") if r % 2 == 0 else ("preloaded", "plain")):
                wr = servers[how].load(seconds, "wrk-%d" % r).wait(seconds + 30)
                got[how] = wrk_ok(ck, "%s: round %d, %d s" % (how, r + 1, seconds), wr)
                servers[how].rps.append(got[how])
            if got["plain"]:
                ratios.append(got["preloaded"] / got["plain"])
        snapshots_under_load(ck, args, servers["preloaded"])
        for how, n in servers.items():
            res[how]["after"] = fetch_all(n.port, os.path.join(n.run_dir, "fetch-after"))
        for how, n in servers.items():
            res[how]["run"], res[how]["error_log"] = n.quit()
            res[how]["dumps"], res[how]["fallback"] = n.dumps, n.fallback
    finally:
        for n in servers.values():
            n.server.kill()
    plain, pre = res["plain"], res["preloaded"]
    with open(os.path.join(root, "files", "big.bin"), "rb") as f:
        big = f.read()
    ck.expect(plain["before"]["big"][2] == big and plain["before"]["range"][2] == big[1000:2000],
              "plain: the 1 MiB file and its range come back as they are on disk")
    for when in ("before", "after"):
        for name in sorted(plain[when]):
            a, b = plain[when][name], pre[when][name]
            ck.expect(a == b, "fetch %s %s the load: same curl status, headers and body (%d bytes) preloaded"
                      % (name, when, len(a[2])),
                      "plain: %r\npreloaded: %r" % ((a[0], a[1], a[2][:200]), (b[0], b[1], b[2][:200])))
    ck.expect(b"Content-Encoding: gzip" in plain["before"]["gzip"][1], "the gzip fetch was compressed")

    r_plain, r_pre = plain["run"], pre["run"]
    reallib.compare(ck, "nginx", r_plain, r_pre, expect_code=0)
    log_plain, _ = reallib.split_fdscope_lines(plain["error_log"])
    log_pre, ours = reallib.split_fdscope_lines(pre["error_log"])
    ck.expect(normalize_log(log_plain) == normalize_log(log_pre),
              "the error log is the same preloaded, timestamps, pids and fdscope's lines aside (%d lines)"
              % log_plain.count("\n"), reallib.diff(normalize_log(log_plain), normalize_log(log_pre)))
    fallback_lines = [l for l in ours if reallib.FALLBACK.match(l)]
    bad = reallib.unexpected_fdscope_lines(ours, [reallib.FALLBACK])
    ck.expect(not bad, "the workers' fdscope lines in the error log are dump summaries (%d lines)" % len(ours),
              "\n".join(bad[:20]))
    fb = os.path.join(pre["fallback"], "")
    if os.geteuid() != 0:
        ck.note("not root: the workers do not drop privileges, so no dump falls back (not checked)")
    else:
        ck.expect(fallback_lines and all(reallib.FALLBACK.match(l).group("fallback").startswith(fb)
                                         for l in fallback_lines),
                  "the workers' dumps fell back to their $TMPDIR, each said in one line (%d)" % len(fallback_lines),
                  "\n".join(ours[:20]))
    dumps = reallib.check_dumps(ck, "nginx", args.fdscope, [pre["dumps"], pre["fallback"]], min_dumps=5,
                                reasons=("signal", "exit"), exes=("nginx",))
    pids = {d.pid for d in dumps if d.reason == "exit"}
    ck.expect(len(pids) >= 3, "exit dumps of the master and both workers (%d processes)" % len(pids))
    med = lambda xs: sorted(xs)[len(xs) // 2] if xs else 0.0
    rp, rq, ratio = med(servers["plain"].rps), med(servers["preloaded"].rps), med(ratios)
    ck.note("requests/s (wrk, 1 thread, 16 connections, loopback, a 55-byte page; median of %d alternating "
            "rounds of %d s): plain %.0f, preloaded %.0f, ratio %.2f (median of the rounds' ratios)"
            % (rounds, seconds, rp, rq, ratio))
    print("RESULT nginx_rps plain=%.0f preloaded=%.0f ratio=%.3f" % (rp, rq, ratio))


if __name__ == "__main__":
    reallib.main("real.nginx", __doc__, body)
