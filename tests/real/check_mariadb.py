#!/usr/bin/python3
"""Debian's mariadbd (a large multithreaded C++ server), plain and with
libfdscope.so preloaded, on 127.0.0.1 with a data directory of its own
(tests/lambda/mariadb_server.py), under load from mysqlslap, a separate
client process (mariadb-client; preloaded too in the preloaded run):

- mysqlslap, 20 clients (50 with --long), a bounded number of queries
  (inserts, a sleep that keeps the load on for a few seconds, a count):
  the same exit status, the same output (timings aside: the clients and
  queries per client), no fdscope line but dump summaries;
- while the load runs, `fdscope snapshot SERVER_PID` exits 0 and its
  report names the server's sites and holds the clients' connections;
- after it, the same results of a few queries through the mariadb client
  (TCP and the Unix socket): the rows the load inserted, a checksum;
- a clean shutdown (SIGTERM): the server exits 0 in both runs, its stderr
  holds nothing but fdscope's dump summaries, the error log no [ERROR],
  and every dump of the server and the clients is complete.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lambda"))
import reallib  # noqa: E402
from mariadb_server import MariaDB  # noqa: E402

CLIENT = shutil.which("mariadb") or "/usr/bin/mariadb"
SLAP = shutil.which("mariadb-slap") or shutil.which("mysqlslap") or "/usr/bin/mysqlslap"

CREATE = "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100), n INT) ENGINE=InnoDB"
QUERY = ("INSERT INTO t (v, n) VALUES (REPEAT('x', 100), 7);"
         "SELECT SLEEP(0.2);"
         "SELECT COUNT(*), SUM(n) FROM t")
AFTER = ("SELECT COUNT(*), SUM(n), SUM(LENGTH(v)) FROM slap.t; CHECKSUM TABLE slap.t; "
         "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = 'slap'; "
         "SHOW DATABASES")


def normalize_log(text, dirs):
    """The server's log lines without their timestamp, thread id, pid,
    port, the run's directory."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\d{4}-\d\d-\d\d +\d+:\d\d:\d\d \d+ ", "", line)
        for d in dirs:
            line = line.replace(d, "DIR")
        line = re.sub(r"\b(port:? '?)\d+", r"\1PORT", line)
        line = re.sub(r"\b(process|connection) \d+", r"\1 N", line)
        out.append(line)
    return "\n".join(out) + "\n"


def normalize_slap(text):
    return re.sub(r"\d+\.\d+ seconds", "N seconds", text)


def one_run(ck, args, tmp, how, clients, queries):
    shim = args.shim if how == "preloaded" else None
    work = os.path.join(tmp, how)
    dumps = os.path.join(work, "dumps")
    os.makedirs(dumps)
    env = reallib.preload_env(shim, reallib.options(dumps, threshold=40))
    res = {"dumps": dumps, "work": work}
    db = MariaDB(os.path.join(work, "db"), max_connections=200, start_timeout=120, env=env,
                 stderr_path=os.path.join(work, "server.stderr"))
    try:
        t0 = time.monotonic()
        db.start()
        ck.note("%s: mariadbd %d answers on 127.0.0.1:%d (%.1f s)" % (how, db.proc.pid, db.port,
                                                                     time.monotonic() - t0))
        tcp = ["--no-defaults", "--protocol=tcp", "-h127.0.0.1", "-P%d" % db.port, "-uroot"]
        slap = reallib.Background(
            [SLAP] + tcp + ["--concurrency=%d" % clients, "--iterations=1",
                            "--number-of-queries=%d" % queries, "--create-schema=slap", "--no-drop",
                            "--create=" + CREATE, "--query=" + QUERY, "--delimiter=;"],
            env, os.path.join(work, "mysqlslap"))
        if shim:
            # Wait for the load's connections, then ask the server for a dump.
            deadline = time.monotonic() + 60
            seen = 0
            while slap.alive() and time.monotonic() < deadline:
                seen = db.connections()
                if seen >= clients:
                    break
                time.sleep(0.05)
            ck.expect(seen >= clients and slap.alive(),
                      "%s: the load is on: %d client connections" % (how, seen))
            rep = reallib.snapshot(ck, "%s: mariadbd under load" % how, args.fdscope, db.proc.pid,
                                   want=["handle_connections_sockets"])
            if rep:
                tcp_in = reallib.socket_count(rep, "tcp 127.0.0.1:%d <-" % db.port)
                ck.expect(tcp_in >= clients, "%s: the snapshot holds the %d clients' connections (%d)"
                          % (how, clients, tcp_in), str(rep["sites"])[:3000])
        res["slap"] = slap.wait(300)
        res["after_tcp"] = reallib.run([CLIENT] + tcp + ["-N", "-B", "-e", AFTER], env, timeout=60)
        res["after_socket"] = reallib.run([CLIENT, "--no-defaults", "--socket=" + db.socket_path, "-uroot",
                                           "-e", "SELECT COUNT(*) AS rows_in_t FROM slap.t; SELECT 1+1"],
                                          env, timeout=60)
        pid = db.proc.pid
        t0 = time.monotonic()
        code = db.stop_cleanly(timeout=120)
        res["shutdown_s"] = time.monotonic() - t0
        res["code"] = code
        res["pid"] = pid
    finally:
        db.stop()
    with open(os.path.join(work, "server.stderr"), errors="replace") as f:
        res["stderr"] = f.read()
    with open(db.log_path, errors="replace") as f:
        res["log"] = f.read()
    return res


