#!/usr/bin/python3
"""Lambda end to end: the incident, replayed through the real AWS runtime
interface client for Node.js (npm aws-lambda-ric 3.3.0), a real MariaDB
server and the layer zip, under a local emulation of Lambda (lambdaemu.py).

The function (function/index.mjs) opens a MariaDB connection with mysql2 on
every invocation, through the host name `localhost`, runs SELECT 1, and
never closes it; function/fixed.mjs closes it in a finally. Each case is one
ctest test:

  no_fdscope  without fdscope, invocations start failing with EMFILE
              ("getaddrinfo EMFILE localhost") near invocation 1,000, and
              the warm runtime never recovers;
  layer       with the layer's wrapper as AWS_LAMBDA_EXEC_WRAPPER, a
              threshold dump is in the log stream before the first failed
              invocation, and `fdscope report` on the log stream puts >= 95%
              of the leaked sockets in one call site whose top target is the
              database (tcp -> 127.0.0.1:<port>);
  abort       with FDSCOPE_OPTIONS=action=abort, each runtime dies at the
              threshold with a dump, Lambda starts a fresh one, and 3,000
              invocations fail at most once per abort;
  fixed       the fixed handler runs 3,000 invocations under the layer with
              no dump and no failure;
  ld_preload  no wrapper, LD_PRELOAD set as a function variable, a bootstrap
              shell in the launch chain: the leaking runtime's dump names its
              process, the processes that do not leak write nothing;
  measure     prints (asserts nothing about) cold start plain vs layer, the
              layer zip size, and the fixed handler's throughput.

Everything runs on loopback in a fresh temporary directory; every process
is stopped at the end, also on failure.
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import dumplib  # noqa: E402
import lambdaemu  # noqa: E402
from dumplib import Checker  # noqa: E402

FUNCTION_DIR = os.path.join(HERE, "function")
FUNCTION_NAME = "orders-api"
DB_USER = "orders"
LIMIT = 1024                    # Lambda's descriptor limit
THRESHOLD = LIMIT * 80 // 100   # fdscope's default threshold, 80% of the soft limit: 819


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=["no_fdscope", "layer", "abort", "fixed", "ld_preload", "measure"])
    ap.add_argument("--layer-zip", required=True, help="build/fdscope-layer-<arch>.zip")
    ap.add_argument("--fdscope", required=True, help="the fdscope tool (build/bin/fdscope)")
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--invocations", type=int, default=0, help="override the case's count")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    # ctest's timeout sends SIGTERM: unwind, so that MariaDB and the runtime stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    ck = Checker("lambda: " + args.case)
    ric = os.path.join(FUNCTION_DIR, "node_modules", "aws-lambda-ric", "bin", "index.mjs")
    ck.require(os.path.isfile(ric) and os.path.isdir(os.path.join(FUNCTION_DIR, "node_modules", "mysql2")),
               "the function's npm dependencies are installed (aws-lambda-ric, mysql2)",
               "run tests/lambda/setup.sh (npm ci in %s)" % FUNCTION_DIR)
    ck.require(os.path.isfile(args.layer_zip), "the layer zip exists",
               "%s: build it with `ninja -C build layer`" % args.layer_zip)
    ck.require(_resolves_to_loopback("localhost"), "getaddrinfo resolves localhost to 127.0.0.1",
               "the function reaches the database through the host name localhost")

    tmp = tempfile.mkdtemp(prefix="fdscope-lambda-%s-" % args.case)
    t0 = time.monotonic()
    try:
        env = Env(args, tmp, ric)
        with lambdaemu.MariaDB(os.path.join(tmp, "mariadb")) as db:
            env.db = db
            ck.note("MariaDB on 127.0.0.1:%d, layer extracted into %s" % (db.port, env.opt))
            CASES[args.case](ck, env)
    except lambdaemu.EmulatorError as e:
        ck.expect(False, "the emulation ran", str(e))
    except Exception:
        import traceback
        ck.expect(False, "the checker ran to its end", traceback.format_exc())
    finally:
        ck.note("%s took %.1f s" % (args.case, time.monotonic() - t0))
        if args.keep or ck.failures:
            print("kept %s" % tmp, flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    ck.done()


def _resolves_to_loopback(host):
    try:
        infos = socket.getaddrinfo(host, 3306, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return False
    return any(i[4][0] == "127.0.0.1" for i in infos)


class Env:
    """What every case needs: the layer extracted as /opt, the tool, the
    database, and a factory of Lambda functions."""

    def __init__(self, args, tmp, ric):
        self.args = args
        self.tmp = tmp
        self.ric = ric
        self.opt = lambdaemu.extract_layer(args.layer_zip, os.path.join(tmp, "opt"))
        self.wrapper = os.path.join(self.opt, "bin", "fdscope-wrapper")
        self.lib = os.path.join(self.opt, "lib", "libfdscope.so")
        self.db = None
        self.count = 0

    def function(self, handler="index.handler", env=None, runtime_cmd=None, name=FUNCTION_NAME):
        """A Lambda (the service) for one function configuration, with its
        own log stream file."""
        self.count += 1
        lambda_tmp = os.path.join(self.tmp, "lambda-tmp-%d" % self.count)
        os.mkdir(lambda_tmp)
        fn_env = {"DB_HOST": "localhost", "DB_PORT": str(self.db.port), "DB_USER": DB_USER}
        fn_env.update(env or {})
        cmd = runtime_cmd or [self.args.node, "--expose-gc", "--max-http-header-size", "81920",
                              self.ric, handler]
        fn = lambdaemu.FunctionConfig(name=name, task_root=FUNCTION_DIR, handler=handler,
                                      runtime_cmd=cmd, layer_dir=self.opt, env=fn_env,
                                      timeout_s=30.0, nofile=LIMIT, tmp_dir=lambda_tmp)
        capture = os.path.join(self.tmp, "cloudwatch-%d.log" % self.count)
        return lambdaemu.Lambda(fn, capture)

    def db_port_target(self):
        return "tcp -> 127.0.0.1:%d" % self.db.port

    def report(self, ck, path):
        """`fdscope report --format json PATH`: the parsed object."""
        r = subprocess.run([self.args.fdscope, "report", "--format", "json", path],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        ck.expect(r.returncode == 0 and not r.stderr.strip(),
                  "fdscope report --format json %s exits 0, nothing on stderr" % os.path.basename(path),
                  "exit %d, stderr:\n%s" % (r.returncode, r.stderr[-3000:]))
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            ck.require(False, "fdscope report prints one JSON object", "%s: %.500s" % (e, r.stdout))


# --------------------------------------------------------------------------
# Reading the log stream
# --------------------------------------------------------------------------

class LogStream:
    """The capture file: platform lines, the runtime's own output, fdscope's
    dump lines (JSON objects with type/pid/seq/run), its summary lines
    (`fdscope: ...`) and its EMF lines ({"_aws": ...})."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            self.lines = f.readlines()
        self.start_line = {}        # request id -> line index of its START line
        self.dump_lines = []        # (line index, text) of fdscope dump objects
        self.emf = []               # (line index, parsed object)
        self.fdscope_text = []      # (line index, text) of fdscope's summary/log lines
        for i, line in enumerate(self.lines):
            m = re.match(r"START RequestId: (\S+) ", line)
            if m:
                self.start_line[m.group(1)] = i
                continue
            j = line.find("{")
            if j >= 0:
                try:
                    obj = json.loads(line[j:])
                except ValueError:
                    obj = None
                if isinstance(obj, dict) and all(k in obj for k in dumplib.IDENTITY_KEYS):
                    self.dump_lines.append((i, line[j:]))
                    continue
                if isinstance(obj, dict) and "_aws" in obj:
                    self.emf.append((i, obj))
                    continue
            if line.startswith("fdscope"):
                self.fdscope_text.append((i, line.rstrip("\n")))
        self.dumps = dumplib.parse_lines([t for _, t in self.dump_lines], path)
        # Line index of each dump's header.
        self.header_line = {}
        for i, text in self.dump_lines:
            obj = json.loads(text)
            if obj["type"] == "header":
                self.header_line[(obj["pid"], obj["run"], obj["seq"])] = i

    def fdscope_lines_by_pid(self):
        """fdscope's text lines with the pid they belong to: a summary
        starts with `fdscope: pid N ...`, and its indented continuation
        lines (`fdscope: pid N:   645 x ...`) name it too; None when a line
        names no process."""
        out = []
        for i, text in self.fdscope_text:
            m = re.match(r"fdscope: pid (\d+)[ :]", text)
            pid = int(m.group(1)) if m else None
            out.append((pid, text))
        return out

    def line_of(self, dump):
        return self.header_line.get(dump.identity, -1)

    def prefix(self, end_line, path):
        """Writes lines [0, end_line) to `path`: the log stream as it was
        when line `end_line` was written."""
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(self.lines[:end_line])
        return path


