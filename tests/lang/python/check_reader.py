#!/usr/bin/python3
"""The CPython frame reader alone: exact stacks, signal captures, wrong layouts.

Runs fixtures/probe_sites.py under reader_harness.so (the reader without the
rest of the library; see reader_harness.cpp):
- probes: the stack captured at each marked line is exactly the expected
  one (nested calls, a generator, coroutines driven by send(), a deep
  recursion cut to the innermost 64 frames, an except block, a
  comprehension (a frame of its own before 3.12, inlined since), a thread,
  a class body);
- stress: SIGPROF captures every 100 us of CPU time, in the signal handler,
  wherever the interpreter is, while it calls, recurses, runs generators
  and coroutines, raises and starts threads: the program's output and exit
  status are unchanged, the captures happened and found frames, every frame
  is valid UTF-8 with a line >= 0, errno is never changed;
- wrong layout: the harness built to read the interpreter with another
  version's row (FDSCOPE_PY_TEST_WRONG_LAYOUT) captures nothing, probes and
  stress alike, and the program still runs as it should.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "e2e"))
import dumplib  # noqa: E402
from fixture_markers import markers as fixture_markers, short  # noqa: E402
from dumplib import Checker  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "probe_sites.py")


def expected(version):
    """{tag: [(function, file or module basename, line or None)]} innermost first."""
    m = fixture_markers(FIXTURE)
    fx = os.path.realpath(FIXTURE)

    def f(name, marker):
        return (short(name, version), fx, m[marker])

    def std(name, module):
        return (short(name, version), module, None)

    main = lambda call: [(short("main", version), fx, m["call: " + call]), f("<module>", "call: main")]
    probe = f("probe", "site: probe")
    comp = [f("comprehension", "site: comprehension")]
    if tuple(version) < (3, 12):  # PEP 709 inlined comprehensions in 3.12
        comp.insert(0, f("comprehension.<locals>.<listcomp>", "site: comprehension"))
    return {
        "nested": [probe, f("inner", "site: nested"), f("outer", "call: inner")] + main("outer"),
        "generator": [probe, f("gen", "site: generator"), f("consume", "call: gen")] + main("consume"),
        "coroutine": [probe, f("leaf", "site: coroutine"), f("top", "call: leaf"), f("drive", "call: top")]
                     + main("drive"),
        "deep": [probe, f("deep", "site: deep")] + [f("deep", "call: deep")] * 62,
        "except": [probe, f("handler", "site: except")] + main("handler"),
        "comprehension": [probe] + comp + main("comprehension"),
        "thread": [probe, f("in_thread", "site: thread"), std("Thread.run", "threading.py"),
                   std("Thread._bootstrap_inner", "threading.py"), std("Thread._bootstrap", "threading.py")],
        "class_body": [probe, f("class_body.<locals>.Body", "site: class_body"), f("class_body", "call: Body")]
                      + main("class_body"),
    }


def run(ck, harness, python, what, busy=None):
    argv = [python, FIXTURE] + (["--busy", str(busy)] if busy else [])
    env = dumplib.clean_env({"LD_PRELOAD": harness})
    if busy:
        env["FDSCOPE_HARNESS_SIGPROF_US"] = "100"
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, universal_newlines=True, timeout=120)
    ck.require(p.returncode == 0 and p.stdout == "probes done\n", "%s: the fixture runs as without the harness"
               % what, "exit %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout, p.stderr))
    probes, stress = {}, None
    for line in p.stderr.splitlines():
        if line.startswith("probe "):
            _, tag, body = line.split(" ", 2)
            probes[tag] = json.loads(body)
        elif line.startswith("stress "):
            stress = json.loads(line.split(" ", 1)[1])
        else:
            ck.expect(False, "%s: nothing else on stderr" % what, line)
    return probes, stress


def check_probes(ck, probes, version, what):
    want = expected(version)
    ck.expect_equal(sorted(probes), sorted(want), "%s: every probe reported" % what)
    for tag, frames in sorted(want.items()):
        got = [tuple(fr) for fr in probes.get(tag, {}).get("frames", [])]
        ok = len(got) == len(frames) and all(
            g[0] == w[0] and (g[1] == w[1] if w[2] is not None else os.path.basename(g[1]) == w[1])
            and (g[2] == w[2] if w[2] is not None else g[2] > 0) for g, w in zip(got, frames))
        ck.expect(ok, "%s: %s: %d frames, innermost %s:%d" % (what, tag, len(frames), frames[1][0], frames[1][2]),
                  "expected %s\n got      %s" % (frames, got))


def check_stress(ck, stress, what, wrong):
    ck.require(stress is not None, "%s: the harness reported its signal captures" % what)
    ck.note("%s: %s" % (what, stress))
    ck.expect(stress["captures"] >= 20, "%s: >= 20 captures from the signal handler (%d)" % (what, stress["captures"]))
    if wrong:
        ck.expect_equal(stress["with_frames"], 0, "%s: no capture found frames" % what)
    else:
        ck.expect(stress["with_frames"] * 2 >= stress["captures"],
                  "%s: most captures found frames (%d of %d)" % (what, stress["with_frames"], stress["captures"]))
    ck.expect_equal(stress["invalid"], 0, "%s: every frame valid UTF-8 with a line >= 0" % what)
    ck.expect_equal(stress["errno_changed"], 0, "%s: errno never changed by a capture" % what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--harness", required=True)
    ap.add_argument("--harness-wrong", required=True)
    ap.add_argument("--python", required=True)
    args = ap.parse_args()
    ck = Checker("CPython frame reader (%s)" % args.python)
    version = json.loads(subprocess.check_output(
        [args.python, "-c", "import sys, json; print(json.dumps(sys.version_info[:2]))"]))
    probes, _ = run(ck, args.harness, args.python, "probes")
    check_probes(ck, probes, version, "probes")
    probes, stress = run(ck, args.harness, args.python, "stress", busy=1.5)
    check_probes(ck, probes, version, "stress")
    check_stress(ck, stress, "stress", wrong=False)
    probes, _ = run(ck, args.harness_wrong, args.python, "wrong layout")
    ck.expect(probes and all(p["stack"] == 0 and not p["frames"] for p in probes.values()),
              "wrong layout: every probe captured nothing", json.dumps(probes)[:2000])
    _, stress = run(ck, args.harness_wrong, args.python, "wrong layout stress", busy=1.0)
    check_stress(ck, stress, "wrong layout stress", wrong=True)
    ck.done()


if __name__ == "__main__":
    main()
