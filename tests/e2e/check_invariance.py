#!/usr/bin/python3
"""End-to-end: programs behave exactly as without libfdscope.so.

Runs each program twice without the library (which must agree with itself:
the program's output is deterministic) and once with it preloaded
(at_exit=1, dumps to a scratch directory, the summary log on stderr), and
requires the same standard output, byte for byte, and the same exit code:

- python/behaviour.py: errno of failing calls (ENOENT, EISDIR, EEXIST,
  EBADF, EINVAL, EAFNOSUPPORT, ECONNREFUSED), descriptor numbers of open,
  dup, dup2 (also onto an open descriptor), F_DUPFD_CLOEXEC, pipe,
  socketpair, epoll, eventfd, memfd, mkstemp, numbers reused after
  closerange (close_range), SCM_RIGHTS, EMFILE at a lowered soft limit and
  recovery, fork, subprocess (vfork + exec), its own SIGUSR2 handler; exits 4;
- node/behaviour.js: the same for Node.js (fs, opendir, fs.promises, net,
  child_process spawnSync/spawn, EMFILE at a 1024 limit, a SIGUSR2
  listener); exits 3;
- the leak scripts of the other checks (python/leak_files.py,
  node/leak_sockets.js), which exit 0 with descriptors open.

The dumps of the preloaded behaviour runs must then be complete and
consistent, end with the exit dump, and account exactly for the descriptors
the script left open (it prints them): tracked, with their creating calls,
and nothing else but the runtime's own and the inherited stdio - after
fork, vfork, exec, close_range and EMFILE episodes. Node's run, whose limit
is set before it starts, must also have written its EMFILE dump.
"""

import ast
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumplib  # noqa: E402
from dumplib import Checker, describe_fds  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def compare(ck, label, make_argv, shim, tmp, timeout, expect_code, rlimit=None):
    """Runs without, without, with the preload; returns (preloaded run, dump dir)."""
    runs = []
    outdir = tempfile.mkdtemp(prefix="dumps-", dir=tmp)
    for preload in (False, False, True):
        work = tempfile.mkdtemp(prefix="work-", dir=tmp)
        runs.append(dumplib.run_program(
            make_argv(work), shim if preload else None,
            "at_exit=1:output=%s/fdscope.%%p.jsonl" % outdir, timeout=timeout, rlimit_nofile=rlimit))
    plain, again, pre = runs
    ck.require(plain.returncode == expect_code and plain.stdout,
               "%s: without the library, exits with %d and prints its results" % (label, expect_code),
               "exit code %d\nstdout:\n%s\nstderr:\n%s" % (plain.returncode, plain.stdout, plain.stderr))
    ck.require(again.stdout == plain.stdout and again.returncode == plain.returncode,
               "%s: without the library, two runs agree (the script is deterministic)" % label,
               diff(plain.stdout, again.stdout))
    ck.expect(pre.stdout == plain.stdout, "%s: same standard output with the library preloaded (%d lines)"
              % (label, plain.stdout.count("\n")),
              diff(plain.stdout, pre.stdout) + "\nstderr with the library:\n" + pre.stderr)
    ck.expect_equal(pre.returncode, plain.returncode, "%s: same exit code with the library preloaded" % label,
                    "stderr with the library:\n" + pre.stderr)
    return pre, outdir


def diff(a, b):
    import difflib
    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                        "without the library", "with the library"))


def field(run, label):
    for line in run.stdout.splitlines():
        if line.startswith(label + ": "):
            return line[len(label) + 2:]
    raise dumplib.CheckFailed("no %r line in the output:\n%s" % (label, run.stdout))


def left_open(run, parse):
    for line in run.stdout.splitlines():
        if line.startswith("left open: "):
            return parse(line[len("left open: "):])
    return None


