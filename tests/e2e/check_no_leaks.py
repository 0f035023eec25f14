#!/usr/bin/python3
"""End-to-end: programs that close everything they open leave no trace.

Runs the leak scripts in their --close mode (node/leak_sockets.js: 40 client
connections, their accepted ends, the server and a file, all closed before
process.exit(0); python/leak_files.py: files, connections, accepted ends,
listener and pipe, all closed before a normal exit), plus a trivial program
of each runtime as the baseline, under libfdscope.so with at_exit=1.

What may remain in the exit dump is defined exactly (runtime_sites.py):
- Node.js: the runtime's own descriptors, NODE_RUNTIME_SITES: the default
  loop's epoll (uv__platform_loop_init) and async eventfd (uv_async_init),
  both ends of its signal pipe (uv__make_pipe in uv_signal_init), all from
  uv_default_loop in node::Start, and libuv's EMFILE reserve on /dev/null
  (uv__open_cloexec in uv__stream_init, once a stream exists; stdout is a
  pipe here) - one each, two pipe ends, and nothing else tracked;
- CPython: nothing tracked at all.
In both, the only untracked descriptors are the inherited 0, 1 and 2. The
trivial program must leave exactly the same set, and none of the program's
leak sites (sockets, the files, the pipe, their creating frames) may appear.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumplib  # noqa: E402
from dumplib import Checker, describe_fds  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_SCRIPT = os.path.join(HERE, "node", "leak_sockets.js")
PY_SCRIPT = os.path.join(HERE, "python", "leak_files.py")

# Frames of the programs' own creation sites, which must be absent.
NODE_LEAK_FRAMES = ("uv__socket", "uv__accept", "uv__tcp_connect", "node::fs::Open")


def run_dump(ck, label, argv, shim, tmp, timeout, expect_stdout=None):
    outdir = tempfile.mkdtemp(prefix="dumps-", dir=tmp)
    run = dumplib.run_program(argv, shim, "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % outdir,
                              timeout=timeout)
    ck.require(run.returncode == 0, "%s exits with 0" % label,
               "exit code %d\nstdout:\n%s\nstderr:\n%s" % (run.returncode, run.stdout, run.stderr))
    if expect_stdout is not None:
        ck.expect_equal(run.stdout, expect_stdout, "%s prints what it did" % label)
    d = ck.single_exit_dump(outdir, run.pid)
    ck.expect_equal(sorted(f.fd for f in d.untracked()), [0, 1, 2],
                    "%s: the only untracked descriptors are the inherited 0, 1, 2" % label,
                    describe_fds(d, d.untracked()))
    return d


def runtime_signature(d, sites):
    found, rest = dumplib.classify_runtime(d, sites)
    return ({name: len(recs) for name, recs in found.items()},
            sorted((f.kind, f.call, (d.functions(f.stack) or [None])[0]) for f in rest))


def check_node(ck, args, shim, tmp):
    n = 40
    conf = os.path.realpath(os.path.join(tmp, "database.conf"))
    with open(conf, "w") as f:
        f.write("host=127.0.0.1\n")
    d = run_dump(ck, "node leak_sockets.js --close",
                 [args.node, NODE_SCRIPT, "--count", str(n), "--file", conf, "--close"],
                 shim, tmp, args.timeout,
                 "clients connected: %d\nconnections accepted: %d\nconfig file opened: size 15\n"
                 "closed everything\n" % (n, n))
    rest = dumplib.expect_runtime_sites(ck, d, dumplib.NODE_RUNTIME_SITES, "node --close")
    ck.expect(not rest, "node --close: nothing else is tracked", describe_fds(d, rest))
    ck.expect_equal(d.header["tracked"], sum(s.count for s in dumplib.NODE_RUNTIME_SITES),
                    "node --close: header tracked = node's own %d" % sum(s.count for s in dumplib.NODE_RUNTIME_SITES))
    ck.expect(not [f for f in d.fds if f.kind == "socket"], "node --close: no socket at all",
              describe_fds(d, d.fds))
    ck.expect(not [f for f in d.fds if f.target == conf], "node --close: the config file is gone")
    bad = [f for f in d.tracked() if any(d.stack_has(f.stack, x) for x in NODE_LEAK_FRAMES)]
    ck.expect(not bad, "node --close: no stack of the program's sites (%s)" % ", ".join(NODE_LEAK_FRAMES),
              describe_fds(d, bad))

    base = run_dump(ck, "node baseline (prints one line)",
                    [args.node, "-e", "process.stdout.write('baseline\\n')"], shim, tmp, args.timeout,
                    "baseline\n")
    rest = dumplib.expect_runtime_sites(ck, base, dumplib.NODE_RUNTIME_SITES, "node baseline")
    ck.expect(not rest, "node baseline: nothing else is tracked", describe_fds(base, rest))
    ck.expect_equal(runtime_signature(d, dumplib.NODE_RUNTIME_SITES),
                    runtime_signature(base, dumplib.NODE_RUNTIME_SITES),
                    "node --close leaves the same descriptors as the trivial program")
    ck.note("node's own at exit: " + "; ".join(
        "fd %d %s %s (%s)" % (f.fd, f.kind, f.call, " < ".join(d.named_functions(f.stack)[:3]))
        for f in d.tracked()))


def check_python(ck, args, shim, tmp):
    k = 8
    data = os.path.realpath(tempfile.mkdtemp(prefix="data-", dir=tmp))
    d = run_dump(ck, "python leak_files.py --close",
                 [args.python, PY_SCRIPT, "--count", str(k), "--dir", data,
                  "--report", os.path.join(tmp, "report.json"), "--close"],
                 shim, tmp, args.timeout,
                 "config files opened: %d\nconnections: %d connected, %d accepted\n"
                 "pipe: b'ping'\nclosed everything\n" % (k, k, k))
    ck.expect(not d.tracked(), "python --close: no tracked descriptor at all", describe_fds(d, d.tracked()))
    ck.expect_equal(d.header["tracked"], 0, "python --close: header tracked = 0")
    ck.expect(not [f for f in d.fds if f.fd > 2 and (f.target.startswith(data) or f.kind in ("socket", "pipe"))],
              "python --close: no config file, socket or pipe beyond stdio", describe_fds(d, d.fds))
    base = run_dump(ck, "python baseline (pass)", [args.python, "-c", "pass"], shim, tmp, args.timeout, "")
    ck.expect(not base.tracked(), "python baseline: no tracked descriptor", describe_fds(base, base.tracked()))


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--only", choices=("node", "python"))
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)
    ck = Checker("programs that close everything leave only the runtime's own descriptors")
    with dumplib.work_dir("fdscope-e2e-noleak-", args.keep) as tmp:
        if args.only in (None, "node"):
            check_node(ck, args, shim, tmp)
        if args.only in (None, "python"):
            check_python(ck, args, shim, tmp)
    ck.done()


if __name__ == "__main__":
    dumplib.run_checker(main)
