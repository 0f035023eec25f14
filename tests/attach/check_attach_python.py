#!/usr/bin/python3
"""fdscope attach on a Python process.

programs/ticker.py, run by the real interpreter (not a version manager's
shim script), opens DIR/0, DIR/1, ... one every 2 ms from open_ticket()
(called from main()), keeps them open, prints "ready" after 50 and
"opened 800" at the end, and exits 3. Checked:

- attach: exit 0, one line, stopped for less than MAX_STOP_MS;
- snapshot (--format json): one site holding exactly the files opened
  since the attach, whose frames begin with the Python frames open_ticket
  and main at ticker.py's marked lines; in the dump, DIR/0..a-1 untracked
  files with their targets, a..b tracked, nothing missing (the newest may
  be untracked: the dump signal can come while its open is under way);
- detach; the program's stdout and status are those of a run without
  fdscope ("ready", "opened 800", 3), nothing on its stderr.
"""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402

COUNT = 800


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--script", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: a Python process", lambda ck, tmp: check(ck, tmp, args), args)


def check(ck, tmp, args):
    python = attachlib.real_python()
    ck.note("interpreter: %s" % python)
    marks = attachlib.markers(args.script)
    script = os.path.realpath(args.script)
    env = toollib.base_env(tmp)
    dumps = os.path.join(tmp, "dumps")
    files = os.path.join(tmp, "files")
    plain_files = os.path.join(tmp, "plain-files")
    for d in (dumps, files, plain_files):
        os.mkdir(d)
    options = "output=%s/fdscope.%%p.jsonl:log=none:threshold=0" % dumps
    procs = []
    try:
        plain = attachlib.Proc([python, script, plain_files, str(COUNT)], env, tmp, "plain")
        procs.append(plain)
        p = attachlib.Proc([python, script, files, str(COUNT)], env, tmp, "attached")
        procs.append(p)
        p.read_until("ready")
        attachlib.attach(ck, args.fdscope, p.pid, options, env, "attach to python")
        time.sleep(0.3)
        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "snapshot", fmt="json")
        d = attachlib.snapshot_dump(r)
        first, last = attachlib.check_split(ck, d, files, "snapshot")
        ck.expect(first is not None and first >= 50, "snapshot: the 50 opened before 'ready' are untracked")
        if r.returncode == 0 and first is not None:
            rep = toollib.load_json_ordered(r.stdout)
            sites = [(s["count"], [(f["function"], f.get("line"), f.get("lang")) for f in s["frames"][:2]])
                     for s in rep["sites"]]
            ck.expect_equal(sites, [(last - first + 1, [("open_ticket", marks["open_ticket"], "python"),
                                                        ("main", marks["main->open_ticket"], "python")])],
                            "snapshot: one site, the %d files opened since the attach, at open_ticket "
                            "(ticker.py:%d) called from main (line %d)"
                            % (last - first + 1, marks["open_ticket"], marks["main->open_ticket"]))
            ck.expect(all(f.get("file") == script for s in rep["sites"] for f in s["frames"][:2]),
                      "snapshot: the Python frames name %s" % script)
        attachlib.detach(ck, args.fdscope, p.pid, env, "detach")
        ck.expect(p.alive(), "the program was still running at the detach")
        status, out = p.finish()
        pstatus, pout = plain.finish()
        ck.expect_equal((pstatus, pout), (3, "ready\nopened %d\n" % COUNT), "without fdscope: its output, status 3")
        ck.expect_equal((status, out), (pstatus, pout), "attached and detached: the same output and status")
        ck.expect_equal(p.stderr_text(), "", "nothing on its stderr")
    finally:
        for x in procs:
            x.kill()


if __name__ == "__main__":
    main()
