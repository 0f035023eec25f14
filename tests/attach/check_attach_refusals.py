#!/usr/bin/python3
"""fdscope attach/detach refusals: one line each, the process untouched.

Each refusal exits 1 with exactly one line on stderr and nothing on
stdout, and leaves the process as it was: running, not traced, not
stopped, without libfdscope.so mapped (or with it as it was), its output
going on. Checked:

- a statically linked program (static_sleeper, built -static);
- a process with the library preloaded: attach and detach both refused;
- a second attach, and a detach after the detach;
- a process already traced (by this checker, with PTRACE_SEIZE);
- a stopped process (SIGSTOP);
- a process of another user (root's, with fdscope run as nobody through
  setpriv), when the checker runs as root and setpriv exists;
- detach from a process without the library; a pid that does not exist;
- bad command lines (no pid, two pids, a bad -o option): exit 2.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402

PTRACE_SEIZE = 0x4206


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--ticker", required=True)
    ap.add_argument("--static-sleeper", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: refusals", lambda ck, tmp: check(ck, tmp, args), args)


def status_of(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def mapped_libraries(pid):
    with open("/proc/%d/maps" % pid) as f:
        return sorted(set(l.split()[-1] for l in f if "libfdscope" in l))


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    work = os.path.join(tmp, "files")
    os.mkdir(work)
    procs = []

    def start(argv, name, env=env, ready="ready"):
        p = attachlib.Proc(argv, env, tmp, name)
        procs.append(p)
        p.read_until(ready)
        return p

    def refused(argv, p, line, what, maps_before=None, tracer=0, state="S"):
        r = toollib.run(argv, env)
        ck.expect_equal((r.returncode, r.stderr, r.stdout), (1, line, ""), "%s: exit 1, one line" % what)
        st = status_of(p.pid)
        ck.expect(p.alive() and int(st["TracerPid"]) == tracer and st["State"][0] in (state, "R"),
                  "%s: the process runs on as it was (state %s, tracer %s)" % (what, st["State"], st["TracerPid"]))
        ck.expect_equal(mapped_libraries(p.pid), maps_before or [], "%s: the library is mapped as before" % what)

    ticker = lambda name, e=env: start([args.ticker, work, "100000"], name, e)  # noqa: E731
    fd = args.fdscope
    try:
        # --- a static binary --------------------------------------------------
        s = start([args.static_sleeper], "static", ready="tick 3")
        refused([fd, "attach", str(s.pid)], s,
                "fdscope attach: cannot attach to process %d (static_sleeper): it is statically linked: there "
                "is no dynamic linker in it to load libfdscope.so\n" % s.pid, "a static binary")
        s.read_until("tick %d" % 40)
        ck.expect(s.alive(), "the static program goes on ticking after the refusal")
        s.kill()

        # --- preloaded ----------------------------------------------------------
        pre = ticker("preloaded", toollib.preload_env(tmp, args.shim, "log=none:threshold=0"))
        before = mapped_libraries(pre.pid)
        refused([fd, "attach", str(pre.pid)], pre,
                "fdscope attach: cannot attach to process %d (ticker): libfdscope.so is preloaded in it: it is "
                "tracked already (fdscope snapshot %d asks it for a dump)\n" % (pre.pid, pre.pid),
                "attach to a preloaded process", maps_before=before)
        refused([fd, "detach", str(pre.pid)], pre,
                "fdscope detach: cannot detach from process %d (ticker): its libfdscope.so is preloaded, not "
                "attached: there is nothing to detach\n" % pre.pid, "detach from a preloaded process",
                maps_before=before)
        pre.kill()

        # --- twice, and detach twice --------------------------------------------
        t = ticker("twice")
        dumps = os.path.join(tmp, "dumps")
        os.mkdir(dumps)
        attachlib.attach(ck, fd, t.pid, "log=none:output=%s/f.%%p.jsonl" % dumps, env, "attach")
        lib = mapped_libraries(t.pid)
        ck.expect_equal(len(lib), 1, "attach mapped libfdscope.so once")
        refused([fd, "attach", str(t.pid)], t,
                "fdscope attach: cannot attach to process %d (ticker): fdscope is attached to it already "
                "(fdscope detach %d first)\n" % (t.pid, t.pid), "a second attach", maps_before=lib)
        attachlib.detach(ck, fd, t.pid, env, "detach")
        refused([fd, "detach", str(t.pid)], t,
                "fdscope detach: cannot detach from process %d (ticker): fdscope is not attached to it "
                "(detached already)\n" % t.pid, "a detach after the detach", maps_before=lib)
        r = toollib.run([fd, "snapshot", "--timeout", "2", str(t.pid)], env)
        ck.expect_equal((r.returncode, r.stderr),
                        (1, "fdscope snapshot: process %d was detached (fdscope detach): it tracks nothing\n" % t.pid),
                        "snapshot of a detached process: exit 1, one line, and no signal sent")
        ck.expect(t.alive(), "the detached process was not sent the dump signal (it would have died)")
        t.kill()

        # --- no library, no process ------------------------------------------------
        t = ticker("plain")
        refused([fd, "detach", str(t.pid)], t,
                "fdscope detach: cannot detach from process %d (ticker): fdscope is not attached to it (no "
                "libfdscope.so in it)\n" % t.pid, "detach from a process without the library")

        # --- traced by someone else ---------------------------------------------------
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        if libc.ptrace(PTRACE_SEIZE, t.pid, None, None) != 0:
            raise CheckFailed("PTRACE_SEIZE failed: %s" % os.strerror(ctypes.get_errno()))
        with open("/proc/self/comm") as f:
            me = f.read().strip()
        refused([fd, "attach", str(t.pid)], t,
                "fdscope attach: cannot attach to process %d (ticker): it is traced already, by process %d "
                "(%s): a debugger or strace? detach that first\n" % (t.pid, os.getpid(), me),
                "attach to a traced process", tracer=os.getpid())
        t.kill()

        # --- stopped --------------------------------------------------------------------
        t = ticker("stopped")
        os.kill(t.pid, signal.SIGSTOP)
        for _ in range(200):
            if status_of(t.pid)["State"][0] == "T":
                break
            import time
            time.sleep(0.01)
        refused([fd, "attach", str(t.pid)], t,
                "fdscope attach: cannot attach to process %d (ticker): it is stopped; continue it first "
                "(kill -CONT %d)\n" % (t.pid, t.pid), "attach to a stopped process", state="T")
        os.kill(t.pid, signal.SIGCONT)

        # --- another user -----------------------------------------------------------------
        setpriv = shutil.which("setpriv")
        if os.geteuid() == 0 and setpriv:
            other = os.path.join(tmp, "as-nobody")
            os.makedirs(os.path.join(other, "bin"))
            os.makedirs(os.path.join(other, "lib"))
            shutil.copy(fd, os.path.join(other, "bin", "fdscope"))
            shutil.copy(args.shim, os.path.join(other, "lib", "libfdscope.so"))
            for d in (tmp, other, os.path.join(other, "bin"), os.path.join(other, "lib")):
                os.chmod(d, 0o755)
            refused([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                     os.path.join(other, "bin", "fdscope"), "attach", str(t.pid)], t,
                    "fdscope attach: cannot attach to process %d (ticker): it runs as user 0 and fdscope as user "
                    "65534: only root (CAP_SYS_PTRACE) may trace another user's process\n" % t.pid,
                    "attach to another user's process")
        else:
            ck.note("not root, or no setpriv: the other-user refusal is not checked")

        gone = subprocess.Popen(["/bin/true"])
        gone.wait(timeout=toollib.TIMEOUT)
        r = toollib.run([fd, "attach", str(gone.pid)], env)
        ck.expect_equal((r.returncode, r.stderr),
                        (1, "fdscope attach: cannot attach to process %d: no such process\n" % gone.pid),
                        "attach to a pid that does not exist: exit 1, one line")

        # --- bad command lines ---------------------------------------------------------------
        for argv, line in ((["attach"], "fdscope attach: give the PID of a running process\n"),
                           (["attach", "1", "2"], "fdscope attach: unexpected argument '2'\n"),
                           (["attach", "-o", "bogus=1", str(t.pid)], "fdscope attach: unknown option 'bogus' in -o\n"),
                           (["attach", "-o", "depth=0", str(t.pid)], "fdscope attach: bad value for option 'depth=0' in -o\n"),
                           (["detach"], "fdscope detach: give the PID of a process fdscope is attached to\n")):
            r = toollib.run([fd] + argv, env)
            ck.expect(r.returncode == 2 and r.stderr.startswith(line) and r.stdout == "",
                      "fdscope %s: exit 2, %r" % (" ".join(argv), line.strip()), r.describe())
        ck.expect_equal(mapped_libraries(t.pid), [], "bad command lines did not touch the process")
        t.kill()
    finally:
        for p in procs:
            p.kill()


if __name__ == "__main__":
    main()
