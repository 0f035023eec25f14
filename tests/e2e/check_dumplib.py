#!/usr/bin/python3
"""End-to-end: the checkers' dump parser (dump_parse.py) on real dumps.

Produces a real dump file (python3 with two leaked files, asked for a
dump by SIGUSR2 and again at exit), then checks that dumplib groups its
lines into dumps by (pid, run, seq), resolves stack ids to frames, and
detects damage: a dump cut before its "end" line, a torn last line,
dumps of two processes interleaved line by line in one stream (a log
stream), and lines that are not dump lines. The other checkers rely on
this, so it must reject what it should.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumplib  # noqa: E402
from dumplib import Checker  # noqa: E402

PROGRAM = r"""
import os, signal, sys, time
keep = [open(sys.argv[1]), open(sys.argv[1])]
os.kill(os.getpid(), signal.SIGUSR2)   # the library's dump signal
time.sleep(0.2)
keep.append(open(sys.argv[1]))
print("done")
import threading
threading.Thread(target=lambda k: threading.Event().wait(), args=(keep,), daemon=True).start()
"""


def main():
    ap = dumplib.shim_arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--python", default="/usr/bin/python3")
    args = ap.parse_args()
    shim = dumplib.check_shim_path(args.shim)
    ck = Checker("dumplib parses real dumps and detects damaged ones")
    with dumplib.work_dir("fdscope-e2e-dumplib-", args.keep) as tmp:
        check(ck, args, shim, tmp)
    ck.done()


def check(ck, args, shim, tmp):
    target = os.path.realpath(os.path.join(tmp, "settings.ini"))
    with open(target, "w") as f:
        f.write("x=1\n")
    outdir = os.path.join(tmp, "dumps")
    os.mkdir(outdir)
    runs = []
    for _ in range(2):
        runs.append(dumplib.run_program([args.python, "-c", PROGRAM, target], shim,
                                        "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % outdir,
                                        timeout=args.timeout))
    for r in runs:
        ck.require(r.returncode == 0 and r.stdout == "done\n", "the program ran (pid %d)" % r.pid,
                   "exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    path = os.path.join(outdir, "fdscope.%d.jsonl" % runs[0].pid)
    dumps = dumplib.parse_file(path)
    ck.expect_equal([(d.seq, d.reason, d.complete) for d in dumps], [(1, "signal", True), (2, "exit", True)],
                    "one file holds two complete dumps in order: signal, then exit")
    for d in dumps:
        ck.expect(not dumplib.consistency_problems(d), "%s is consistent" % d.summary(),
                  "\n".join(dumplib.consistency_problems(d)))
    ck.expect(len({d.run for d in dumps}) == 1 and all(d.pid == runs[0].pid for d in dumps),
              "both dumps carry the process's pid and one run id")
    sig, ext = dumps
    ck.expect_equal(sorted(f.fd for f in sig.tracked() if f.target == target), [3, 4],
                    "the signal dump lists the two files open at the time")
    ck.expect_equal(sorted(f.fd for f in ext.tracked() if f.target == target), [3, 4, 5],
                    "the exit dump lists all three")
    f3 = ext.find(3)
    frames = ext.frames(f3.stack)
    ck.expect(bool(frames) and all(isinstance(fr.addr, int) for fr in frames),
              "stack ids resolve to frame lists (%d frames for fd 3)" % len(frames))
    ck.expect(all(fr.module is None or fr.module_path for fr in frames),
              "each frame's module id resolves to a module path")
    ck.expect(ext.stack_has(f3.stack, "Py_RunMain"), "frame names are searchable (Py_RunMain)",
              ext.describe_stack(f3.stack))

    with open(path) as f:
        lines = f.readlines()
    n_sig = len([l for l in lines if '"seq":1,' in l])

    # Cut before the end line of the second dump.
    cut = dumplib.parse_lines(lines[:-1], "cut")
    ck.expect_equal([(d.seq, d.complete) for d in cut], [(1, True), (2, False)],
                    "a dump without its end line is detected as incomplete")
    ck.expect(any("incomplete" in p for p in dumplib.consistency_problems(cut[1])),
              "consistency_problems reports it", str(dumplib.consistency_problems(cut[1])))
    # Torn last line (the writer died in the middle of a line).
    torn = dumplib.parse_lines(lines[:-2] + [lines[-2][: len(lines[-2]) // 2]], "torn")
    ck.expect_equal([(d.seq, d.complete, d.torn) for d in torn], [(1, True, False), (2, False, True)],
                    "a torn last line marks its dump incomplete")
    # Only the first dump's header.
    head = dumplib.parse_lines(lines[:1], "head")
    ck.expect(len(head) == 1 and not head[0].complete and head[0].header is not None,
              "a lone header is an incomplete dump")
    # Two processes interleaved line by line (one log stream).
    other = dumplib.parse_file(os.path.join(outdir, "fdscope.%d.jsonl" % runs[1].pid))
    with open(os.path.join(outdir, "fdscope.%d.jsonl" % runs[1].pid)) as f:
        lines2 = f.readlines()
    mixed = []
    for i in range(max(len(lines), len(lines2))):
        mixed += lines[i:i + 1] + lines2[i:i + 1]
    both = dumplib.parse_lines(mixed, "mixed")
    ck.expect_equal(sorted((d.pid, d.seq, d.complete, len(d.fds), len(d.stacks)) for d in both),
                    sorted([(d.pid, d.seq, True, len(d.fds), len(d.stacks)) for d in dumps + other]),
                    "interleaved dumps of two processes are kept apart by (pid, run, seq)")
    # An event line of another type between dump lines is kept apart.
    events = []
    ev = '{"type":"double_close","pid":%d,"seq":0,"run":"%s","fd":9}\n' % (sig.pid, sig.run)
    again = dumplib.parse_lines(lines[:3] + [ev] + lines[3:], "event", events)
    ck.expect([(d.seq, d.complete, len(d.fds)) for d in again] == [(d.seq, True, len(d.fds)) for d in dumps]
              and len(events) == 1 and events[0]["type"] == "double_close",
              "an event line (another type) between dump lines is returned apart, the dumps intact")
    # Garbage is an error, not silently skipped.
    for bad, what in (("not json\n", "a line that is not JSON"),
                      ('{"type":"fd","pid":1}\n', "a line without seq/run"),
                      ('{"type":"fd","pid":1,"seq":1,"run":"%s","fd":3}\n' % sig.run,
                       "a dump line without its required fields")):
        try:
            dumplib.parse_lines(lines[:n_sig] + [bad] + lines[n_sig:], "bad")
            ck.expect(False, "%s in the middle is rejected" % what)
        except dumplib.DumpFormatError as e:
            ck.expect(True, "%s in the middle is rejected (%s)" % (what, str(e).split(":")[2].strip()[:40]))


if __name__ == "__main__":
    dumplib.run_checker(main)
