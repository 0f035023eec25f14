"""The Lambda cases with the layer's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER):
(b) the leak observed and reported, (c) action=abort, (d) the fixed
handler."""

import collections
import json
import re
import os
import signal
import time

from case_helpers import (describe_invocation, failures, runtime_environ, runtime_maps_has,
                          status_counts)
from lambda_env import FUNCTION_NAME, LIMIT, THRESHOLD
from log_stream import LogStream, check_dumps_consistent, db_sockets

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

    # The first thing an operator sees: the summary line of the first dump
    # names the handler's line and the database (and how many of the site's
    # sockets are connected to it: all but the one being opened, if any).
    top_line = [t for i, t in log.fdscope_text
                if i > log.line_of(d1) and re.match(r"fdscope: pid %d:   \d+ x " % rt.pid, t)][:1]
    m = re.match(r"fdscope: pid %d:   (\d+) x handler \(index\.mjs:%d\)  tcp -> 127\.0\.0\.1:%d"
                 r"(?: \((\d+) of (\d+)\))?$" % (rt.pid, HANDLER_CONNECT_LINE, env.db.port),
                 top_line[0] if top_line else "")
    ck.expect(m is not None and int(m.group(1)) >= len(leaked)
              and (m.group(2) is None or int(m.group(2)) >= len(leaked)),
              "the first dump's summary names the handler's createConnection line and the database",
              "\n".join(t for _, t in log.fdscope_text[:8]))

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
