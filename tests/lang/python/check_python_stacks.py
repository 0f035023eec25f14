#!/usr/bin/python3
"""Python creation stacks: each descriptor names the Python code that made it.

Runs fixtures/python_sites.py under libfdscope.so (lang=auto, the default),
copied into a directory with a non-ASCII name, against a TCP server this
checker runs on 127.0.0.1. The fixture creates descriptors from marked lines
(files, sockets, subprocess pipes, mkstemp, TemporaryFile, a
threading.Thread, asyncio's open_connection and create_connection, functions
with Latin-1 and CJK names) and asks for a dump while holding them. In that
dump, every one of them must carry a Python stack (lang_stack) whose frames
are, innermost first, exactly the expected ones: the fixture's functions
with the lines of their markers, the standard library's in between (by
module and function; their lines vary between versions), nothing missing,
nothing extra. Descriptors of one site share one interned stack; different
sites have different ones. A second run with lang=off records no Python
stacks.
"""

import json
import os
import shutil
import socket
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "e2e"))
import dumplib  # noqa: E402
from fixture_markers import markers, short  # noqa: E402
from dumplib import Checker  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "python_sites.py")
COUNT = 5


# Stack patterns, innermost first. Fx: a frame of the fixture, at the line
# of a marker. Std: one standard-library frame, in a module, named one of
# `names` (3.11+ qualified names; before 3.11 CPython has only the last
# part). More: one or more standard-library frames of a module. Gap: one or
# more standard-library frames, among them the named ones.
class Fx:
    def __init__(self, name, marker):
        self.name, self.marker = name, marker


class Std:
    def __init__(self, module, *names):
        self.module, self.names = module, names


class More:
    def __init__(self, module):
        self.module = module


class Gap:
    def __init__(self, *names):
        self.names = names


MODULE = Fx("<module>", "call: main")


def from_main(site, function, call):
    return [Fx(function, "site: " + site), Fx("main", "call: " + call), MODULE]


ASYNC_LOOP = Gap("BaseEventLoop._run_once", "BaseEventLoop.run_until_complete")
SITES = {
    "file": from_main("file", "open_logs", "open_logs"),
    "socket": [Std("socket.py", "socket.__init__")] + from_main("socket", "connect_cache", "connect_cache"),
    "popen": [Std("subprocess.py", "Popen._get_handles"), Std("subprocess.py", "Popen.__init__")]
             + from_main("popen", "spawn_worker", "spawn_worker"),
    "mkstemp": [Std("tempfile.py", "_mkstemp_inner"), Std("tempfile.py", "mkstemp")]
               + from_main("mkstemp", "make_temp", "make_temp"),
    # O_TMPFILE where the file system has it, else mkstemp and unlink.
    "tempfile": [More("tempfile.py")] + from_main("tempfile", "make_temp", "make_temp"),
    "thread": [Fx("thread_opener", "site: thread"), Std("threading.py", "Thread.run"),
               Std("threading.py", "Thread._bootstrap_inner"), Std("threading.py", "Thread._bootstrap")],
    "open_connection": [Std("socket.py", "socket.__init__"),
                        Std("base_events.py", "BaseEventLoop._connect_sock"),
                        Std("base_events.py", "BaseEventLoop.create_connection"),
                        Std("streams.py", "open_connection"),
                        Fx("fetch_async", "site: open_connection"), Fx("async_main", "call: fetch_async"),
                        ASYNC_LOOP, Fx("main", "call: async_main"), MODULE],
    "create_connection": [Std("socket.py", "socket.__init__"),
                          Std("base_events.py", "BaseEventLoop._connect_sock"),
                          Std("base_events.py", "BaseEventLoop.create_connection"),
                          Fx("connect_proto", "site: create_connection"),
                          Fx("async_main", "call: connect_proto"),
                          ASYNC_LOOP, Fx("main", "call: async_main"), MODULE],
    "latin1": from_main("latin1", "öffne", "latin1"),
    "ucs2": from_main("ucs2", "開く", "ucs2"),
}
# Sites whose descriptors all come from one line: one interned stack.
ONE_STACK = {"file": COUNT, "socket": COUNT}
# subprocess's two pipes come from two lines of Popen._get_handles.
DESCRIPTORS = {"popen": 2}


def match(frames, pattern, fixture, lines, version):
    """None if `frames` (innermost first) fit `pattern`, else what did not."""
    def is_fixture(fr):
        return fr.file == fixture

    def std_name(fr, names):
        return any(fr.function == short(n, version) for n in names)

    def go(i, j):
        if j == len(pattern):
            return None if i == len(frames) else "extra frames from #%d" % i
        p = pattern[j]
        if i == len(frames):
            return "stack ends before %s" % describe(p)
        fr = frames[i]
        if isinstance(p, Fx):
            want = (short(p.name, version), fixture, lines[p.marker])
            if (fr.function, fr.file, fr.line) != want:
                return "#%d is %s, expected %s %s:%d" % (i, fr.label(), want[0], want[1], want[2])
            return go(i + 1, j + 1)
        if isinstance(p, Std):
            if is_fixture(fr) or os.path.basename(fr.file) != p.module or not std_name(fr, p.names) \
                    or not fr.line or fr.line <= 0:
                return "#%d is %s, expected %s in %s" % (i, fr.label(), "/".join(p.names), p.module)
            return go(i + 1, j + 1)
        if isinstance(p, More):
            k = i
            while k < len(frames) and not is_fixture(frames[k]) and os.path.basename(frames[k].file) == p.module:
                k += 1
            if k == i:
                return "#%d is %s, expected frames of %s" % (i, fr.label(), p.module)
            return go(k, j + 1)
        # Gap: the standard-library frames up to the next fixture frame.
        k = i
        while k < len(frames) and not is_fixture(frames[k]):
            k += 1
        seen = {frames[x].function for x in range(i, k)}
        missing = [n for n in p.names if short(n, version) not in seen]
        if k == i or missing:
            return "frames #%d..#%d lack %s" % (i, k, missing or "any frame")
        return go(k, j + 1)

    return go(0, 0)


