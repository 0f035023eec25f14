#!/usr/bin/python3
"""End-to-end: a Python program that leaks files, sockets and a pipe.

Runs tests/e2e/python/leak_files.py under libfdscope.so with
at_exit=1:output=<tmp>/fdscope.%p.jsonl. The script opens --count files with
open() in leak_config_files(), --count TCP connections with socket.socket()
and connect() to its own listener on 127.0.0.1 in leak_connections() (and
accepts them), and one pipe with os.pipe() in leak_pipe(), then exits
normally with all of them open. The exit dump must list exactly those
descriptors with their kinds, targets and calls, plus the inherited stdio as
untracked, and nothing else (CPython keeps nothing of its own open).

Python functions are not native frames; the stacks show the interpreter's C
functions. Which of them have names depends on the interpreter binary:
Debian's /usr/bin/python3.11 is stripped (only its exported functions, the
.dynsym, can be named), an interpreter with a symbol table (.symtab, e.g. a
pyenv build) names the static functions that create each descriptor:
_io_FileIO___init__, sock_initobj, internal_connect < sock_connect,
sock_accept, os_pipe. The checker asserts the exported frames always, and
the static ones whenever the binary holding the innermost frame has a
symbol table (--require-names: insist that it has).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumplib  # noqa: E402
from dumplib import Checker, describe_fds  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "python", "leak_files.py")

# Per creation site: (innermost function when the interpreter has a symbol
# table, exported functions that must appear among the first `window`
# frames in any build, window).
COMMON_HEAD = 4
SITES = {
    "file": (["_io_FileIO___init__"], ["_PyObject_MakeTpCall", "_PyObject_CallFunction_SizeT"], 6),
    "client": (["sock_initobj"], ["_PyObject_MakeTpCall", "_PyObject_FastCallDictTstate"], 8),
    "connect": (["internal_connect", "sock_connect"], ["PyObject_Vectorcall"], 5),
    "accept": (["sock_accept"], ["PyObject_Vectorcall"], 6),
    "pipe": (["os_pipe"], ["PyObject_Vectorcall"], 4),
}


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--require-names", action="store_true",
                    help="fail unless the interpreter's static functions are named")
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)

    ck = Checker("python (%s): %d leaked files, %d leaked connections and a pipe, dump at exit"
                 % (args.python, args.count, args.count))
    with dumplib.work_dir("fdscope-e2e-python-", args.keep) as tmp:
        check(ck, shim, args, tmp, args.count)
    ck.done()


def check_site(ck, d, recs, stack_of, site, names_required, what):
    """The stacks of `recs` (one call site): a single interned stack whose
    innermost frame lies in the interpreter, with the site's functions."""
    native, exported, window = SITES[site]
    stacks = sorted({stack_of(f) for f in recs})
    # CPython 3.11 specializes a call site after a few executions (the
    # adaptive interpreter), so the outer frames of one Python line may
    # differ between the first calls and the later ones; the innermost
    # frames, the C path that creates the descriptor, must not.
    heads = {tuple(f.addr for f in d.frames(s)[:COMMON_HEAD]) for s in stacks}
    ck.expect(len(heads) == 1 and len(stacks) <= 2,
              "%s: one site (%d interned stack(s), same innermost %d frames)" % (what, len(stacks), COMMON_HEAD),
              "\n".join(d.describe_stack(s, 12) for s in stacks))
    sid = stacks[0]
    frames = d.frames(sid)
    ck.require(bool(frames), "%s: the stack has frames" % what)
    top = frames[0]
    ck.expect(top.module_path is not None and "python" in os.path.basename(top.module_path),
              "%s: the innermost frame is in CPython (%s), not in the shim or libc"
              % (what, top.module_path and os.path.basename(top.module_path)), d.describe_stack(sid))
    head = [f.function for f in frames[:window] if f.function]
    missing = [x for x in exported if x not in head]
    ck.expect(not missing, "%s: exported frames %s within the first %d" % (what, exported, window),
              "missing %s in %s" % (missing, d.describe_stack(sid)))
    ck.expect(d.stack_has(sid, "_PyEval_EvalFrameDefault") and d.stack_has(sid, "Py_RunMain"),
              "%s: unwound through the bytecode interpreter to Py_RunMain" % what, d.describe_stack(sid))
    has_symtab = top.module_path is not None and dumplib.elf_has_symtab(top.module_path)
    if names_required:
        ck.expect(has_symtab, "%s: %s has a symbol table (--require-names)" % (what, top.module_path))
    if has_symtab or names_required:
        ck.expect_equal([f.function for f in frames[:len(native)]], native,
                        "%s: innermost frames are CPython's %s" % (what, " < ".join(native)),
                        d.describe_stack(sid))
    return sid


