#!/usr/bin/python3
"""fdscope snapshot PID: a dump of a running process, now.

`leaky_service sleep DIR` leaks two open()s of DIR/cache.db (one line each)
and a pipe, prints "ready" and sleeps. Checked:

- started with LD_PRELOAD=libfdscope.so (output=<dir>/fdscope.%p.jsonl, no
  at_exit): `snapshot --timeout 10 PID` exits 0 well within the timeout and
  prints the report of a new signal dump, naming make_notify_pipe and
  open_cache_file at their lines (4 descriptors, 3 sites, 3 untracked); the
  process lives on; a second snapshot is dump 2; --format json has exact
  counts;
- without `output`, the dump goes to $TMPDIR of the process (read from its
  environment), and snapshot finds it there; with a relative `output`, the
  dump goes to the process's working directory, and snapshot (run from
  elsewhere) finds it there;
- a process without the library: exit 1, one line saying so, and the
  process is not signalled (SIGUSR2 would have killed it);
- a pid that does not exist: exit 1, one line;
- output=stderr: exit 1, one line saying the dump goes to the process's
  stderr (where it does go); signal=0: exit 1, one line;
- a process that installed its own handler for the signal (nginx takes
  SIGUSR2 for a binary upgrade): exit 1 at once, one line, and the
  program's handler never runs; one that started with the signal ignored
  by its parent: the same; one that blocks the signal in every thread:
  exit 1 after --timeout 1, one line;
- a process that publishes no state (it closed the library's descriptor):
  exit 1, one line naming --force, not signalled; with --force the dump is
  found from the process's environment;
- a dump the process could not write where it was told (it dropped
  privileges) is found where it fell back to;
- bad arguments: exit 2.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope snapshot", lambda ck, tmp: check(ck, tmp, args), args)


class Sleeper:
    """A process started in the background that says "ready" and sleeps."""

    def __init__(self, argv, env, tmp, name, cwd=None):
        self.err_path = os.path.join(tmp, name + ".stderr")
        self.err = open(self.err_path, "wb")
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=self.err, close_fds=True, start_new_session=True, cwd=cwd)
        self.pid = self.p.pid

    def wait_ready(self, line="ready"):
        toollib.wait_for_line(self.p, line, toollib.TIMEOUT)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        toollib.kill_group(self.p)
        self.p.stdout.close()
        self.err.close()
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")


def check(ck, tmp, args):
    marks = toollib.markers(args.source)
    src = re.escape(os.path.realpath(args.source))
    env = toollib.base_env(tmp)
    sleepers = []

    def start(argv, env, name, ready="ready", cwd=None):
        s = Sleeper(argv, env, tmp, name, cwd)
        sleepers.append(s)
        s.wait_ready(ready)
        return s

    def snapshot(*argv):
        return toollib.run([args.fdscope, "snapshot"] + list(argv), env)

    def one_line(r, status, needle, what):
        lines = r.stderr_lines()
        ck.expect(r.returncode == status and len(lines) == 1 and needle in lines[0] and r.stdout == "",
                  "%s: exit %d, one line on stderr (%r), nothing on stdout" % (what, status, needle),
                  r.describe())

    try:
        # --- a process under the library ---------------------------------
        work = os.path.join(tmp, "work")
        dumps = os.path.join(tmp, "dumps")
        os.mkdir(work)
        os.mkdir(dumps)
        s = start([args.program, "sleep", work],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "under")
        r = snapshot("--timeout", "10", str(s.pid))
        dump_file = os.path.join(dumps, "fdscope.%d.jsonl" % s.pid)
        ck.expect_equal(r.returncode, 0, "snapshot of a process under the library exits 0", r.describe())
        ck.expect(r.elapsed < 10, "snapshot returned within its timeout (%.2f s)" % r.elapsed)
        ck.expect_equal(r.stderr, "fdscope: dump 1 of process %d in %s\n" % (s.pid, dump_file),
                        "snapshot says which dump of which process it read, from which file")
        ck.expect(r.stdout.startswith("4 descriptors open from 3 call sites (1 dump, 1 process; 3 untracked)\n"),
                  "snapshot: 4 descriptors in 3 sites, stdin/stdout/stderr untracked", r.describe())
        ck.expect(re.search(r"2 x pipe  created by pipe, age .*\n  2 x pipe:\[\d+\]\n"
                            r"    #0  make_notify_pipe  %s:%d  \(leaky_service\+0x[0-9a-f]+\)\n"
                            r"    #1  run_sleep  %s:%d " % (src, marks["make_notify_pipe"], src,
                                                            marks["run_sleep->make_notify_pipe"]), r.stdout),
                  "snapshot: the report names make_notify_pipe at leaky_service.c:%d, called from line %d"
                  % (marks["make_notify_pipe"], marks["run_sleep->make_notify_pipe"]), r.describe())
        ck.expect(re.search(r"#0  open_cache_file  %s:%d  \(leaky_service\+0x[0-9a-f]+\)\n"
                            r"    #1  run_sleep  %s:%d " % (src, marks["open_cache_file"], src,
                                                            marks["run_sleep->open_cache_file"]), r.stdout),
                  "snapshot: the report names open_cache_file at leaky_service.c:%d, called from line %d"
                  % (marks["open_cache_file"], marks["run_sleep->open_cache_file"]), r.describe())
        ck.expect(s.alive(), "the process lives on after the snapshot")
        with open(dump_file) as f:
            headers = [json.loads(l) for l in f if '"type":"header"' in l]
        ck.expect_equal([(h["seq"], h["reason"]) for h in headers], [(1, "signal")],
                        "the dump file holds one signal dump")

        r = snapshot("--format", "json", str(s.pid))
        ok = r.returncode == 0
        ck.expect(ok and r.stderr.startswith("fdscope: dump 2 of process %d" % s.pid),
                  "a second snapshot (--format json) reads dump 2", r.describe())
        if ok:
            rep = toollib.load_json_ordered(r.stdout)
            toollib.check_report_shape(ck, rep, "snapshot --format json: the SPEC's shape")
            ck.expect_equal([(toollib.program_functions(x)[:2], x["count"]) for x in rep["sites"]],
                            [(["make_notify_pipe", "run_sleep"], 2), (["open_cache_file", "run_sleep"], 1),
                             (["open_cache_file", "run_sleep"], 1)],
                            "snapshot --format json: exact sites and counts")
            ck.expect_equal([rep[k] for k in ("dumps", "processes", "descriptors", "untracked")], [1, 1, 4, 3],
                            "snapshot --format json: 1 dump, 1 process, 4 descriptors, 3 untracked")
        ck.expect(s.alive(), "the process lives on after two snapshots")
        s.stop()

        # --- the default output: $TMPDIR of the process ----------------------
        ptmp = os.path.join(tmp, "process-tmpdir")
        os.mkdir(ptmp)
        penv = toollib.preload_env(ptmp, args.shim, "log=none")
        s = start([args.program, "sleep", work], penv, "tmpdir")
        r = snapshot("--timeout", "10", str(s.pid))
        ck.expect(r.returncode == 0 and r.stderr == "fdscope: dump 1 of process %d in %s/fdscope.%d.jsonl\n"
                  % (s.pid, ptmp, s.pid) and r.stdout.startswith("4 descriptors open from 3 call sites"),
                  "snapshot finds the dump in the process's $TMPDIR when output is not set", r.describe())
        s.stop()

        # --- a process under `fdscope run` --------------------------------------------
        s = start([args.fdscope, "run", "--", args.program, "sleep", work], env, "run")
        with open("/proc/%d/task/%d/children" % (s.pid, s.pid)) as f:
            children = [int(x) for x in f.read().split()]
        ck.require(len(children) == 1, "fdscope run has one child, the program", "%s" % children)
        r = snapshot("--timeout", "10", str(children[0]))
        ck.expect(r.returncode == 0 and r.stdout.startswith("4 descriptors open from 3 call sites")
                  and re.fullmatch(r"fdscope: dump 1 of process %d in %s/fdscope-run\.\w+/fdscope\.%d\.jsonl\n"
                                   % (children[0], re.escape(tmp), children[0]), r.stderr),
                  "snapshot of a program running under 'fdscope run' reads its dump from run's directory",
                  r.describe())
        os.kill(children[0], 15)
        try:
            status = s.p.wait(timeout=toollib.TIMEOUT)
        except Exception:
            status = None
        ck.expect_equal(status, 128 + 15, "fdscope run then exits 128+15 when SIGTERM kills the program")
        s.stop()

        # --- a relative output name: relative to the process's directory ----------
        pcwd = os.path.join(tmp, "process-cwd")
        os.mkdir(pcwd)
        s = start([args.program, "sleep", work], toollib.preload_env(tmp, args.shim, "log=none:output=rel.%p.jsonl"),
                  "relative", cwd=pcwd)
        r = toollib.run([args.fdscope, "snapshot", "--timeout", "3", str(s.pid)], env, cwd=tmp)
        ck.expect(r.returncode == 0 and r.stdout.startswith("4 descriptors open from 3 call sites")
                  and os.path.exists(os.path.join(pcwd, "rel.%d.jsonl" % s.pid)),
                  "output=rel.%p.jsonl (relative to the process's working directory, not snapshot's): "
                  "snapshot finds the dump and reports it", r.describe())
        s.stop()

        # --- no library --------------------------------------------------------
        s = start([args.program, "sleep", work], env, "plain")
        r = snapshot("--timeout", "5", str(s.pid))
        one_line(r, 1, "no libfdscope.so", "snapshot of a process without the library")
        ck.expect(str(s.pid) in r.stderr, "snapshot without the library: the line names the pid")
        time.sleep(0.2)
        ck.expect(s.alive(), "the process without the library was not sent the dump signal")
        s.stop()

        # --- no such process ------------------------------------------------------
        gone = subprocess.Popen(["/bin/true"], env=env)
        gone.wait(timeout=toollib.TIMEOUT)
        if os.path.exists("/proc/%d" % gone.pid):
            raise CheckFailed("pid %d was reused at once" % gone.pid)
        r = snapshot("--timeout", "5", str(gone.pid))
        one_line(r, 1, str(gone.pid), "snapshot of a pid that does not exist")
        ck.expect("no such process" in r.stderr, "snapshot of a missing pid says 'no such process'")

        # --- output=stderr and signal=0 ----------------------------------------------
        s = start([args.program, "sleep", work], toollib.preload_env(tmp, args.shim, "log=none:output=stderr"),
                  "stderr")
        r = snapshot("--timeout", "5", str(s.pid))
        one_line(r, 1, "stderr", "snapshot of a process with output=stderr")
        ck.expect("output=stderr" in r.stderr and str(s.pid) in r.stderr,
                  "output=stderr: the line names the pid and the option", r.describe())
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline:
            with open(s.err_path, "rb") as f:
                text = f.read().decode(errors="replace")
            if '"type":"end"' in text:
                break
            time.sleep(0.05)
        ck.expect('"reason":"signal"' in text and '"type":"end"' in text and s.alive(),
                  "output=stderr: the dump went to the process's stderr, and the process lives on",
                  text[:2000])
        s.stop()

        s = start([args.program, "sleep", work], toollib.preload_env(tmp, args.shim, "log=none:signal=0"),
                  "signal0")
        r = snapshot("--timeout", "5", str(s.pid))
        one_line(r, 1, "signal=0", "snapshot of a process with signal=0")
        ck.expect(s.alive(), "signal=0: the process was not signalled")
        s.stop()

        # --- a fork child publishes its own state ---------------------------------------
        child_file = os.path.join(tmp, "child.pid")
        forker = ("import os, time\n"
                  "pid = os.fork()\n"
                  "if pid == 0:\n    time.sleep(60)\n    os._exit(0)\n"
                  "open(%r, 'w').write(str(pid))\nprint('ready', flush=True)\ntime.sleep(60)\n" % child_file)
        s = start([sys.executable, "-c", forker],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "forker")
        child = int(open(child_file).read())
        for pid, what in ((child, "the fork child"), (s.pid, "its parent")):
            r = snapshot("--timeout", "10", str(pid))
            ck.expect_equal(r.stderr, "fdscope: dump 1 of process %d in %s\n"
                            % (pid, os.path.join(dumps, "fdscope.%d.jsonl" % pid)),
                            "snapshot of %s: its own dump 1, in its own file" % what, r.describe())
        s.stop()

        # --- the program took the signal: not sent --------------------------------------
        got = os.path.join(tmp, "handler-ran")
        s = start(["/bin/sh", "-c", 'trap "echo ran > %s" USR2; echo ready; while :; do sleep 0.1; done' % got],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "handled")
        r = snapshot("--timeout", "1", str(s.pid))
        one_line(r, 1, "handles SIGUSR2 itself", "snapshot of a process with its own SIGUSR2 handler")
        ck.expect(r.elapsed < 1.0, "refused at once, without waiting (%.2f s)" % r.elapsed)
        time.sleep(0.3)
        ck.expect(not os.path.exists(got) and s.alive(), "the program's own handler never ran")
        s.stop()

        s = start(["/bin/sh", "-c", 'trap "" USR2; exec %s sleep %s' % (args.program, work)],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "ignored")
        r = snapshot("--timeout", "1", str(s.pid))
        one_line(r, 1, "started with SIGUSR2 ignored or handled",
                 "snapshot of a process whose parent left SIGUSR2 ignored")
        s.stop()

        # --- the signal is blocked: time-out ---------------------------------------------
        blocker = ("import signal, sys, time\n"
                   "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])\n"
                   "print('ready', flush=True)\ntime.sleep(60)\n")
        s = start([sys.executable, "-c", blocker],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "blocked")
        r = snapshot("--timeout", "1", str(s.pid))
        one_line(r, 1, "no dump", "snapshot of a process that blocks the signal, --timeout 1")
        ck.expect(1.0 <= r.elapsed < 5.0, "the time-out took about 1 s (%.2f s)" % r.elapsed)
        s.stop()

        # --- no published state: only --force signals ------------------------------------
        s = start([args.program, "close-all-then-sleep", work],
                  toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % dumps), "closer")
        r = snapshot("--timeout", "5", str(s.pid))
        one_line(r, 1, "--force", "snapshot of a process that closed the library's descriptors")
        ck.expect(s.alive(), "without --force the process was not signalled")
        r = snapshot("--force", "--timeout", "10", str(s.pid))
        ck.expect_equal(r.stderr, "fdscope: dump 1 of process %d in %s\n"
                        % (s.pid, os.path.join(dumps, "fdscope.%d.jsonl" % s.pid)),
                        "--force: the dump is found from the process's environment", r.describe())
        s.stop()

        # --- the dump fell back: found where it went -------------------------------------
        if os.getuid() == 0:
            ro = os.path.join(tmp, "ro")
            os.mkdir(ro, 0o555)
            os.chmod(tmp, 0o755)
            fallback_dir = os.path.join(tmp, "fallback")
            os.mkdir(fallback_dir)
            os.chmod(fallback_dir, 0o777)
            work_nobody = os.path.join(fallback_dir, "work")
            os.mkdir(work_nobody)
            os.chmod(work_nobody, 0o777)
            env_nobody = toollib.preload_env(tmp, args.shim, "log=none:output=%s/fdscope.%%p.jsonl" % ro)
            env_nobody["TMPDIR"] = fallback_dir
            s = start(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", args.program, "sleep",
                       work_nobody], env_nobody, "nobody")
            r = snapshot("--timeout", "10", str(s.pid))
            fell = os.path.join(fallback_dir, "fdscope.%d.jsonl" % s.pid)
            ck.expect_equal(r.stderr, "fdscope: dump 1 of process %d in %s\n" % (s.pid, fell),
                            "a dump that fell back to $TMPDIR is found there", r.describe())
            ck.expect("make_notify_pipe" in r.stdout, "the fallen-back dump is reported", r.describe())
            s.stop()

        # --- bad arguments ---------------------------------------------------------------
        for argv, what in (([], "no pid"), (["abc"], "pid abc"), (["--timeout", "x", "1"], "--timeout x"),
                           (["--timeout", "0", "1"], "--timeout 0"), (["1", "2"], "two pids"),
                           (["--format", "xml", "1"], "--format xml"), (["-1"], "pid -1"),
                           (["--bogus", "1"], "--bogus")):
            r = snapshot(*argv)
            ck.expect(r.returncode == 2 and r.stderr.startswith("fdscope snapshot: ") and r.stdout == "",
                      "snapshot with %s: exit 2, a line on stderr" % what, r.describe())
    finally:
        for s in sleepers:
            if s.alive():
                s.stop()


if __name__ == "__main__":
    main()
