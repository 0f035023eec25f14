#!/usr/bin/python3
"""fdscope run: the peak of sites closed before the exit dump, earlier
trigger dumps, and process trees (issue 10, items 2 and 3).

Checked with real programs under the library:

- programs/global_list.py (the real interpreter, sys.executable) keeps 30
  files and 20 sockets in a global list; CPython's finalizers close them at
  shutdown, so the exit dump holds none. `report --format json` has the two
  sites with count 0 and peak 30 and 20, their innermost frames at the
  marked lines (open_logs, connect_all) with the calls that made them, and
  the process's own peak (50 and more) in top_processes; the text report
  shows "peak 30, 0 at exit" under its own heading.
- the same with a threshold dump (threshold=40) before the exit dump: the
  report names it ("threshold dump 1 of ... 40 open; largest: 30 x
  open_logs") though it counts the exit dump.
- programs/version_shim.sh, a bash shim in front of the interpreter as
  pyenv's is: command substitutions and redirections in short-lived bash
  processes, 30 helper scripts each holding its script open until it exits
  (one descriptor in each of 30 processes), then exec. With `raw`, the Python process leaks 25 os.open
  descriptors at the marked line. The text report's first site is that
  leak (25 in one process), ahead of the bash sites (one per process) that
  count more descriptors in all; "Held the most:" names the Python process
  first; descriptors 0-2 that the shells' redirections created (counted
  from the raw dumps) are not in any site and are counted as standard
  streams, and --all-fds brings them back.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "programs", "global_list.py")
SHIM = os.path.join(HERE, "programs", "version_shim.sh")
PYTHON = os.path.realpath(sys.executable)


def python_markers(path):
    out = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            for name in re.findall(r"# @line:(\S+)", line):
                out[name] = number
    return out


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope run: peaks, earlier dumps, process trees",
                        lambda ck, tmp: check(ck, tmp, args), args)


def run_under(ck, args, env, options, *command):
    r = toollib.run([args.fdscope, "run", "-o", options, "--"] + list(command), env, timeout=120)
    ck.require(r.returncode == 0, "fdscope run %s exits 0" % " ".join(command), r.describe())
    m = re.search(r"dumps in (\S+)\n", r.stderr)
    ck.require(m is not None, "run names its dump directory", r.describe())
    files = sorted(os.path.join(m.group(1), n) for n in os.listdir(m.group(1)))
    return r, files


def report_json(ck, args, env, files, *extra):
    r = toollib.run([args.fdscope, "report", "--format", "json"] + list(extra) + files, env)
    ck.require(r.returncode == 0, "report --format json %s exits 0" % " ".join(extra), r.describe())
    return json.loads(r.stdout)


def innermost(site):
    f = site["frames"][0] if site["frames"] else {}
    return (f.get("function"), os.path.basename(f.get("file") or ""), f.get("line"))


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    marks = python_markers(SCRIPT)
    check_peak(ck, args, env, marks)
    check_earlier_dump(ck, args, env, marks)
    check_version_shim(ck, args, env, marks)


def check_peak(ck, args, env, marks):
    r, files = run_under(ck, args, env, "lang=auto", PYTHON, SCRIPT)
    ck.expect_equal(r.stdout, "held 50\n", "global_list.py's stdout is its own")
    rep = report_json(ck, args, env, files)
    toollib.check_report_shape(ck, rep, "json: the report's shape with peak-only sites")
    ck.expect_equal(rep["descriptors"], 0, "exit dump: the finalizers closed every descriptor")
    sites = {innermost(s): s for s in rep["sites"]}
    logs = sites.get(("open_logs", "global_list.py", marks["open_logs"]))
    socks = sites.get(("connect_all", "global_list.py", marks["connect_all"]))
    ck.require(logs is not None and socks is not None,
               "json: sites at open_logs (line %d) and connect_all (line %d)"
               % (marks["open_logs"], marks["connect_all"]),
               json.dumps([innermost(s) for s in rep["sites"]]))
    ck.expect_equal((logs["count"], logs["peak"], socks["count"], socks["peak"]), (0, 30, 0, 20),
                    "json: open_logs peak 30, connect_all peak 20, none at exit")
    ck.expect(isinstance(logs["peak_time_ms"], int) and logs["peak_time_ms"] > 1e12,
              "json: the peak has its time", repr(logs["peak_time_ms"]))
    ck.expect_equal((rep["sites"][0]["peak"], rep["sites"][1]["peak"]), (30, 20),
                    "json: sites that hold nothing are ranked by peak")
    procs = rep["top_processes"]
    ck.expect(len(procs) == 1 and procs[0]["peak"] >= 50 and procs[0]["descriptors"] == 0,
              "json: the process held 50 or more at once, 0 at exit", json.dumps(procs))
    lines = r.stderr.split("\n")
    ck.expect("call sites held several descriptors at once while the program ran, none at exit:"
              in r.stderr, "text: the peak section's heading", r.describe())
    heads = [l for l in lines if l.startswith("peak ")]
    ck.expect(len(heads) >= 2 and heads[0].startswith("peak 30, 0 at exit  created by open") and
              heads[1].startswith("peak 20, 0 at exit  created by socket"),
              "text: 'peak 30, 0 at exit' (open), then 'peak 20, 0 at exit' (socket)", r.describe())
    first = lines.index(heads[0]) if heads else -1
    ck.expect(first >= 0 and lines[first + 1].strip().startswith(
        "#0  open_logs  %s:%d  (python)" % (SCRIPT, marks["open_logs"])),
              "text: the peak site starts at open_logs' line", r.describe())


def check_earlier_dump(ck, args, env, marks):
    r, files = run_under(ck, args, env, "threshold=40", PYTHON, SCRIPT)
    rep = report_json(ck, args, env, files)
    early = rep["earlier_dumps"]
    ck.require(len(early) == 1 and early[0]["reason"] == "threshold",
               "json: the threshold dump before the exit dump is named", json.dumps(early)[:2000])
    e = early[0]
    ck.expect_equal((e["seq"], e["descriptors"], e["largest_site"]["count"],
                     innermost(e["largest_site"])),
                    (1, 40, 30, ("open_logs", "global_list.py", marks["open_logs"])),
                    "json: dump 1 held 40, the largest site 30 at open_logs")
    exe = os.path.basename(PYTHON)
    want = ("  threshold dump 1 of %s (pid %d) at " % (exe, e["pid"]))
    line = [l for l in r.stderr.split("\n") if l.startswith(want)]
    ck.expect(len(line) == 1 and line[0].endswith(
        ": 40 open; largest: 30 x open_logs  %s:%d" % (SCRIPT, marks["open_logs"])),
              "text: 'threshold dump 1 of %s ...: 40 open; largest: 30 x open_logs'" % exe,
              r.describe())
    ck.expect("Earlier dumps, not counted above (--all counts every dump):" in r.stderr,
              "text: the earlier dumps' heading", r.describe())


def raw_standard_streams(files):
    """(pid, fd) of every tracked descriptor 0-2 in the last dump of each
    process, read from the dump lines themselves."""
    last = {}
    for path in files:
        with open(path) as f:
            for line in f:
                o = json.loads(line)
                key = (o["pid"], o["run"])
                if o["type"] == "header":
                    last[key] = (o["seq"], [])
                elif o["type"] == "fd" and key in last and last[key][0] == o["seq"]:
                    last[key][1].append(o)
    out = set()
    for (pid, _), (_, fds) in last.items():
        out |= {(pid, fd["fd"]) for fd in fds if fd["tracked"] and fd["fd"] <= 2}
    return out


def check_version_shim(ck, args, env, marks):
    env = dict(env, REAL_PYTHON=PYTHON)
    r, files = run_under(ck, args, env, "lang=auto", SHIM, SCRIPT, "raw")
    ck.expect_equal(r.stdout, "held 75\n", "the shim runs the script, stdout its own")
    rep = report_json(ck, args, env, files)
    ck.require(rep["processes"] >= 5, "the shim ran several processes under the library",
               json.dumps({k: rep[k] for k in ("dumps", "processes", "descriptors")}))
    streams = raw_standard_streams(files)
    ck.require(len(streams) >= 2, "the shells' redirections created descriptors 0-2 (raw dumps)",
               repr(streams))
    ck.expect_equal(rep["standard_streams"], len(streams),
                    "json: every standard stream is counted as one, not listed")
    everything = report_json(ck, args, env, files, "--all-fds")
    ck.expect_equal((everything["standard_streams"], everything["descriptors"]),
                    (0, rep["descriptors"] + len(streams)), "--all-fds lists them")
    raw_site = [s for s in rep["sites"]
                if innermost(s) == ("open_raw", "global_list.py", marks["open_raw"])]
    ck.expect(len(raw_site) == 1 and raw_site[0]["count"] == 25 and raw_site[0]["processes"] == 1
              and raw_site[0]["most_in_process"] == 25,
              "json: open_raw: 25 in one process", json.dumps([innermost(s) for s in rep["sites"]]))
    bash = [s for s in rep["sites"] if s["count"] and "bash" in s["executables"]]
    ck.expect(max((s["count"] for s in bash), default=0) > 25 and
              max(s["most_in_process"] for s in bash) == 1,
              "json: a bash site holds more than 25 in all, one in each of its processes "
              "(so the count alone would rank it first)",
              json.dumps([(s["count"], s["processes"], s["most_in_process"]) for s in bash]))
    text = r.stderr
    first_site = re.search(r"\n\n( *\d+) x ([^\n]*)\n(?:  [^\n]*\n)*?    #0  ([^\n]*)\n", text)
    ck.expect(first_site is not None and first_site.group(1).strip() == "25" and
              first_site.group(3).startswith("open_raw  %s:%d  (python)" % (SCRIPT, marks["open_raw"])),
              "text: the first site is the Python process's leak (25 x open_raw)", r.describe())
    exe = os.path.basename(PYTHON)
    held = re.search(r"\nHeld the most: ([^\n]*)\n", text)
    ck.expect(held is not None and held.group(1).startswith("%s (pid " % exe),
              "text: 'Held the most:' names %s first" % exe, r.describe())
    ck.expect(re.search(r"; \d+ standard streams? not listed \(--all-fds\)\)\n", text) is not None,
              "text: the header counts the standard streams left out", r.describe())


if __name__ == "__main__":
    main()