def check(ck, shim, args, tmp, k):
    outdir = os.path.join(tmp, "dumps")
    data = os.path.realpath(os.path.join(tmp, "data"))
    os.mkdir(outdir)
    os.mkdir(data)
    report_path = os.path.join(tmp, "report.json")
    argv = [args.python, SCRIPT, "--count", str(k), "--dir", data, "--report", report_path]
    run = dumplib.run_program(argv, shim, "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % outdir,
                              timeout=args.timeout)
    ck.require(run.returncode == 0, "python exits with 0 under the preload",
               "exit code %d\nstdout:\n%s\nstderr:\n%s" % (run.returncode, run.stdout, run.stderr))
    ck.expect_equal(run.stdout,
                    "config files opened: %d\nconnections: %d connected, %d accepted\n"
                    "pipe: b'ping'\nexiting with everything open\n" % (k, k, k),
                    "python's standard output is the script's")
    with open(report_path) as f:
        rep = json.load(f)
    ck.expect_equal(rep["pid"], run.pid, "the script ran in the process we started")
    port = rep["port"]

    files = dumplib.dump_files(outdir)
    ck.expect_equal([os.path.basename(p) for p in files], ["fdscope.%d.jsonl" % run.pid],
                    "one dump file, named after python's pid")
    d = ck.single_exit_dump(outdir, run.pid)
    ck.expect_equal(d.header["argv"], argv, "header argv is python's argv")
    interp = os.path.realpath(args.python)
    ck.expect_equal(d.header["exe"], interp, "header exe is the interpreter")

    # --- exact inventory -------------------------------------------------
    expected = {0: ("untracked", None, None), 1: ("untracked", None, None),
                2: ("untracked", None, None)}
    expected[rep["listener"]] = ("socket", "tcp 127.0.0.1:%d (listening)" % port, "socket")
    for f in rep["files"]:
        expected[f["fd"]] = ("file", f["path"], "open")
    for c in rep["clients"]:
        expected[c["fd"]] = ("socket", "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (c["local_port"], port), "socket")
    for a in rep["accepted"]:
        expected[a["fd"]] = ("socket", "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (port, a["peer_port"]), "accept")
    r, w = rep["pipe"]
    ino = None
    for fd in (r, w):
        expected[fd] = ("pipe", None, "pipe")
    ck.expect_equal(sorted(f.fd for f in d.fds), sorted(expected),
                    "the dump lists exactly stdio, the listener, %d files, %d client and %d accepted "
                    "sockets and 2 pipe ends" % (k, k, k), describe_fds(d, d.fds))
    for f in d.fds:
        if f.fd not in expected:
            continue
        kind, target, call = expected[f.fd]
        if kind == "untracked":
            ck.expect(not f.tracked, "fd %d (inherited stdio) is untracked" % f.fd, describe_fds(d, [f]))
            continue
        ok = f.tracked and f.kind == kind and (target is None or f.target == target)
        if call == "open":
            ok = ok and f.call in dumplib.OPEN_CALLS
        elif call == "accept":
            ok = ok and f.call in ("accept", "accept4")
        elif call == "pipe":
            ok = ok and f.call in ("pipe", "pipe2")
        else:
            ok = ok and f.call == call
        ck.expect(ok, "fd %d: tracked %s %s, call %s" % (f.fd, kind, target or "", call), describe_fds(d, [f]))
        if kind == "pipe":
            ino = ino or f.target
            ck.expect(f.target.startswith("pipe:[") and f.target == ino,
                      "fd %d: both pipe ends name the same pipe (%s)" % (f.fd, f.target))
    ck.expect_equal(d.header["tracked"], 1 + 3 * k + 2, "header tracked = listener + 3 x %d + 2" % k)

    # --- call stacks -------------------------------------------------------
    req = args.require_names
    recs = {f.fd: f for f in d.tracked()}
    file_recs = [recs[f["fd"]] for f in rep["files"] if f["fd"] in recs]
    client_recs = [recs[c["fd"]] for c in rep["clients"] if c["fd"] in recs]
    acc_recs = [recs[a["fd"]] for a in rep["accepted"] if a["fd"] in recs]
    pipe_recs = [recs[fd] for fd in rep["pipe"] if fd in recs]
    ck.require(len(file_recs) == k and len(client_recs) == k and len(acc_recs) == k and len(pipe_recs) == 2,
               "every leaked descriptor is tracked")
    ck.expect(all(not f.connect_stack for f in file_recs + acc_recs + pipe_recs),
              "files, accepted sockets and pipe ends have no connect_stack")
    ck.expect(all(f.connect_stack for f in client_recs), "every client socket has a connect_stack",
              describe_fds(d, client_recs))
    sids = {
        "file": check_site(ck, d, file_recs, lambda f: f.stack, "file", req, "open() files"),
        "client": check_site(ck, d, client_recs, lambda f: f.stack, "client", req, "socket.socket() sockets"),
        "connect": check_site(ck, d, client_recs, lambda f: f.connect_stack, "connect", req,
                              "socket.connect() stacks"),
        "accept": check_site(ck, d, acc_recs, lambda f: f.stack, "accept", req, "accept() sockets"),
        "pipe": check_site(ck, d, pipe_recs, lambda f: f.stack, "pipe", req, "os.pipe() ends"),
    }
    leaves = {name: d.frames(sid)[0].addr for name, sid in sids.items()}
    ck.expect(len(set(leaves.values())) == len(leaves),
              "the five sites have distinct innermost frames",
              "; ".join("%s 0x%x" % kv for kv in leaves.items()))
    for name, sid in sids.items():
        ck.note("%-7s stack %s" % (name, d.describe_stack(sid, 10)))


if __name__ == "__main__":
    dumplib.run_checker(main)