def body(ck, args, tmp):
    for exe in ("/usr/sbin/mariadbd", CLIENT, SLAP):
        ck.require(os.access(exe, os.X_OK), "%s is installed (scripts/install-deps.sh)" % exe)
    clients, queries = (50, 6000) if args.long else (20, 600)
    plain = one_run(ck, args, tmp, "plain", clients, queries)
    pre = one_run(ck, args, tmp, "preloaded", clients, queries)
    sp, sq = plain["slap"], pre["slap"]
    ck.expect("Number of clients running queries: %d" % clients in sp.out,
              "plain: mysqlslap ran %d clients (%.1f s)" % (clients, sp.seconds), sp.out + sp.err)
    reallib.compare(ck, "mysqlslap", sp, sq, normalize=normalize_slap, expect_code=0)
    ck.note("mysqlslap %d clients, %d queries: plain %.1f s, preloaded %.1f s (ratio %.2f; the preloaded run "
            "includes a snapshot of the server)" % (clients, queries, sp.seconds, sq.seconds,
                                                   sq.seconds / sp.seconds if sp.seconds else 0))
    inserts = (queries // clients // 3) * clients
    ck.expect(("%d\t%d\t" % (inserts, 7 * inserts)) in plain["after_tcp"].out,
              "plain: the load inserted %d rows" % inserts, plain["after_tcp"].out)
    reallib.compare(ck, "mariadb client over TCP after the load", plain["after_tcp"], pre["after_tcp"],
                    expect_code=0)
    reallib.compare(ck, "mariadb client over the Unix socket", plain["after_socket"], pre["after_socket"],
                    expect_code=0)
    ck.expect_equal(plain["code"], 0, "plain: mariadbd shut down cleanly, exit status 0 (%.1f s)"
                    % plain["shutdown_s"], plain["log"][-3000:])
    ck.expect_equal(pre["code"], 0, "preloaded: mariadbd shut down cleanly, exit status 0 (%.1f s)"
                    % pre["shutdown_s"], pre["log"][-3000:])
    # The server writes to its stderr until it opens its error log, then
    # points its stderr there too: fdscope's lines of the dumps after
    # start-up are in the error log.
    norm = lambda t: normalize_log(t, [plain["work"], pre["work"]])
    sp_err, _ = reallib.split_fdscope_lines(plain["stderr"])
    pre_err, ours_err = reallib.split_fdscope_lines(pre["stderr"])
    ck.expect(norm(sp_err) == norm(pre_err), "the server's stderr is the same preloaded, timestamps and "
              "fdscope's lines aside (%d lines)" % sp_err.count("\n"), reallib.diff(norm(sp_err), norm(pre_err)))
    log_plain, plain_ours = reallib.split_fdscope_lines(plain["log"])
    log_pre, ours = reallib.split_fdscope_lines(pre["log"])
    ours += ours_err
    ck.expect(not plain_ours, "plain: no fdscope line in the error log")
    bad = reallib.unexpected_fdscope_lines(ours)
    ck.expect(ours and not bad, "preloaded: fdscope's lines in the server's stderr and error log are dump "
              "summaries (%d lines)" % len(ours), "\n".join(bad[:20]))
    warn_plain = [l for l in norm(log_plain).splitlines() if "[Warning]" in l or "[ERROR]" in l]
    warn_pre = [l for l in norm(log_pre).splitlines() if "[Warning]" in l or "[ERROR]" in l]
    ck.expect(warn_plain == warn_pre, "the error log's warnings and errors are the same preloaded (%d)"
              % len(warn_plain), reallib.diff("\n".join(warn_plain) + "\n", "\n".join(warn_pre) + "\n"))
    for how, r in (("plain", plain), ("preloaded", pre)):
        errors = [l for l in r["log"].splitlines() if "[ERROR]" in l]
        ck.expect(not errors, "%s: no [ERROR] in the server's error log" % how, "\n".join(errors[:20]))
        ck.expect("ready for connections" in r["log"] and "Shutdown complete" in r["log"],
                  "%s: the error log says 'ready for connections', then 'Shutdown complete'" % how,
                  r["log"][-2000:])
    dumps = reallib.check_dumps(ck, "mariadb", args.fdscope, [pre["dumps"]], min_dumps=4,
                                reasons=("signal", "exit"), exes=("mariadbd", "mariadb-slap", "mariadb"))
    server = [d for d in dumps if d.pid == pre["pid"]]
    ck.expect({"signal", "exit"} <= {d.reason for d in server},
              "the server wrote its signal dump and its exit dump (%s)" % ", ".join(d.reason for d in server))


if __name__ == "__main__":
    reallib.main("real.mariadb", __doc__, body)
