#!/usr/bin/python3
"""fdscope report on a CloudWatch-style log export of two processes' dumps.

Two processes run with output=stderr (as under the Lambda layer), each
writing its exit dump to its stderr: A = leaky_service files A.target 3 1
(3 files, a pipe: 5 descriptors), B = leaky_service files B.target 5 2 (5
files, 2 pipes: 9 descriptors); each has stdin, stdout and stderr untracked.
Their dump lines are interleaved line by line into one export, each prefixed
as CloudWatch does ("2024-05-01T12:00:00.123Z<TAB>request-id<TAB>INFO<TAB>"),
with unrelated lines among them: the Lambda runtime's START/END/REPORT
lines, the application's own JSON log lines (with and without a "type"
key), a prefixed line with braces that is not JSON, blank lines.

`fdscope report --format json EXPORT` must read it exactly, exit 0 with
nothing on stderr: 2 dumps, 2 processes, 14 descriptors, 6 untracked; the
open_cache_file site with B.target x 5 and A.target x 3 (the per-process
counts), make_notify_pipe with 2 + 4. Also with both dumps' pids rewritten
to the same number (two containers: told apart by their run id), and with
B's dump cut short (B's last fd lines and end missing: one line naming the
file and B's pid, exit 1, A's counts intact).
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope report on a CloudWatch-style export",
                        lambda ck, tmp: check(ck, tmp, args), args)


def dump_to_stderr(ck, tmp, args, name, n, pipes):
    target = os.path.join(tmp, name + ".target")
    env = toollib.preload_env(tmp, args.shim, "at_exit=1:log=none:output=stderr")
    r = toollib.run([args.program, "files", target, str(n), str(pipes)], env)
    ck.require(r.returncode == 0 and r.stdout == "leaky_service: %d files, %d pipes\n" % (n, pipes),
               "process %s ran (output=stderr)" % name, r.describe())
    lines = r.stderr.splitlines()
    ck.require(lines and all(l.startswith('{"type":') for l in lines)
               and json.loads(lines[0])["type"] == "header" and json.loads(lines[-1])["type"] == "end",
               "process %s wrote one dump to its stderr, nothing else" % name, r.describe())
    return target, lines


def prefix(i, request):
    return "2024-05-01T12:00:%02d.%03dZ\t%s\tINFO\t" % (i // 1000 % 60, i % 1000, request)


def export(a_lines, b_lines):
    """A and B interleaved line by line, prefixed, with unrelated lines."""
    req_a = "8f5e2c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    req_b = "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"
    out = ["START RequestId: %s Version: $LATEST" % req_a,
           "START RequestId: %s Version: $LATEST" % req_b,
           '{"level":"info","msg":"cold start","type":"init"}']
    for i in range(max(len(a_lines), len(b_lines))):
        if i < len(a_lines):
            out.append(prefix(2 * i, req_a) + a_lines[i])
        if i < len(b_lines):
            out.append(prefix(2 * i + 1, req_b) + b_lines[i])
        if i % 3 == 0:
            out.append(prefix(2 * i, req_a) + '{"level":"debug","msg":"query took 3 ms","rows":{"n":1}}')
        if i % 4 == 1:
            out.append(prefix(2 * i + 1, req_b) + "handler {not json} done")
        if i % 5 == 2:
            out.append("")
    out += ["END RequestId: %s" % req_a,
            "REPORT RequestId: %s\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB" % req_a,
            "END RequestId: %s" % req_b]
    return "\n".join(out) + "\n"


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    a_target, a = dump_to_stderr(ck, tmp, args, "A", 3, 1)
    b_target, b = dump_to_stderr(ck, tmp, args, "B", 5, 2)
    a_pid, b_pid = json.loads(a[0])["pid"], json.loads(b[0])["pid"]

    def report(path):
        return toollib.run([args.fdscope, "report", "--format", "json", path], env)

    def expect_counts(r, what, want, status=0, stderr_re=None):
        err = r.stderr_lines()
        if stderr_re is None:
            ck.expect(r.returncode == status and not err, "%s: exit %d, nothing on stderr" % (what, status),
                      r.describe())
        else:
            ck.expect(r.returncode == status and len(err) == 1 and re.fullmatch(stderr_re, err[0]),
                      "%s: exit %d, one line on stderr matching %r" % (what, status, stderr_re), r.describe())
        if not r.stdout.startswith("{"):
            ck.expect(False, "%s: a json report" % what, r.describe())
            return
        rep = toollib.load_json_ordered(r.stdout)
        oc = toollib.find_site(rep, "open_cache_file")
        mp = toollib.find_site(rep, "make_notify_pipe")
        got = {"dumps": rep["dumps"], "processes": rep["processes"], "descriptors": rep["descriptors"],
               "untracked": rep["untracked"],
               "open_cache_file": [[(t["target"], t["count"]) for t in s["targets"]] for s in oc],
               "make_notify_pipe": [s["count"] for s in mp]}
        ck.expect_equal(got, want, "%s: exact counts" % what)

    path = os.path.join(tmp, "export.log")
    with open(path, "w") as f:
        f.write(export(a, b))
    full = {"dumps": 2, "processes": 2, "descriptors": 14, "untracked": 6,
            "open_cache_file": [[(b_target, 5), (a_target, 3)]], "make_notify_pipe": [6]}
    expect_counts(report(path), "interleaved export", full)

    # The same pid in both (two containers): told apart by "run".
    same = [re.sub(r'^\{"type":"(\w+)","pid":%d,' % b_pid, '{"type":"\\1","pid":%d,' % a_pid, l) for l in b]
    ck.require(all('"pid":%d,' % a_pid in l for l in same), "B's lines rewritten to A's pid")
    path2 = os.path.join(tmp, "export-same-pid.log")
    with open(path2, "w") as f:
        f.write(export(a, same))
    expect_counts(report(path2), "interleaved export, both processes with pid %d" % a_pid, full)

    # B cut short: its last two fd lines and its end line never arrived.
    ck.require(json.loads(b[-2])["type"] == "fd" and json.loads(b[-3])["type"] == "fd",
               "B's dump ends with fd lines")
    b_cut = b[:-3]
    cut = [json.loads(l) for l in b[-3:-1]]
    cut_tracked = sum(1 for fd in cut if fd["tracked"] is True)
    cut_pipes = sum(1 for fd in cut if fd["tracked"] is True and fd["kind"] == "pipe")
    cut_files = cut_tracked - cut_pipes
    path3 = os.path.join(tmp, "export-cut.log")
    with open(path3, "w") as f:
        f.write(export(a, b_cut))
    r = report(path3)
    rep_ok = r.stdout.startswith("{")
    expect_counts(r, "export with B's dump cut short", None if not rep_ok else {
        "dumps": 2, "processes": 2, "descriptors": 14 - cut_tracked,
        "untracked": 6 - (2 - cut_tracked),
        "open_cache_file": [sorted([(b_target, 5 - cut_files), (a_target, 3)], key=lambda t: -t[1])],
        "make_notify_pipe": [6 - cut_pipes]},
        status=1, stderr_re=r"fdscope report: %s: dump 1 of pid %d is truncated.*" % (re.escape(path3), b_pid))


if __name__ == "__main__":
    main()
