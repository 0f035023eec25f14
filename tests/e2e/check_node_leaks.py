#!/usr/bin/python3
"""End-to-end: a Node.js program that leaks TCP connections and a file.

Runs tests/e2e/node/leak_sockets.js under libfdscope.so with
at_exit=1:output=<tmp>/fdscope.%p.jsonl; the script opens --count client
connections to its own server on 127.0.0.1 in openDatabaseConnection(), one
file in openConfigFile(), and calls process.exit(0) with all of them open.
The exit dump must account for every one of them, exactly: the client ends
("tcp 127.0.0.1:L -> 127.0.0.1:P", call socket, created by libuv's
uv__socket under uv__tcp_connect, with the connect stack), the accepted ends
(reverse direction, accept4 in uv__accept), the listener, the leaked file
(kind file, target its path, an open call in uv_fs_open), Node's own
start-up descriptors, and the inherited stdio as untracked, and nothing else.

JavaScript frames are JIT code outside every module: they appear in the
stacks as bare addresses, so only native frames are asserted on.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumplib  # noqa: E402
from dumplib import Checker, describe_fds  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "node", "leak_sockets.js")


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--count", type=int, default=40)
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)
    n = args.count

    ck = Checker("node: %d leaked TCP connections and a leaked file, dump at exit" % n)
    with dumplib.work_dir("fdscope-e2e-node-", args.keep) as tmp:
        check(ck, shim, args, tmp, n)
    ck.done()


def check(ck, shim, args, tmp, n):
    outdir = os.path.join(tmp, "dumps")
    os.mkdir(outdir)
    conf = os.path.realpath(os.path.join(tmp, "database.conf"))
    conf_text = "host=127.0.0.1\nport=3306\nuser=app\n"
    with open(conf, "w") as f:
        f.write(conf_text)
    report_path = os.path.join(tmp, "report.json")

    argv = [args.node, SCRIPT, "--count", str(n), "--file", conf, "--report", report_path]
    run = dumplib.run_program(argv, shim, "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % outdir,
                              timeout=args.timeout)
    ck.require(run.returncode == 0, "node exits with 0 under the preload",
               "exit code %d\nstdout:\n%s\nstderr:\n%s" % (run.returncode, run.stdout, run.stderr))
    ck.expect_equal(run.stdout,
                    "clients connected: %d\nconnections accepted: %d\n"
                    "config file opened: size %d\nexiting with everything open\n" % (n, n, len(conf_text)),
                    "node's standard output is the script's")
    with open(report_path) as f:
        rep = json.load(f)
    ck.expect_equal(rep["pid"], run.pid, "the script ran in the process we started")
    port = rep["server_port"]
    ck.note("server port %d, client fds %s, file fd %d"
            % (port, [c["fd"] for c in rep["clients"]], rep["file_fd"]))

    files = dumplib.dump_files(outdir)
    ck.expect_equal([os.path.basename(p) for p in files], ["fdscope.%d.jsonl" % run.pid],
                    "one dump file, named after node's pid")
    d = ck.single_exit_dump(outdir, run.pid)
    h = d.header
    ck.expect_equal(h["exe"], os.path.realpath(args.node), "header exe is the node binary")
    ck.expect_equal(h["argv"], argv, "header argv is node's argv")

    # --- the leaked client connections ---------------------------------
    client_re = re.compile(r"^tcp 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:%d$" % port)
    clients = [f for f in d.tracked() if f.kind == "socket" and client_re.match(f.target)]
    ck.expect_equal(len(clients), n,
                    "%d tracked sockets with target \"tcp 127.0.0.1:X -> 127.0.0.1:%d\"" % (n, port),
                    describe_fds(d, d.fds))
    by_fd = {c["fd"]: c for c in rep["clients"]}
    ck.expect_equal(sorted(f.fd for f in clients), sorted(by_fd),
                    "they are exactly the client sockets the script holds (by fd)")
    mismatched = [f for f in clients if f.fd in by_fd and
                  f.target != "tcp 127.0.0.1:%d -> 127.0.0.1:%d" % (by_fd[f.fd]["local_port"], port)]
    ck.expect(not mismatched, "each client's target names its own local port",
              describe_fds(d, mismatched))
    ck.expect_equal(sorted({f.call for f in clients}), ["socket"], "the client sockets' call is socket")

    bad = [f for f in clients
           if d.functions(f.stack)[:1] != ["uv__socket"] or not d.stack_has(f.stack, "uv__tcp_connect")
           or not d.stack_has(f.stack, "node::TCPWrap::Connect")]
    ck.expect(not bad, "each client stack starts at libuv's uv__socket, under uv__tcp_connect "
                       "and node::TCPWrap::Connect",
              "\n".join("fd %d: %s" % (f.fd, d.describe_stack(f.stack)) for f in bad[:3]))
    bad = [f for f in clients if not d.stack_has(f.stack, "Builtins_JSEntry")
           or not d.stack_has(f.stack, "node::Start")]
    ck.expect(not bad, "each client stack is unwound through the JavaScript frames "
                       "(Builtins_JSEntry) to node::Start",
              "\n".join("fd %d: %s" % (f.fd, d.describe_stack(f.stack)) for f in bad[:3]))
    no_conn = [f for f in clients if not f.connect_stack]
    ck.expect(not no_conn, "each client socket has a connect_stack", describe_fds(d, no_conn))
    bad = [f for f in clients if f.connect_stack and
           (d.functions(f.connect_stack)[:1] != ["uv__tcp_connect"]
            or not d.stack_has(f.connect_stack, "node::TCPWrap::Connect"))]
    ck.expect(not bad, "each connect stack starts at uv__tcp_connect under node::TCPWrap::Connect",
              "\n".join("fd %d: %s" % (f.fd, d.describe_stack(f.connect_stack)) for f in bad[:3]))

    # JIT frames: bare addresses, no module, no name. Report what we saw.
    jit_counts = sorted(dumplib.jit_frame_count(d.frames(f.stack)) for f in clients)
    named_jit = [fr for f in clients for fr in d.frames(f.stack) if fr.is_jit and fr.function]
    ck.expect(not named_jit, "JIT frames (no module) carry no function name")
    unnamed_native = sorted({fr.label() for f in clients for fr in d.frames(f.stack)
                             if not fr.is_jit and not fr.function})
    ck.note("client stacks: %d..%d frames, JIT frames per stack: min %d, max %d, distinct stacks %d"
            % (min(len(d.frames(f.stack)) for f in clients), max(len(d.frames(f.stack)) for f in clients),
               jit_counts[0], jit_counts[-1], len({f.stack for f in clients})))
    ck.note("unnamed native frames in client stacks: %s" % (unnamed_native or "none"))
    sample = max(clients, key=lambda f: dumplib.jit_frame_count(d.frames(f.stack)))
    ck.note("sample client stack (fd %d): %s" % (sample.fd, d.describe_stack(sample.stack)))

    # --- the server side -----------------------------------------------
    acc_re = re.compile(r"^tcp 127\.0\.0\.1:%d -> 127\.0\.0\.1:(\d+)$" % port)
    accepted = [f for f in d.tracked() if f.kind == "socket" and acc_re.match(f.target)]
    ck.expect_equal(sorted(f.fd for f in accepted), sorted(a["fd"] for a in rep["accepted"]),
                    "the %d accepted ends are tracked, target \"tcp 127.0.0.1:%d -> 127.0.0.1:X\"" % (n, port),
                    describe_fds(d, d.fds))
    ck.expect_equal(sorted(int(acc_re.match(f.target).group(1)) for f in accepted),
                    sorted(c["local_port"] for c in rep["clients"]),
                    "the accepted ends' peers are the client ends")
    bad = [f for f in accepted if f.call not in ("accept4", "accept")
           or d.functions(f.stack)[:1] != ["uv__accept"] or not d.stack_has(f.stack, "uv__server_io")]
    ck.expect(not bad, "the accepted ends come from accept4 in uv__accept (uv__server_io)",
              describe_fds(d, bad[:3]))
    ck.expect(all(not f.connect_stack for f in accepted), "accepted ends have no connect_stack")
    listeners = [f for f in d.tracked() if f.target == "tcp 127.0.0.1:%d (listening)" % port]
    ck.expect(len(listeners) == 1 and listeners[0].call == "socket"
              and d.functions(listeners[0].stack)[:2] == ["uv__socket", "uv__tcp_bind"],
              "one listening socket \"tcp 127.0.0.1:%d (listening)\" from uv__socket in uv__tcp_bind" % port,
              describe_fds(d, listeners))

    # --- the leaked file -----------------------------------------------
    leaked = [f for f in d.fds if f.target == conf]
    ck.require(len(leaked) == 1, "the leaked file %s is in the dump once" % conf, describe_fds(d, d.fds))
    f = leaked[0]
    ck.expect(f.tracked and f.fd == rep["file_fd"] and f.kind == "file",
              "it is tracked, fd %d, kind file" % rep["file_fd"], describe_fds(d, [f]))
    if f.tracked:
        ck.expect(f.call in dumplib.OPEN_CALLS, "its call is an open (%s)" % f.call)
        names = d.functions(f.stack)
        ck.expect(names[:2] == ["uv__fs_work", "uv_fs_open"] and d.stack_has(f.stack, "node::fs::Open"),
                  "its stack is uv__fs_work < uv_fs_open < node::fs::Open (fs.openSync)",
                  d.describe_stack(f.stack))
        ck.expect(not f.connect_stack, "a file has no connect_stack")
        ck.note("file stack: %d frames, %d JIT: %s" % (len(d.frames(f.stack)),
                dumplib.jit_frame_count(d.frames(f.stack)), d.describe_stack(f.stack)))

    # --- everything else -----------------------------------------------
    ck.expect_equal(sorted(u.fd for u in d.untracked()), [0, 1, 2],
                    "the only untracked descriptors are the inherited stdin/stdout/stderr",
                    describe_fds(d, d.untracked()))
    rest = dumplib.expect_runtime_sites(ck, d, dumplib.NODE_RUNTIME_SITES, "node runtime")
    program = {x.fd for x in clients + accepted + listeners + leaked}
    extra = [x for x in rest if x.fd not in program]
    ck.expect(not extra, "no other tracked descriptor", describe_fds(d, extra))
    expected_total = 2 * n + 2 + sum(s.count for s in dumplib.NODE_RUNTIME_SITES)
    ck.expect_equal(h["tracked"], expected_total,
                    "header tracked = %d clients + %d accepted + listener + file + node's own" % (n, n))


if __name__ == "__main__":
    dumplib.run_checker(main)