def describe(p):
    if isinstance(p, Fx):
        return "%s (%s)" % (p.name, p.marker)
    if isinstance(p, Std):
        return "%s in %s" % ("/".join(p.names), p.module)
    if isinstance(p, More):
        return "frames of %s" % p.module
    return "standard-library frames with %s" % (p.names,)


class Server:
    """A TCP server on 127.0.0.1 that accepts and holds every connection."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        for c in self.held:
            c.close()
        self.sock.close()


def run_fixture(ck, shim, python, tmp, options, name):
    work = os.path.join(tmp, name)
    data = os.path.join(work, "data")
    outdir = os.path.join(work, "dumps")
    os.makedirs(data)
    os.makedirs(outdir)
    # A directory with a non-ASCII name: co_filename is then a non-ASCII str.
    fixdir = os.path.join(work, "fixtures-ü")
    os.makedirs(fixdir)
    fixture = os.path.join(fixdir, "python_sites.py")
    shutil.copy(FIXTURE, fixture)
    report = os.path.join(work, "report.json")
    server = Server()
    try:
        argv = [python, fixture, "--dir", data, "--port", str(server.port), "--count", str(COUNT),
                "--report", report]
        run = dumplib.run_program(argv, shim, "log=none:output=%s/fdscope.%%p.jsonl%s" % (outdir, options),
                                  timeout=60)
    finally:
        server.close()
    ck.require(run.returncode == 0 and run.stdout == "dumped holding 9 objects\n",
               "%s: the fixture runs to its end under the library" % name,
               "exit %d\nstdout:\n%s\nstderr:\n%s" % (run.returncode, run.stdout, run.stderr))
    with open(report) as f:
        rep = json.load(f)
    ck.expect_equal(rep["pid"], run.pid, "%s: the report is the fixture's" % name)
    dumps = [d for d in ck.process_dumps(outdir, run.pid) if d.reason == "signal"]
    ck.require(len(dumps) == 1, "%s: one signal dump of the fixture (pid %d)" % (name, run.pid))
    return dumps[0], rep, os.path.realpath(fixture)


def check_stacks(ck, d, rep, fixture, label):
    version = rep["version"]
    lines = markers(fixture)
    sites = rep["sites"]
    ck.expect_equal(sorted(sites), sorted(SITES), "%s: the fixture reports every site" % label)
    site_stacks = {}
    for site, fds in sorted(sites.items()):
        want = DESCRIPTORS.get(site, ONE_STACK.get(site, 1))
        ck.expect_equal(len(fds), want, "%s: %s made %d descriptor(s)" % (label, site, want))
        stacks = []
        for fd in fds:
            rec = d.find(fd)
            ok = rec is not None and rec.tracked and rec.get("lang_stack")
            ck.expect(bool(ok), "%s: %s fd %d is tracked with a Python stack" % (label, site, fd),
                      dumplib.describe_fds(d, [rec]) if rec else "fd %d not in the dump" % fd)
            if not ok:
                continue
            sid = rec.get("lang_stack")
            frames = d.frames(sid)
            stacks.append(sid)
            ck.expect(frames and all(fr.lang == "python" for fr in frames),
                      "%s: %s fd %d: stack %d has only Python frames" % (label, site, fd, sid))
            why = match(frames, SITES[site], fixture, lines, version)
            ck.expect(why is None, "%s: %s fd %d: %s" % (
                label, site, fd, " < ".join(describe(p) for p in SITES[site])),
                "%s\nstack: %s" % (why, d.describe_stack(sid, 30)))
        if site in ONE_STACK:
            ck.expect_equal(len(set(stacks)), 1, "%s: the %d %s descriptors share one stack"
                            % (label, len(fds), site))
        site_stacks[site] = set(stacks)
    every = [s for ss in site_stacks.values() for s in ss]
    ck.expect_equal(len(every), len(set(every)), "%s: no two sites share a stack" % label)
    inner = d.frames(next(iter(site_stacks["socket"]), None))
    if inner:
        ck.note("socket site: " + " < ".join(fr.label() for fr in inner))


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--python", required=True, help="the CPython executable (not a pyenv shim)")
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)
    ck = Checker("python creation stacks (%s)" % args.python)
    with dumplib.work_dir("fdscope-lang-python-", args.keep) as tmp:
        d, rep, fixture = run_fixture(ck, shim, args.python, tmp, "", "auto")
        ck.note("CPython %d.%d, fixture %s" % (rep["version"][0], rep["version"][1], fixture))
        check_stacks(ck, d, rep, fixture, "lang=auto")
        d, rep, _ = run_fixture(ck, shim, args.python, tmp, ":lang=off", "off")
        with_stack = [f.fd for f in d.tracked() if f.get("lang_stack")]
        ck.expect_equal(with_stack, [], "lang=off: no descriptor has a Python stack")
        ck.expect(len(d.tracked()) >= sum(len(v) for v in rep["sites"].values()),
                  "lang=off: the descriptors are still tracked")
    ck.done()


if __name__ == "__main__":
    dumplib.run_checker(main)
