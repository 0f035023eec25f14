#!/usr/bin/python3
"""Node.js, plain and with libfdscope.so preloaded in every process
(server, client, the server's children):

- node/server.js, an HTTP server on 127.0.0.1 whose routes read files
  through streams and fs.promises (FileHandle, mkdtemp, readdir, rm),
  start processes (child_process spawn, execFile, fork with IPC) and
  worker threads; node/client.js, a separate process, loads it over 16
  keep-alive connections (400 requests, 2,000 with --long; a fifth of them
  start a process or a thread), checks every answer and prints their
  digests per route; both print the same, exit 0 and write nothing else on
  stderr, plain and preloaded;
- while the client keeps its 16 connections busy, `fdscope snapshot` of
  the server exits 0, names server.js, and holds the client's connections;
- every dump (server, client, children, exit dumps) is complete.
"""

import os
import shutil
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reallib  # noqa: E402

NODE = "/usr/bin/node" if os.path.exists("/usr/bin/node") else shutil.which("node")


def wait_file(path, timeout, alive):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return os.path.exists(path)


def one_run(ck, args, tmp, how, requests):
    shim = args.shim if how == "preloaded" else None
    work = os.path.join(tmp, how)
    dumps = os.path.join(work, "dumps")
    data = os.path.join(work, "data")
    os.makedirs(dumps)
    os.makedirs(data)
    env = reallib.preload_env(shim, reallib.options(dumps), {"TMPDIR": data})
    port_file = os.path.join(work, "port")
    go = os.path.join(work, "go")
    server = reallib.Background([NODE, os.path.join(HERE, "node", "server.js"), port_file, data], env,
                                os.path.join(work, "server"), cwd=work)
    res = {"dumps": dumps}
    try:
        ck.require(wait_file(port_file, 60, server.alive), "%s: the server listens" % how)
        with open(port_file) as f:
            port = int(f.read())
        client = reallib.Background([NODE, os.path.join(HERE, "node", "client.js"), str(port), go, str(requests)],
                                    env, os.path.join(work, "client"), cwd=work)
        ck.expect(wait_file(go + ".loading", 300, client.alive), "%s: the client got to its load phase B" % how)
        if shim:
            time.sleep(0.3)
            rep = reallib.snapshot(ck, "%s: node server under load" % how, args.fdscope, server.pid,
                                   want=["server.js"])
            if rep:
                n = reallib.socket_count(rep, "tcp 127.0.0.1:%d <-" % port)
                ck.expect(n >= 16, "%s: the snapshot holds the client's 16 connections (%d)" % (how, n),
                          str(rep.get("sites"))[:3000])
            ck.expect(client.alive(), "%s: the client was still loading the server after the snapshot" % how)
        with open(go, "w"):
            pass
        res["client"] = client.wait(600)
        res["server"] = server.wait(60)
    finally:
        server.kill()
    return res


def body(ck, args, tmp):
    ck.require(NODE and os.access(NODE, os.X_OK), "node is installed")
    requests = 2000 if args.long else 400
    plain = one_run(ck, args, tmp, "plain", requests)
    pre = one_run(ck, args, tmp, "preloaded", requests)
    c = plain["client"]
    ck.expect("errors: 0" in c.out and "quit: 200 bye" in c.out,
              "plain: the client's %d requests all succeeded (%.1f s)" % (requests, c.seconds), c.out + c.err)
    reallib.compare(ck, "node client", plain["client"], pre["client"], expect_code=0)
    reallib.compare(ck, "node server", plain["server"], pre["server"], expect_code=0)
    ck.note("client time: plain %.1f s, preloaded %.1f s" % (plain["client"].seconds, pre["client"].seconds))
    reallib.check_dumps(ck, "node", args.fdscope, [pre["dumps"]], min_dumps=2 + requests // 20 * 2,
                        reasons=("signal", "exit"), exes=("node",))


if __name__ == "__main__":
    reallib.main("real.node", __doc__, body)
