#!/usr/bin/python3
"""fdscope attach/detach on a C program that opens a file every 3 ms.

`ticker DIR 1200` opens DIR/0, DIR/1, ... from open_ticket() (called from
run()), keeps them open, sleeps in nanosleep between them, counts sleeps
that fail with EINTR, prints "ready" after 50 and "opened 1200 eintr 0" at
the end, and exits 3. Checked, while it runs:

- attach (-o output=...:threshold=40) exits 0 with one line; the process
  was stopped for less than MAX_STOP_MS (the figure is printed);
- the threshold dump comes when 40 descriptors opened since the attach
  are open: exactly those 40 tracked in it;
- snapshot: the text report names open_ticket at ticker.c's marked line,
  called from run at its marked line, with exactly the descriptors opened
  since the attach, and counts the others as untracked (those opened
  before, and stdin/stdout/stderr); the dump has every DIR/N opened so far:
  0..a-1 untracked, as files with their targets, a..b tracked, no gap;
- a second attach is refused with one line, and the process goes on;
- detach exits 0; after it, a new attach works, and its snapshot has
  everything before it untracked (the records of the first attach
  forgotten) and tracks only what came after;
- detach again; the program's stdout and exit status are exactly those of
  a run without fdscope ("ready", "opened 1200 eintr 0", status 3): no
  sleep saw EINTR, no open failed;
- another ticker, attached, whose soft descriptor limit is then lowered
  (to 30 above what it has open): its open fails with EMFILE, and the library
  writes an EMFILE dump (trigger open) with every descriptor in it.
"""

import resource

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402