def check_dumps_consistent(ck, log):
    for d in log.dumps:
        probs = dumplib.consistency_problems(d)
        ck.expect(not probs, "%s is complete and consistent" % d.summary(), "\n".join(probs))


def db_sockets(env, d):
    """The dump's sockets connected to the database: the leaked connections."""
    suffix = " -> 127.0.0.1:%d" % env.db.port
    return [f for f in d.fds if f.kind == "socket" and f.target.endswith(suffix)]


def failures(invs):
    return [i for i in invs if i.failed]


def status_counts(invs):
    return dict(collections.Counter(i.status for i in invs))


def runtime_maps_has(pid, needle):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return needle in f.read()
    except OSError:
        return False


def runtime_environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            items = f.read().split(b"\0")
    except OSError:
        return {}
    return dict(i.decode(errors="replace").split("=", 1) for i in items if b"=" in i)


def describe_invocation(inv):
    return "#%d %s status=%s runtime=%d %s: %s" % (inv.index, inv.request_id, inv.status, inv.runtime,
                                                   inv.error_type, inv.error_message)


def is_emfile(inv):
    return "EMFILE" in inv.error_message


# --------------------------------------------------------------------------
# a. Without fdscope
# --------------------------------------------------------------------------

def case_no_fdscope(ck, env):
    n = env.args.invocations or 1100
    with env.function() as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        rt = lam.runtimes[0]
        ck.expect(not runtime_maps_has(rt.pid, "libfdscope"), "the runtime has no libfdscope.so mapped")
        db_conns = env.db.connections()
        fails = failures(invs)
        ck.note("invocations: %s; runtimes started: %d" % (status_counts(invs), len(lam.runtimes)))
        ck.require(fails, "some of %d invocations fail" % n)
        first = fails[0]
        ck.note("FIRST FAILED INVOCATION without fdscope: #%d (%s: %s)"
                % (first.index, first.error_type, first.error_message))
        ck.expect(900 <= first.index <= LIMIT,
                  "the first failure is near the descriptor limit: 900 <= #%d <= %d" % (first.index, LIMIT))
        ck.expect(all(not i.failed for i in invs[:first.index - 1]),
                  "every invocation before #%d succeeded" % first.index)
        bad = [i for i in fails if not is_emfile(i)]
        ck.expect(not bad, "every failure is an EMFILE error",
                  "\n".join(describe_invocation(i) for i in bad[:5]))
        ck.expect_equal(first.error_message, "getaddrinfo EMFILE localhost",
                        "the first failure is the incident's error")
        ck.expect_equal(len(fails), n - first.index + 1,
                        "the warm runtime never recovers: invocations #%d..#%d all fail" % (first.index, n))
        ck.expect_equal([(r.index, r.exit_code) for r in lam.runtimes], [(1, None)],
                        "one runtime served them all and is still running (no crash, no recycle)")
        ck.expect_equal(db_conns, first.index - 1,
                        "MariaDB holds one open connection per successful invocation")
        ck.expect(all(i.response and i.response.get("one") == 1 and i.response.get("pid") == rt.pid
                      for i in invs[:first.index - 1]),
                  "successful invocations returned SELECT 1 from the runtime process")
    log = LogStream(lam.capture_path)
    ck.expect_equal(len(log.dumps) + len(log.fdscope_text) + len(log.emf), 0,
                    "no fdscope output in the log stream")
    ck.expect(log.lines.count("Executing 'index.handler' in function directory '%s'\n" % FUNCTION_DIR) == 1,
              "the runtime interface client started once")


