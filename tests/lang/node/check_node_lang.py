#!/usr/bin/python3
"""Node.js language stacks: each descriptor carries the JavaScript stack of the user code that caused it.

Runs real node processes under libfdscope.so (lang=auto: the library adds
the preload script, which loads the addon) and reads their exit dumps.
Expected lines come from "// SITE name" markers in the fixtures, so the
assertions follow the sources.

  leaks       tests/lang/node/leaks.js: 10 opens in openConfig(), 3000 in
              openHot() (run hot: optimized by TurboFan), 4000 in
              openConnectionForRequest() inlined into serve() (checked in a
              second run with --trace-turbo-inlining): each site holds all
              (>= 99%) of its descriptors in one language stack, whose first
              user frame is the function at the marked line.
  async       tests/lang/node/async_leaks.js: net.connect to 'localhost' (DNS
              hop) and to 127.0.0.1 (nextTick hop), setTimeout (from top-level
              code and from a promise continuation), fs.open with a
              callback (threadpool), await then fs.promises.open, a worker
              thread, accepted connections: each site names the user function
              and line that started it, after an async frame where there
              was a hop.
  invariance  tests/lang/node/host_view.js prints its stack traces, env,
              execArgv, require.cache, a child's NODE_OPTIONS: the same with
              and without the library, NODE_OPTIONS unset and set.
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "e2e"))
import dumplib  # noqa: E402
from dumplib import Checker  # noqa: E402

LEAKS = os.path.join(HERE, "leaks.js")
ASYNC = os.path.join(HERE, "async_leaks.js")
HOST_VIEW = os.path.join(HERE, "host_view.js")


def sites(path):
    """{marker name: line number} of the "// SITE name" markers of a fixture."""
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"// SITE (\S+)", line)
            if m:
                out[m.group(1)] = n
    return out


def user_frames(d, stack_id, script):
    """The language frames of a stack that are in the fixture `script`."""
    return [fr for fr in d.frames(stack_id) if fr.lang == "js" and fr.file == script]


def first_user(d, stack_id, script):
    fr = user_frames(d, stack_id, script)
    return (fr[0].function, fr[0].line) if fr else None


def has_frame(d, stack_id, script, function, line, is_async=None):
    for fr in d.frames(stack_id):
        if fr.lang == "js" and fr.file == script and fr.function == function and fr.line == line:
            return True
    return False


def async_before(d, stack_id, script, function, line):
    """True when an async-flagged frame comes before (inner to) the frame
    function@line of script: that frame is in a scheduling section."""
    seen_async = False
    for fr in d.frames(stack_id):
        seen_async = seen_async or fr.is_async
        if fr.lang == "js" and fr.file == script and fr.function == function and fr.line == line:
            return seen_async
    return False


def run_node(ck, args, tmp, name, argv, options="", env_extra=None):
    outdir = os.path.join(tmp, name)
    os.mkdir(outdir)
    opts = "at_exit=1:threshold=0:log=none:output=%s/fdscope.%%p.jsonl" % outdir
    if options:
        opts += ":" + options
    run = dumplib.run_program([args.node] + argv, args.shim, opts, timeout=args.timeout)
    ck.require(run.returncode == 0, "%s: node exits with 0 under the library" % name,
               "exit code %d\nstdout:\n%s\nstderr:\n%s" % (run.returncode, run.stdout, run.stderr))
    return run, ck.single_exit_dump(outdir, run.pid)


def describe(d, fds, limit=3):
    return "\n".join("fd %d %s lang: %s" % (f.fd, f.target, d.describe_stack(f.get("lang_stack"), 14))
                     for f in fds[:limit])


# --------------------------------------------------------------------------

def check_leaks(ck, args, tmp):
    target = os.path.join(tmp, "config.txt")
    with open(target, "w") as f:
        f.write("x\n")
    target = os.path.realpath(target)
    s = sites(LEAKS)
    run, d = run_node(ck, args, tmp, "leaks", [LEAKS, target])
    ck.expect_equal(run.stdout, "open: 7010\n", "the fixture opened 7010 descriptors")
    files = [f for f in d.tracked() if f.target == target]
    ck.expect_equal(len(files), 7010, "the dump holds the 7010 open files")
    missing = [f for f in files if not f.get("lang_stack")]
    ck.expect(not missing, "every one carries a lang_stack", describe(d, missing))
    expected = {"openConfig": 10, "openHot": 3000, "openConnectionForRequest": 4000}
    groups = {}
    for f in files:
        groups.setdefault(first_user(d, f.get("lang_stack"), LEAKS), []).append(f)
    for fn, count in expected.items():
        key = (fn, s[fn])
        stacks = {}
        for f in groups.get(key, []):
            stacks[f.lang_stack] = stacks.get(f.lang_stack, 0) + 1
        top = max(stacks.values()) if stacks else 0
        ck.expect_equal(len(groups.get(key, [])), count,
                        "%d descriptors name %s at %s:%d as their first user frame"
                        % (count, fn, os.path.basename(LEAKS), s[fn]),
                        "groups: %s" % {k: len(v) for k, v in groups.items()})
        ck.expect(top >= 0.99 * count, "%s: one language stack holds >= 99%% of them (%d of %d, %d stacks)"
                  % (fn, top, count, len(stacks)))
        sample = groups.get(key, [None])[0]
        if sample is not None:
            names = [fr.function for fr in d.frames(sample.lang_stack)]
            ck.expect(names[:1] == ["openSync"] and d.frames(sample.lang_stack)[0].file == "node:fs",
                      "%s: the innermost frame is node:fs openSync" % fn, describe(d, [sample]))
    sample = groups.get(("openConnectionForRequest", s["openConnectionForRequest"]), [None])[0]
    if sample is not None:
        ck.expect(has_frame(d, sample.lang_stack, LEAKS, "serve", s["serve"]),
                  "the inlined function's caller serve() is next, at line %d" % s["serve"],
                  describe(d, [sample]))
    sample = groups.get(("openConfig", s["openConfig"]), [None])[0]
    if sample is not None:
        fr = user_frames(d, sample.lang_stack, LEAKS)[0]
        ck.expect_equal(fr.column, 13, "openConfig's frame has V8's column (13)")

    # The fixture does what it claims: TurboFan inlined the small function
    # into serve() and optimized openHot(), in the same node without the library.
    trace = subprocess.run([args.node, "--trace-turbo-inlining", "--trace-opt", LEAKS, target],
                           capture_output=True, text=True, timeout=args.timeout, env=dumplib.clean_env())
    ck.expect(re.search(r"Inlining .*openConnectionForRequest.* into .*serve", trace.stdout) is not None,
              "V8 inlines openConnectionForRequest into serve (--trace-turbo-inlining)")
    ck.expect(re.search(r"completed (optimizing|compiling).*openHot", trace.stdout) is not None,
              "V8 optimizes openHot (--trace-opt)")


# --------------------------------------------------------------------------

def check_async(ck, args, tmp):
    target = os.path.realpath(os.path.join(tmp, "data.txt"))
    with open(target, "w") as f:
        f.write("x\n")
    report = os.path.join(tmp, "async.json")
    s = sites(ASYNC)
    run, d = run_node(ck, args, tmp, "async", [ASYNC, target, report])
    ck.expect_equal(run.stdout, "done\n", "the async fixture ran to its end")
    with open(report) as f:
        rep = json.load(f)
    port = rep["port"]
    n = 8

    clients = [f for f in d.tracked() if f.kind == "socket" and f.target.endswith("-> 127.0.0.1:%d" % port)]
    ck.expect_equal(len(clients), 2 * n, "%d client sockets to the test's server" % (2 * n))
    by_name = [f for f in clients if has_frame(d, f.get("lang_stack"), ASYNC, "handler", s["handler-byName"])]
    by_ip = [f for f in clients if has_frame(d, f.get("lang_stack"), ASYNC, "handler", s["handler-byIp"])]
    ck.expect_equal(len(by_name), n, "net.connect('localhost'): %d sockets name handler at line %d"
                    % (n, s["handler-byName"]), describe(d, clients))
    ck.expect_equal(len(by_ip), n, "net.connect('127.0.0.1'): %d sockets name handler at line %d"
                    % (n, s["handler-byIp"]), describe(d, clients))
    for what, group, hop in (("DNS hop", by_name, "emitLookup"), ("nextTick hop", by_ip, "processTicksAndRejections")):
        bad = [f for f in group
               if d.frames(f.lang_stack)[0].function != "internalConnect"
               or first_user(d, f.lang_stack, ASYNC) != ("createConnection", s["createConnection"])
               or not async_before(d, f.lang_stack, ASYNC, "createConnection", s["createConnection"])
               or not any(fr.function == hop for fr in d.frames(f.lang_stack))]
        ck.expect(not bad, "%s: stack starts at internalConnect (node:net), then %s, then async "
                  "createConnection at line %d" % (what, hop, s["createConnection"]), describe(d, bad))
        dup = [f for f in group
               if sum(1 for fr in user_frames(d, f.lang_stack, ASYNC) if fr.function == "createConnection") != 1]
        ck.expect(not dup, "%s: createConnection appears once (no duplicated scheduling section)" % what,
                  describe(d, dup))

    files = [f for f in d.tracked() if f.target == target]
    ck.expect_equal(len(files), 5 * n, "%d files of the fixture are open (2 timers, callback, promise, worker)"
                    % (5 * n))

    def group(pred):
        return [f for f in files if pred(f.get("lang_stack"))]

    timer = group(lambda st: first_user(d, st, ASYNC) == ("onTimer", s["onTimer"]))
    ck.expect_equal(len(timer), n, "setTimeout: %d files name onTimer at line %d" % (n, s["onTimer"]),
                    describe(d, files))
    startup = group(lambda st: first_user(d, st, ASYNC) == ("onStartupTimer", s["onStartupTimer"]))
    ck.expect_equal(len(startup), n, "setTimeout from top-level code: %d files name onStartupTimer at line %d"
                    % (n, s["onStartupTimer"]), describe(d, files))
    bad = [f for f in startup
           if not async_before(d, f.lang_stack, ASYNC, "armStartupTimer", s["armStartupTimer"])]
    ck.expect(not bad, "setTimeout from top-level code: then, async, armStartupTimer at line %d "
              "(where the timer was set)" % s["armStartupTimer"], describe(d, bad))

    cb = group(lambda st: first_user(d, st, ASYNC) == ("openWithCallback", s["openWithCallback"]))
    ck.expect_equal(len(cb), n, "fs.open(cb) on the threadpool: %d files name openWithCallback at line %d"
                    % (n, s["openWithCallback"]), describe(d, files))
    ck.expect(all(d.frames(f.lang_stack)[0].function == "open" and d.frames(f.lang_stack)[0].file == "node:fs"
                  for f in cb), "fs.open(cb): innermost frame is node:fs open", describe(d, cb))
    ck.expect(all(f.tid != run.pid for f in cb), "fs.open(cb): opened on a threadpool thread, not node's main thread",
              "tids %s, pid %d" % (sorted({f.tid for f in cb}), run.pid))

    prom = group(lambda st: first_user(d, st, ASYNC) == ("openAfterAwait", s["openAfterAwait"]))
    ck.expect_equal(len(prom), n, "await then fs.promises.open: %d files name openAfterAwait at line %d"
                    % (n, s["openAfterAwait"]), describe(d, files))

    wfds = set(rep["workerFds"])
    worker = [f for f in files if f.fd in wfds]
    ck.expect_equal(len(worker), n, "the worker's %d files are open" % n)
    bad = [f for f in worker if first_user(d, f.get("lang_stack"), ASYNC) != ("openInWorker", s["openInWorker"])]
    ck.expect(not bad, "worker: each names openInWorker at line %d (the worker's own stack)" % s["openInWorker"],
              describe(d, bad))
    bad = [f for f in worker
           if not async_before(d, f.get("lang_stack"), ASYNC, "startWorker", s["startWorker"])]
    ck.expect(not bad, "worker: then, async, startWorker at line %d (where the Worker was created)"
              % s["startWorker"], describe(d, bad))

    accepted = [f for f in d.tracked() if f.kind == "socket" and f.call in ("accept", "accept4")
                and re.match(r"^tcp 127\.0\.0\.1:%d -> " % port, f.target)]
    ck.expect_equal(len(accepted), 2 * n, "%d accepted connections" % (2 * n))
    bad = [f for f in accepted
           if not any(fr.function == "Server.listen" for fr in d.frames(f.get("lang_stack")))
           or first_user(d, f.get("lang_stack"), ASYNC) is None]
    ck.expect(not bad, "accepted connections carry their server's context (Server.listen in main)",
              describe(d, bad))
    ck.note("sample DNS-hop socket: %s" % (describe(d, by_name[:1]) if by_name else "none"))


# --------------------------------------------------------------------------

def check_invariance(ck, args, tmp):
    for label, extra in (("NODE_OPTIONS unset", {}),
                         ("NODE_OPTIONS set", {"NODE_OPTIONS": "--no-warnings  --stack-trace-limit=12"}),
                         ("NODE_OPTIONS empty", {"NODE_OPTIONS": ""})):
        plain = dumplib.run_program([args.node, HOST_VIEW], None, timeout=args.timeout, env_extra=extra, cwd=tmp)
        under = dumplib.run_program([args.node, HOST_VIEW], args.shim, "log=none:output=%s/x.%%p.jsonl" % tmp,
                                    timeout=args.timeout, env_extra=extra, cwd=tmp)
        ck.expect(plain.returncode == 0 and under.returncode == 0, "%s: both runs exit with 0" % label,
                  "plain %d under %d\n%s" % (plain.returncode, under.returncode, under.stderr))
        ck.expect(under.stdout.count("\n") > 30, "%s: the script printed its view" % label)
        ck.expect_equal(under.stdout, plain.stdout, "%s: identical output with and without the library" % label)
        ck.expect_equal(under.stderr, plain.stderr, "%s: identical stderr" % label)

    # The preload really was there: the same script sees a language stack.
    outdir = os.path.join(tmp, "proof")
    os.mkdir(outdir)
    run = dumplib.run_program([args.node, "-e", "globalThis.k = require('fs').openSync('/dev/null', 'r')"],
                              args.shim, "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % outdir,
                              timeout=args.timeout)
    d = ck.single_exit_dump(outdir, run.pid)
    f = [x for x in d.tracked() if x.target == "/dev/null" and x.get("lang_stack")]
    ck.expect(len(f) >= 1, "under the library, the same node records language stacks (preload active)")


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--only", choices=("leaks", "async", "invariance"), required=True)
    args = ap.parse_args()
    args.shim = dumplib.check_shim_path(args.shim)
    addon = os.path.join(os.path.dirname(args.shim), "fdscope", "node", "fdscope_node.node")
    ck = Checker("node language stacks: %s" % args.only)
    ck.require(os.path.isfile(addon), "the addon is built beside the library (%s)" % addon)
    with dumplib.work_dir("fdscope-lang-node-", args.keep) as tmp:
        {"leaks": check_leaks, "async": check_async, "invariance": check_invariance}[args.only](ck, args, tmp)
    ck.done()


if __name__ == "__main__":
    dumplib.run_checker(main)