COUNT = 1200


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--ticker", required=True)
    ap.add_argument("--ticker-source", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: a C program", lambda ck, tmp: check(ck, tmp, args), args)


def check(ck, tmp, args):
    marks = attachlib.markers(args.ticker_source)
    src = re.escape(os.path.realpath(args.ticker_source))
    env = toollib.base_env(tmp)
    dumps = os.path.join(tmp, "dumps")
    files = os.path.join(tmp, "files")
    plain_files = os.path.join(tmp, "plain-files")
    for d in (dumps, files, plain_files):
        os.mkdir(d)
    options = "output=%s/fdscope.%%p.jsonl:log=none:threshold=40" % dumps
    procs = []
    try:
        plain = attachlib.Proc([args.ticker, plain_files, str(COUNT)], env, tmp, "plain")
        procs.append(plain)
        p = attachlib.Proc([args.ticker, files, str(COUNT)], env, tmp, "attached")
        procs.append(p)
        p.read_until("ready")

        # --- attach, snapshot ------------------------------------------------
        stop1 = attachlib.attach(ck, args.fdscope, p.pid, options, env, "first attach")
        time.sleep(0.3)
        attachlib.wait_for_dumps(dumps, p.pid, "threshold", 1)
        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "first snapshot")
        dump_file = r.stderr.strip().rsplit(" in ", 1)[-1]
        try:
            t = attachlib.Dump(dump_file, 1)
            ck.expect(t.header["reason"] == "threshold" and t.header["tracked"] == 40,
                      "the first dump is the threshold's, at 40 tracked descriptors",
                      "header: %s" % t.header)
            tracked40 = [i for i, rec in t.numbered_targets(files) if rec["tracked"]]
            ck.expect(len(tracked40) == 40 and tracked40 == list(range(tracked40[0], tracked40[0] + 40)),
                      "the threshold dump tracks 40 consecutive files, the first 40 since the attach",
                      "%s" % tracked40)
        except toollib.CheckFailed as e:
            ck.expect(False, "the first dump is the threshold's", str(e))
        d1 = attachlib.snapshot_dump(r)
        first1, last1 = attachlib.check_split(ck, d1, files, "first snapshot")
        ck.expect(first1 is not None and first1 >= 50, "first snapshot: the 50 opened before 'ready' are "
                  "among the untracked (the first tracked is %s)" % first1)
        tracked = [rec for _, rec in d1.numbered_targets(files) if rec["tracked"]]
        ck.expect(tracked and all(rec["call"] == "open" and
                                  d1.functions(rec["stack"])[:2] == ["open_ticket", "run"] for rec in tracked),
                  "first snapshot: every tracked one was created by open in open_ticket, called from run",
                  "%s" % [(rec["call"], d1.functions(rec["stack"])[:3]) for rec in tracked[:3]])
        others = sorted(rec["fd"] for rec in d1.fds if not rec["target"].startswith(files + "/"))
        ck.expect_equal(others, [0, 1, 2], "first snapshot: besides the files, only stdin, stdout and stderr")
        if first1 is not None:
            n = last1 - first1 + 1
            untracked = sum(1 for rec in d1.fds if not rec["tracked"])
            head = "%d descriptors open from 1 call site (1 dump, 1 process; %d untracked)\n" % (n, untracked)
            ck.expect(r.stdout.startswith(head), "first snapshot: the report's first line is %r" % head.strip(),
                      r.describe())
            ck.expect(re.search(r"\n\n%d x file  created by open, age \d+ms\.\.\d+ms\n" % n, r.stdout) is not None,
                      "first snapshot: the site holds the %d tracked files, created by open" % n, r.describe())
            ck.expect(re.search(r"    #0  open_ticket  %s:%d  \(ticker\+0x[0-9a-f]+\)\n"
                                r"    #1  run  %s:%d  \(ticker\+0x[0-9a-f]+\)\n"
                                % (src, marks["open_ticket"], src, marks["run->open_ticket"]), r.stdout) is not None,
                      "first snapshot: the report names open_ticket at ticker.c:%d, called from run at line %d"
                      % (marks["open_ticket"], marks["run->open_ticket"]), r.describe())

        # --- a second attach is refused ---------------------------------------
        r = toollib.run([args.fdscope, "attach", "-o", options, str(p.pid)], env)
        ck.expect_equal((r.returncode, r.stderr, r.stdout),
                        (1, "fdscope attach: cannot attach to process %d (ticker): fdscope is attached to it "
                            "already (fdscope detach %d first)\n" % (p.pid, p.pid), ""),
                        "a second attach: exit 1, one line")
        ck.expect(p.alive(), "the process runs on after the refused attach")

        # --- detach, attach again -----------------------------------------------
        attachlib.detach(ck, args.fdscope, p.pid, env, "first detach")
        time.sleep(0.2)
        stop2 = attachlib.attach(ck, args.fdscope, p.pid, options, env, "attach after the detach")
        time.sleep(0.2)
        attachlib.wait_for_dumps(dumps, p.pid, "threshold", 2)
        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "snapshot after the second attach")
        d2 = attachlib.snapshot_dump(r)
        first2, _ = attachlib.check_split(ck, d2, files, "snapshot after the second attach",
                                          after=last1 if last1 is not None else 0)
        ck.expect(first2 is not None and last1 is not None and first2 > last1,
                  "after detach and attach: what the first attach tracked is untracked now (first tracked "
                  "%s, after %s)" % (first2, last1))
        attachlib.detach(ck, args.fdscope, p.pid, env, "second detach")
        ck.expect(p.alive(), "the program was still running at the second detach (so it was tested running)")

        # --- the program's own results ---------------------------------------
        status, out = p.finish()
        pstatus, pout = plain.finish()
        ck.expect_equal((pstatus, pout), (3, "ready\nopened %d eintr 0\n" % COUNT),
                        "without fdscope: 'ready', 'opened %d eintr 0', status 3" % COUNT)
        ck.expect_equal((status, out), (pstatus, pout),
                        "attached, snapshot, detached twice: the same stdout and status as without fdscope")
        ck.expect_equal(p.stderr_text(), "", "nothing on the program's stderr (log=none)")

        # --- EMFILE -------------------------------------------------------------
        emfile_files = os.path.join(tmp, "emfile-files")
        os.mkdir(emfile_files)
        e = attachlib.Proc([args.ticker, emfile_files, str(COUNT)], env, tmp, "emfile")
        procs.append(e)
        e.read_until("ready")
        attachlib.attach(ck, args.fdscope, e.pid, "output=%s/emfile.%%p.jsonl:log=none:threshold=0" % dumps, env,
                         "attach to the EMFILE ticker")
        open_now = len(os.listdir("/proc/%d/fd" % e.pid))
        hard = resource.prlimit(e.pid, resource.RLIMIT_NOFILE)[1]
        resource.prlimit(e.pid, resource.RLIMIT_NOFILE, (open_now + 30, hard))
        status, out = e.finish()
        emfile_dump = os.path.join(dumps, "emfile.%d.jsonl" % e.pid)
        try:
            ed = attachlib.Dump(emfile_dump, 1)
            ck.expect(ed.header["reason"] == "emfile" and ed.header.get("trigger") == "open",
                      "with the limit lowered: an EMFILE dump, triggered by open", "header: %s" % ed.header)
            recs = ed.numbered_targets(emfile_files)
            ck.expect(len(recs) > 50 and [i for i, _ in recs] == list(range(len(recs))),
                      "the EMFILE dump lists every file the program had open (%d)" % len(recs))
        except toollib.CheckFailed as ex:
            ck.expect(False, "with the limit lowered: an EMFILE dump", str(ex))
        ck.expect(status == 3 and re.fullmatch(r"ready\nopened \d+ eintr 0\n", out) is not None,
                  "the EMFILE ticker ends as it would (status 3, fewer files opened)", out)
        if stop1 is not None and stop2 is not None:
            ck.note("stop times: %.1f ms, %.1f ms" % (stop1, stop2))
    finally:
        for x in procs:
            x.kill()


if __name__ == "__main__":
    main()