# --------------------------------------------------------------------------
# b. With the layer (exec wrapper)
# --------------------------------------------------------------------------

def check_wrapper_environment(ck, env, pid, user_options):
    e = runtime_environ(pid)
    want = "output=stderr:metrics=emf" + (":" + user_options if user_options else "")
    ck.expect_equal(e.get("FDSCOPE_OPTIONS"), want,
                    "the wrapper put its defaults before the function's FDSCOPE_OPTIONS")
    ck.expect_equal(e.get("LD_PRELOAD"), env.lib, "the wrapper preloads the layer's library")
    ck.expect(runtime_maps_has(pid, env.lib), "libfdscope.so from the layer is mapped in the runtime")


def case_layer(ck, env):
    n = env.args.invocations or 1100
    with env.function(env={"AWS_LAMBDA_EXEC_WRAPPER": env.wrapper}) as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        rt = lam.runtimes[0]
        check_wrapper_environment(ck, env, rt.pid, "")
        fails = failures(invs)
        ck.note("invocations: %s; runtimes started: %d" % (status_counts(invs), len(lam.runtimes)))
        ck.require(fails, "some of %d invocations fail (the leak is not fixed, only observed)" % n)
        first = fails[0]
        ck.note("FIRST FAILED INVOCATION with the layer: #%d (%s: %s)"
                % (first.index, first.error_type, first.error_message))
        ck.expect(900 <= first.index <= LIMIT, "the first failure is near the descriptor limit: "
                  "900 <= #%d <= %d" % (first.index, LIMIT))
        ck.expect_equal(first.error_message, "getaddrinfo EMFILE localhost",
                        "the first failure is the incident's error")
        ck.expect_equal(len(lam.runtimes), 1, "one runtime served all invocations")
    log = LogStream(lam.capture_path)
    check_dumps_consistent(ck, log)
    ck.expect(all(d.pid == rt.pid for d in log.dumps), "every dump comes from the runtime process",
              "\n".join(d.summary() for d in log.dumps))
    thresholds = [d for d in log.dumps if d.reason == "threshold"]
    ck.require(thresholds, "a threshold dump is in the log stream",
               "\n".join(d.summary() for d in log.dumps))
    d1 = thresholds[0]
    h = d1.header
    fail_line = log.start_line[first.request_id]
    ck.note("first threshold dump: line %d of the log stream, %d open, %d tracked; "
            "first failed invocation #%d starts at line %d"
            % (log.line_of(d1), h["open"], h["tracked"], first.index, fail_line))
    ck.expect(0 <= log.line_of(d1) < fail_line,
              "the threshold dump is in the log stream BEFORE the first failed invocation starts",
              "dump at line %d, START of #%d at line %d" % (log.line_of(d1), first.index, fail_line))
    ck.expect(h["time_ms"] < first.wall_start * 1000,
              "and by the clock: the dump's time_ms is before the first failed invocation was handed out",
              "time_ms %d, invocation #%d at %.0f" % (h["time_ms"], first.index, first.wall_start * 1000))
    ck.expect_equal(h["tracked"], THRESHOLD, "the dump was written when the tracked count reached 80%% "
                    "of 1024 (%d)" % THRESHOLD)
    ck.expect_equal((h["rlimit_soft"], h["rlimit_hard"]), (LIMIT, LIMIT), "the dump shows ulimit -n 1024")
    ck.expect_equal((h.get("lambda_function"), h.get("lambda_version"), h.get("lambda_log_stream")),
                    (FUNCTION_NAME, "$LATEST", lam.log_stream), "the header names the function and log stream")
    ck.expect_equal(os.path.basename(h["exe"]), "node", "the header's exe is node")
    # Which invocation was running when it was written: the last START
    # before it. Every earlier invocation leaked exactly one connection.
    running = max((inv for inv in invs if log.start_line[inv.request_id] < log.line_of(d1)),
                  key=lambda inv: inv.index)
    leaked = db_sockets(env, d1)
    ck.expect_equal(len(leaked), running.index - 1,
                    "the dump holds one database connection per earlier invocation "
                    "(written during #%d)" % running.index)
    ck.expect(all(f.tracked and f.call == "socket" for f in leaked),
              "each leaked connection is tracked, created by socket()")
    emfile = [d for d in log.dumps if d.reason == "emfile"]
    ck.expect(len(emfile) == 1 and emfile[0].header.get("trigger") == "getaddrinfo"
              and log.line_of(emfile[0]) > fail_line,
              "one EMFILE dump, triggered by getaddrinfo, after the first failure started",
              "\n".join("%s trigger=%s line %d" % (d.summary(), d.header.get("trigger"), log.line_of(d))
                        for d in emfile))
    # EMF: one metrics line per dump.
    ck.expect_equal(len(log.emf), len(log.dumps), "one CloudWatch EMF line per dump (metrics=emf)")
    ck.expect(all(o.get("FunctionName") == FUNCTION_NAME and
                  o["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "fdscope" for _, o in log.emf),
              "the EMF lines carry the function name under namespace fdscope",
              "\n".join(json.dumps(o)[:300] for _, o in log.emf[:3]))

    # What an operator sees: `fdscope report` on the log stream as it was
    # when the first invocation failed, and on the whole stream.
    before = log.prefix(fail_line, os.path.join(env.tmp, "cloudwatch-before-first-failure.log"))
    for label, path in (("before the first failure", before), ("whole log stream", log.path)):
        rep = env.report(ck, path)
        last = [d for d in LogStream(path).dumps][-1]
        check_report_top_site(ck, env, rep, last, label)


# index.mjs: `const conn = await mysql.createConnection({`
HANDLER_CONNECT_LINE = 16


def check_report_top_site(ck, env, rep, last_dump, label):
    leaked = len(db_sockets(env, last_dump))
    sites = rep.get("sites") or [{}]
    top = sites[0]
    targets = top.get("targets") or [{}]
    funcs = [f.get("function") or "" for f in top.get("frames", [])]
    ck.note("report (%s): %d descriptors, top site %d x %s, top target %s (%d); %d leaked sockets"
            % (label, rep.get("descriptors", 0), top.get("count", 0), top.get("kinds"),
               targets[0].get("target"), targets[0].get("count", 0), leaked))
    ck.expect(leaked > 0 and top.get("count", 0) >= 0.95 * leaked,
              "report (%s): the top call site holds >= 95%% of the %d leaked sockets" % (label, leaked),
              json.dumps(sites[:3], indent=1)[:3000])
    ck.expect_equal(targets[0].get("target"), env.db_port_target(),
                    "report (%s): the top site's top target is the database" % label)
    # The user's own code, not node's or mysql2's: the handler's line that
    # called mysql.createConnection (lang=auto, the default, under the layer).
    frames = top.get("frames") or [{}]
    first = frames[0]
    ck.expect_equal((first.get("lang"), os.path.basename(first.get("file") or ""),
                     first.get("function"), first.get("line")),
                    ("js", "index.mjs", "handler", HANDLER_CONNECT_LINE),
                    "report (%s): the top site starts at the handler's createConnection line" % label,
                    json.dumps(frames[:6], indent=1))
    ck.expect(any("TCPWrap::Connect" in f or f == "uv__tcp_connect" for f in funcs),
              "report (%s): below the JavaScript frames, the native TCP connect (uv__tcp_connect or "
              "node::TCPWrap::Connect)" % label, "\n".join(funcs[:40]))


# --------------------------------------------------------------------------
# c. action=abort
# --------------------------------------------------------------------------

def case_abort(ck, env):
    n = env.args.invocations or 3000
    with env.function(env={"AWS_LAMBDA_EXEC_WRAPPER": env.wrapper, "FDSCOPE_OPTIONS": "action=abort"}) as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        live = lam.runtimes[-1]
        check_wrapper_environment(ck, env, live.pid, "action=abort")
        db_conns = env.db.connections()
        runtimes = list(lam.runtimes)
    fails = failures(invs)
    aborted = [r for r in runtimes if r.exit_code == -signal.SIGABRT]
    ck.note("invocations: %s; runtimes: %s" % (status_counts(invs), ", ".join(
        "#%d pid %d served %d exit %s" % (r.index, r.pid, len(r.invocations), r.exit_code) for r in runtimes)))
    ck.note("ABORTS: %d, FAILED INVOCATIONS: %d of %d" % (len(aborted), len(fails), n))
    ck.expect(len(fails) <= len(aborted), "at most one failed invocation per abort (%d <= %d)"
              % (len(fails), len(aborted)))
    ck.expect(n // THRESHOLD <= len(aborted) <= n // 700,
              "aborts around %d/%d: %d <= %d <= %d" % (n, THRESHOLD, n // THRESHOLD, len(aborted), n // 700))
    ck.expect_equal(len(runtimes), len(aborted) + 1,
                    "each abort was followed by a fresh runtime, and only aborts ended runtimes")
    ck.expect(runtimes[-1].exit_code is None or runtimes[-1].exit_code == -signal.SIGTERM,
              "the last runtime was still serving at the end")
    bad = [i for i in fails if i.error_type != "Runtime.ExitError" or "aborted" not in i.error_message]
    ck.expect(not bad, "every failure is the runtime's abort (Runtime.ExitError, signal: aborted), "
                       "none is EMFILE", "\n".join(describe_invocation(i) for i in bad[:5]))
    served = [len(r.invocations) for r in aborted]
    ck.expect(all(700 <= s <= THRESHOLD for s in served),
              "each aborted runtime served 700..%d invocations before the threshold" % THRESHOLD, str(served))
    ck.expect(all(r.invocations and invs[r.invocations[0] - 1].status == "success" for r in runtimes[1:]),
              "each fresh runtime's first invocation succeeded")
    ck.expect_equal(db_conns, sum(1 for i in invs if i.runtime == runtimes[-1].index and not i.failed),
                    "MariaDB holds only the live runtime's connections (the aborted ones' were closed)")

    log = LogStream(lam.capture_path)
    check_dumps_consistent(ck, log)
    by_pid = collections.defaultdict(list)
    for d in log.dumps:
        by_pid[d.pid].append(d)
    ck.expect_equal(sorted(by_pid), sorted(r.pid for r in aborted),
                    "dumps came from the aborted runtimes, and only from them")
    for r in aborted:
        ds = by_pid.get(r.pid, [])
        ok = len(ds) == 1 and ds[0].reason == "threshold" and ds[0].complete
        crash_inv = invs[r.invocations[-1] - 1]
        crash_line = next((i for i, l in enumerate(log.lines)
                           if l.startswith("RequestId: %s Error: Runtime exited" % crash_inv.request_id)), -1)
        ck.expect(ok and 0 <= log.line_of(ds[0]) < crash_line,
                  "runtime #%d (pid %d): one complete threshold dump, then the abort (invocation #%d failed)"
                  % (r.index, r.pid, crash_inv.index),
                  "\n".join(d.summary() for d in ds) + "\ncrash line %d" % crash_line)
        if ds:
            ck.expect_equal(len(db_sockets(env, ds[0])), len(r.invocations) - 1,
                            "runtime #%d's dump holds the %d connections of its earlier invocations"
                            % (r.index, len(r.invocations) - 1))


# --------------------------------------------------------------------------
# d. The fixed handler
# --------------------------------------------------------------------------

def case_fixed(ck, env):
    n = env.args.invocations or 3000
    with env.function(handler="fixed.handler", env={"AWS_LAMBDA_EXEC_WRAPPER": env.wrapper}) as lam:
        t = time.monotonic()
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        dt = time.monotonic() - t
        rt = lam.runtimes[0]
        check_wrapper_environment(ck, env, rt.pid, "")
        open_fds = len(os.listdir("/proc/%d/fd" % rt.pid))
        db_conns = env.db.connections()
    ck.note("invocations: %s in %.1f s (%.0f/s); runtime had %d descriptors open at the end"
            % (status_counts(invs), dt, n / dt, open_fds))
    ck.expect_equal(len(failures(invs)), 0, "no failed invocation",
                    "\n".join(describe_invocation(i) for i in failures(invs)[:5]))
    ck.expect(all(i.response and i.response.get("one") == 1 for i in invs), "every invocation returned SELECT 1")
    ck.expect_equal(len(lam.runtimes), 1, "one runtime served all %d invocations" % n)
    ck.expect(open_fds < 64, "the runtime's descriptor count stayed small (%d)" % open_fds)
    ck.expect_equal(db_conns, 0, "no connection left open on MariaDB")
    log = LogStream(lam.capture_path)
    ck.expect_equal([d.summary() for d in log.dumps], [], "no dump in the log stream")
    ck.expect_equal([t for _, t in log.fdscope_text] + [json.dumps(o) for _, o in log.emf], [],
                    "no fdscope line at all in the log stream")


# --------------------------------------------------------------------------
# e. Plain LD_PRELOAD as a function variable, a shell in the launch chain
# --------------------------------------------------------------------------

def case_ld_preload(ck, env):
    n = env.args.invocations or 860
    bootstrap = os.path.join(FUNCTION_DIR, "bootstrap")
    with env.function(env={"LD_PRELOAD": env.lib, "FDSCOPE_OPTIONS": "output=stderr", "NODE": env.args.node,
                           "LAMBDA_RIC": env.ric},
                      runtime_cmd=[bootstrap]) as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        shell = lam.runtimes[0]
        node_pids = {i.response.get("pid") for i in invs if i.response}
        ck.require(len(node_pids) == 1, "one runtime process answered", str(node_pids))
        node_pid = node_pids.pop()
        ck.note("bootstrap shell pid %d, runtime (node) pid %d" % (shell.pid, node_pid))
        ck.expect(node_pid != shell.pid, "the runtime is a child of the bootstrap shell, not the shell itself")
        ck.expect(runtime_maps_has(shell.pid, env.lib) and runtime_maps_has(node_pid, env.lib),
                  "the library is loaded in the shell and in the runtime")
        ck.expect_equal(runtime_environ(node_pid).get("FDSCOPE_OPTIONS"), "output=stderr",
                        "the runtime has the function's FDSCOPE_OPTIONS unchanged (no wrapper)")
    ck.note("invocations: %s" % status_counts(invs))
    ck.expect_equal(len(failures(invs)), 0, "no failed invocation (the run stops before the limit)")
    log = LogStream(lam.capture_path)
    check_dumps_consistent(ck, log)
    summaries = ["%s exe=%s ppid=%s" % (d.summary(), d.header.get("exe"), d.header.get("ppid"))
                 for d in log.dumps if d.header]
    ck.expect_equal([(d.pid, d.reason) for d in log.dumps], [(node_pid, "threshold")],
                    "exactly one dump: the runtime's threshold dump", "\n".join(summaries))
    if log.dumps and log.dumps[0].header:
        h = log.dumps[0].header
        ck.expect_equal((h["pid"], os.path.basename(h["exe"]), h["ppid"]), (node_pid, "node", shell.pid),
                        "the dump's header names its process: the runtime's pid, exe node, "
                        "parent the bootstrap shell")
        ck.expect_equal(h["tracked"], THRESHOLD, "written at the default threshold (%d)" % THRESHOLD)
    other = [t for p, t in log.fdscope_lines_by_pid() if p != node_pid]
    ck.expect_equal(other, [], "no fdscope line from any other process (the shell, uname, node --version)")
    ck.expect_equal(len(log.emf), 0, "no EMF line (metrics is off without the wrapper)")
    boot = [l.rstrip("\n") for l in log.lines if l.startswith("bootstrap:")]
    ck.expect(any(l.startswith("bootstrap: node v") for l in boot),
              "the bootstrap's own non-leaking children ran under the preload", "\n".join(boot))
    files = os.listdir(lam.fn.tmp_dir)
    ck.expect_equal(files, [], "no dump file in the function's TMPDIR (output=stderr)")


# --------------------------------------------------------------------------
# Measurements (printed, not asserted)
# --------------------------------------------------------------------------

def case_measure(ck, env):
    # Cold start: spawn -> first /next, for the plain runtime, the layer
    # (wrapper + library), and the library alone through LD_PRELOAD (the
    # wrapper's own cost is the difference), in rotating order.
    rounds = 15
    configs = {"plain": {},
               "layer": {"AWS_LAMBDA_EXEC_WRAPPER": env.wrapper},
               "preload": {"LD_PRELOAD": env.lib, "FDSCOPE_OPTIONS": "output=stderr:metrics=emf"}}
    modes = list(configs)
    colds = {k: [] for k in modes}
    cpus = {k: [] for k in modes}
    lams = {k: env.function(handler="fixed.handler", env=v) for k, v in configs.items()}
    try:
        for r in range(rounds):
            for mode in modes[r % 3:] + modes[:r % 3]:
                lam = lams[mode]
                rt = lam.start_runtime()
                ready = lam.wait_ready(rt, timeout=60)
                lam.stop_runtime()
                ck.require(ready, "%s runtime #%d reached /next" % (mode, rt.index))
                colds[mode].append(rt.init_seconds * 1000)
                cpus[mode].append(rt.cpu_first_next * 1000)
    finally:
        for lam in lams.values():
            lam.close()
    med = {k: statistics.median(v) for k, v in colds.items()}
    ck.note("MEASURE cold start (spawn -> first /next), median of %d: plain %.1f ms, layer %.1f ms "
            "(+%.1f ms), LD_PRELOAD only %.1f ms (+%.1f ms); min %.1f / %.1f / %.1f ms"
            % (rounds, med["plain"], med["layer"], med["layer"] - med["plain"], med["preload"],
               med["preload"] - med["plain"], min(colds["plain"]), min(colds["layer"]),
               min(colds["preload"])))
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    ck.note("MEASURE runtime CPU time (user + system) until its first /next, median: plain %.0f ms, "
            "layer %.0f ms, LD_PRELOAD only %.0f ms" % (cpu["plain"], cpu["layer"], cpu["preload"]))
    del configs["preload"]
    size = os.path.getsize(env.args.layer_zip)
    unzipped = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(env.opt) for f in fs)
    ck.note("MEASURE layer zip %s: %d bytes (%.1f KiB), %d bytes unzipped"
            % (os.path.basename(env.args.layer_zip), size, size / 1024, unzipped))
    n = env.args.invocations or 1000
    rates = {"plain": [], "layer": []}
    for r in range(5):
        for mode in (("plain", "layer") if r % 2 == 0 else ("layer", "plain")):
            with env.function(handler="fixed.handler", env=configs[mode]) as lam:
                lam.invoke({"n": 0})               # the cold start, not counted
                t = time.monotonic()
                invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
                dt = time.monotonic() - t
                if failures(invs):
                    ck.require(False, "%s: %d invocations of the fixed handler succeed" % (mode, n),
                               describe_invocation(failures(invs)[0]))
                rates[mode].append(n / dt)
    pl, ly = statistics.median(rates["plain"]), statistics.median(rates["layer"])
    ck.note("MEASURE fixed handler throughput, median of 5 runs of %d invocations: plain %.0f/s, "
            "layer %.0f/s (%.1f%%)" % (n, pl, ly, (ly / pl - 1) * 100))
    ck.note("runs: plain %s; layer %s" % (["%.0f" % x for x in rates["plain"]],
                                          ["%.0f" % x for x in rates["layer"]]))


CASES = {
    "no_fdscope": case_no_fdscope,
    "layer": case_layer,
    "abort": case_abort,
    "fixed": case_fixed,
    "ld_preload": case_ld_preload,
    "measure": case_measure,
}

if __name__ == "__main__":
    main()
