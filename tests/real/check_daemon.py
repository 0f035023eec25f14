#!/usr/bin/python3
"""A daemon that closes every descriptor at start-up (programs/closeall_daemon.c),
three ways: a loop of close() to the hard limit, closefrom(3), close_range.
Plain and preloaded: the same stdout (every descriptor number it gets, the
open descriptors below 256 after each step, how many of its close() calls
succeeded), stderr and exit status; the library gives up its own
descriptor without a word (no fdscope line but the dump summaries), and
the daemon's dumps (a threshold dump at its 100 pipes, the at-exit dump,
its exec'd child's) are complete."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reallib  # noqa: E402


def extra(ap):
    ap.add_argument("--daemon", required=True, help="the closeall_daemon program")


def body(ck, args, tmp):
    for mode in ("loop", "closefrom", "close_range"):
        runs = {}
        dumps = os.path.join(tmp, "dumps-" + mode)
        os.mkdir(dumps)
        for how, shim in (("plain", None), ("preloaded", args.shim)):
            pidfile = os.path.join(tmp, "%s-%s.pid" % (mode, how))
            env = reallib.preload_env(shim, reallib.options(dumps))
            r = reallib.run([args.daemon, mode, pidfile], env, timeout=60)
            # The daemon left the run's process group (setsid): end it if it is still there.
            try:
                with open(pidfile) as f:
                    pid = int(f.read())
                ck.expect(reallib.gone(pid, 10), "%s: the %s daemon ended by itself (pid %d)" % (mode, how, pid))
            except (OSError, ValueError):
                ck.expect(False, "%s: the %s daemon wrote its pid file" % (mode, how))
            runs[how] = r
        plain, pre = runs["plain"], runs["preloaded"]
        ck.expect("done\n" in plain.out and "WRONG" not in plain.out and "FAILED" not in plain.out,
                  "%s: the daemon did its work plain" % mode, plain.out + plain.err)
        reallib.compare(ck, mode, plain, pre, expect_code=0)
        reallib.check_dumps(ck, mode, args.fdscope, [dumps], min_dumps=3,
                            reasons=("threshold", "exit"), exes=("closeall_daemon",))


if __name__ == "__main__":
    reallib.main("real.daemon", __doc__, body, extra)