def check_dumps(ck, label, run, outdir, expected_open, open_calls, runtime_sites, double_closed):
    """The dumps of the preloaded run account for what the script left open."""
    events = []
    try:
        all_dumps = dumplib.parse_dir(outdir, events)
    except dumplib.DumpFormatError as e:
        ck.require(False, "%s: the dump files parse" % label, str(e))
        return []
    for e in events:
        ck.note("%s: event %s fd %s (%s)" % (label, e["type"], e.get("fd"), e.get("call")))
    ck.expect_equal(sorted(e.get("fd") for e in events if e["type"] == "double_close" and e["pid"] == run.pid),
                    sorted(double_closed),
                    "%s: exactly the descriptors closed twice are reported as double closes" % label,
                    "\n".join(json.dumps(e)[:400] for e in events))
    bad = [(d.summary(), p) for d in all_dumps for p in [dumplib.consistency_problems(d)] if p]
    ck.expect(not bad, "%s: all %d dumps (of %d processes) are complete and consistent"
              % (label, len(all_dumps), len({d.pid for d in all_dumps})),
              "\n".join("%s: %s" % (s, "; ".join(p[:5])) for s, p in bad))
    mine = [d for d in all_dumps if d.pid == run.pid]
    ck.require(bool(mine) and mine[-1].reason == "exit",
               "%s: the process's last dump is its exit dump" % label,
               "\n".join(d.summary() for d in mine))
    d = mine[-1]
    ck.expect_equal(sorted(f.fd for f in d.untracked()), [0, 1, 2],
                    "%s: at exit, only the inherited 0, 1, 2 are untracked" % label,
                    describe_fds(d, d.untracked()))
    rest = dumplib.expect_runtime_sites(ck, d, runtime_sites, label) if runtime_sites else d.tracked()
    ck.expect_equal(sorted(f.fd for f in rest), sorted(expected_open),
                    "%s: at exit, the tracked descriptors are exactly those the script left open" % label,
                    describe_fds(d, d.tracked()))
    for f in rest:
        want = open_calls.get(f.fd)
        if want is not None:
            name = "an open call" if want == dumplib.OPEN_CALLS else "/".join(sorted(want))
            ck.expect(f.call in want and f.stack in d.stacks and d.frames(f.stack),
                      "%s: fd %d was created by %s (%s), with its stack" % (label, f.fd, name, f.call),
                      describe_fds(d, [f]))
    return mine


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--only", choices=("node", "python"))
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)
    ck = Checker("behaviour and errno are the same with and without the library")
    with dumplib.work_dir("fdscope-e2e-invariance-", args.keep) as tmp:
        if args.only in (None, "python"):
            check_python(ck, args, shim, tmp)
        if args.only in (None, "node"):
            check_node(ck, args, shim, tmp)
    ck.done()


def check_python(ck, args, shim, tmp):
    script = os.path.join(HERE, "python", "behaviour.py")
    run, outdir = compare(ck, "python behaviour.py", lambda w: [args.python, script, w],
                          shim, tmp, args.timeout, 4)
    opened = left_open(run, ast.literal_eval)
    ck.require(isinstance(opened, list) and len(opened) == 5, "python behaviour.py reports what it left open",
               run.stdout)
    # a: os.open; b: os.dup (CPython duplicates with fcntl F_DUPFD_CLOEXEC);
    # then three os.open.
    a, b, r1, r2, r3 = opened
    opens = dumplib.OPEN_CALLS
    calls = {a: opens, b: {"dup", "fcntl", "fcntl64"}, r1: opens, r2: opens, r3: opens}
    # Closed twice: the "double close" descriptor, and the epoll instance
    # (closed by closerange, then by epoll.close()).
    twice = [int(field(run, "open data.txt")), ast.literal_eval(field(run, "numbers"))[8]]
    check_dumps(ck, "python behaviour.py", run, outdir, opened, calls, (), twice)

    script = os.path.join(HERE, "python", "leak_files.py")
    compare(ck, "python leak_files.py",
            lambda w: [args.python, script, "--count", "8", "--dir", w, "--report", os.path.join(w, "r.json")],
            shim, tmp, args.timeout, 0)


def check_node(ck, args, shim, tmp):
    script = os.path.join(HERE, "node", "behaviour.js")
    run, outdir = compare(ck, "node behaviour.js", lambda w: [args.node, script, w],
                          shim, tmp, args.timeout, 3, rlimit=1024)
    opened = left_open(run, json.loads)
    ck.require(isinstance(opened, list) and len(opened) == 3, "node behaviour.js reports what it left open",
               run.stdout)
    # libuv closes with syscall(SYS_close): the double close must be seen,
    # and the EMFILE dump must re-arm once the descriptors were released.
    mine = check_dumps(ck, "node behaviour.js", run, outdir, opened,
                       {fd: dumplib.OPEN_CALLS for fd in opened}, dumplib.NODE_RUNTIME_SITES,
                       [int(field(run, "open data.txt"))])
    emfile = [d for d in mine if d.reason == "emfile"]
    ck.expect(len(emfile) == 2 and all(d.complete for d in emfile),
              "node behaviour.js: two complete EMFILE dumps, one per episode at the limit",
              "\n".join(d.summary() for d in mine))
    for e in emfile:
        ck.expect(e.header["rlimit_soft"] == 1024 and e.header["open"] >= 1000,
                  "node behaviour.js: EMFILE dump %d shows the limit reached (%d open of %d)"
                  % (e.seq, e.header["open"], e.header["rlimit_soft"]))

    script = os.path.join(HERE, "node", "leak_sockets.js")
    conf = os.path.join(tmp, "database.conf")
    with open(conf, "w") as f:
        f.write("host=127.0.0.1\n")
    compare(ck, "node leak_sockets.js",
            lambda w: [args.node, script, "--count", "40", "--file", conf, "--report", os.path.join(w, "r.json")],
            shim, tmp, args.timeout, 0)


if __name__ == "__main__":
    dumplib.run_checker(main)
