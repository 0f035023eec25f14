#!/usr/bin/python3
"""CPython's own regression tests that exercise descriptors, for Debian's
/usr/bin/python3.11 with Debian's libpython3.11-testsuite, plain and with
libfdscope.so preloaded (every Python and other process they start
inherits it): `python3.11 -m test --junit-xml` one module at a time; the
same outcome (passed, failed, error, skipped) for every test case, the
same exit status, and every dump complete.

A test case whose outcome differs is run again on its own, plain and
preloaded, twice: a difference that comes back every time fails the
check (with both outputs); one that does not is a flaky test of CPython's
own, noted and not counted.

The library's summary lines go to a log file here (log=FILE), not to
stderr: many of these tests assert that a child's stderr is empty. They
must be dump summaries, double-close reports (test_socket, test_pty and
test_subprocess close some descriptors twice on purpose) and fallback
lines of children that drop privileges (test_subprocess's user= tests).

Two tests of test_subprocess fail preloaded, as documented: a program
that lists every descriptor it has sees the library's one, the reserve at
the top of the soft limit (known_differences: the failure must name that
descriptor, else it fails the check).
Tests of AF_VSOCK are left out (-i '*VSOCK*'): on a virtual machine with
a vsock device they wait forever, plain too.
"""

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reallib  # noqa: E402

PYTHON = "/usr/bin/python3.11"
ALL = ["test_os", "test_subprocess", "test_socket", "test_tempfile", "test_selectors", "test_fcntl",
       "test_pty", "test_signal", "test_threading"]
# What CI runs (README "Real programs"): the ones that fit its budget.
CI = ["test_os", "test_subprocess", "test_tempfile", "test_selectors", "test_fcntl", "test_pty"]
IGNORE = ["*VSOCK*"]


def reserve_number(soft):
    """Where the library keeps its one descriptor (README "Its own
    descriptors"): the top of the soft limit, at most 4095."""
    return 4095 if soft > 4096 else soft - 1


# Differences that are the library's documented descriptor of its own, the
# reserve at the top of the soft limit, seen by a program that lists every
# descriptor it has (fd_status.py fstat()s each number up to the limit):
# test id -> (what the preloaded failure must say, why). Any other
# difference, or one of these failing otherwise, fails the check.
def known_differences(soft):
    return {
        "test.test_subprocess.POSIXProcessTestCase.test_pass_fds_redirected":
            (r"Items in the first set but not the second:\n%d : output=" % reserve_number(soft),
             "fd_status.py lists the library's reserve, fd %d" % reserve_number(soft)),
        "test.test_subprocess.POSIXProcessTestCase.test_close_fds_when_max_fd_is_lowered":
            (r"\{28\} is not false : Some fds were left open",
             "the grandchild runs with a soft limit of 29: fd_status.py lists the reserve, fd 28"),
    }
MODULE_TIMEOUT = 1200   # seconds a module may take (regrtest's own per-test limit is below)
TEST_TIMEOUT = 300


def extra(ap):
    ap.add_argument("--tests", help="comma-separated modules (default: CI's, or all with --long)")


def outcomes(xml_path):
    """{test id: (outcome, message)} from regrtest's JUnit XML."""
    got = {}
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    for tc in root.iter("testcase"):
        kinds = {c.tag: c for c in tc}
        o = "passed"
        for k in ("error", "failure", "skipped"):
            if k in kinds:
                o = k
                break
        msg = (kinds[o].get("message") or "") + "\n" + (kinds[o].text or "") if o != "passed" else ""
        got[tc.get("name")] = (o, msg)
    return got


def run_tests(args, tmp, work, how, module, match=None):
    """One regrtest run; returns (Run, outcomes or None, its dump
    directory). Every run works in the same directory (tmp/run, made anew:
    some tests depend on the length of their path, AF_UNIX's 108 bytes),
    its own results go to `work`."""
    shim = args.shim if how == "preloaded" else None
    os.makedirs(work, exist_ok=True)
    dumps = os.path.join(work, "dumps")
    os.makedirs(dumps, exist_ok=True)
    scratch = os.path.join(tmp, "run")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    # Children that drop privileges (test_subprocess's user= and group=
    # tests) write their dumps to their fallback file here, in $TMPDIR.
    os.chmod(scratch, 0o1777)
    xml = os.path.join(work, "junit.xml")
    opts = reallib.options(dumps, extra="log=%s/summaries.log" % dumps)
    env = reallib.preload_env(shim, opts, {"TMPDIR": scratch, "HOME": scratch})
    argv = [PYTHON, "-m", "test", "--junit-xml", xml, "--timeout", str(TEST_TIMEOUT)]
    for pat in IGNORE:
        argv += ["-i", pat]
    if match:
        argv += ["-v", "-m", match]
    argv.append(module)
    r = reallib.run(argv, env, timeout=MODULE_TIMEOUT, cwd=scratch)
    fallback = os.path.join(dumps, "fallback")
    os.makedirs(fallback, exist_ok=True)
    for p in reallib.dump_files(scratch):
        shutil.move(p, fallback)
    return r, outcomes(xml), dumps


def short(test_id):
    return test_id.rsplit(".", 1)[-1]


def body(ck, args, tmp):
    ck.require(os.access(PYTHON, os.X_OK), "%s is installed" % PYTHON)
    ck.require(os.path.isdir("/usr/lib/python3.11/test/support"),
               "Debian's CPython test suite is installed (libpython3.11-testsuite; scripts/install-deps.sh)")
    modules = args.tests.split(",") if args.tests else (ALL if args.long else CI)
    import resource
    known = known_differences(resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    dump_dirs = []
    timings = []
    for module in modules:
        runs = {}
        for how in ("plain", "preloaded"):
            runs[how] = run_tests(args, tmp, os.path.join(tmp, module, how), how, module)
        (rp, op, _), (rq, oq, dq) = runs["plain"], runs["preloaded"]
        dump_dirs += [dq, os.path.join(dq, "fallback")]
        timings.append((module, rp.seconds, rq.seconds))
        for r, how in ((rp, "plain"), (rq, "preloaded")):
            ck.expect(not r.timed_out, "%s: %s run finished within %d s (%.0f s)" % (module, how, MODULE_TIMEOUT,
                                                                                   r.seconds), r.err[-3000:])
        ck.require(op is not None and len(op) > 0, "%s: plain: regrtest wrote its JUnit XML (%d test cases)"
                   % (module, len(op or {})), rp.out[-3000:] + rp.err[-3000:])
        ck.expect(oq is not None, "%s: preloaded: regrtest wrote its JUnit XML" % module,
                  rq.out[-3000:] + rq.err[-3000:])
        oq = oq or {}
        msg_q = {t: m for t, (o, m) in oq.items()}
        op = {t: o for t, (o, m) in op.items()}
        oq = {t: o for t, (o, m) in oq.items()}
        counts = {}
        for o in op.values():
            counts[o] = counts.get(o, 0) + 1
        summary = ", ".join("%d %s" % (n, o) for o, n in sorted(counts.items()))
        differ = sorted(t for t in set(op) | set(oq) if op.get(t) != oq.get(t))
        real = []
        for t in list(differ):
            if t in known and op.get(t) == "passed" and oq.get(t) == "failure":
                pattern, why = known[t]
                if re.search(pattern, msg_q.get(t, "")):
                    ck.note("%s: fails preloaded as documented: %s" % (short(t), why))
                    differ.remove(t)
                    continue
                real.append("%s: failed preloaded, but not as documented (%s):\n%s" % (t, why, msg_q.get(t)))
                differ.remove(t)
        for t in differ:
            # Again on its own, twice each way: only a difference that stays counts.
            again = []
            for attempt in range(2):
                for how in ("plain", "preloaded"):
                    _, o, d = run_tests(args, tmp, os.path.join(tmp, module, "again-%s-%d-%s"
                                                                % (short(t), attempt, how)), how, module, match=t)
                    if how == "preloaded":
                        dump_dirs += [d, os.path.join(d, "fallback")]
                    again.append((o or {}).get(t, (None, ""))[0])
            stays = all(again[i] != again[i + 1] for i in (0, 2))
            if stays:
                real.append("%s: plain %s, preloaded %s (again: %s)" % (t, op.get(t), oq.get(t), again))
            else:
                ck.note("%s: %s plain, %s preloaded once, not again (%s): a flaky test, not counted"
                        % (t, op.get(t), oq.get(t), ", ".join(str(a) for a in again)))
        ck.expect(not real, "%s: the same outcome for all %d test cases preloaded (%s)" % (module, len(op), summary),
                  "\n".join(real[:30]) + "\npreloaded output:\n" + rq.out[-4000:])
        if not differ and all(op.get(t) == oq.get(t) for t in known):
            ck.expect_equal(rq.returncode, rp.returncode, "%s: the same exit status preloaded" % module)
        failed = sorted(t for t, o in op.items() if o in ("failure", "error"))
        if failed:
            ck.note("%s: failing plain too (CPython on this machine): %s" % (module, ", ".join(failed[:20])))
        # Nothing but dump summaries from the library, wherever its lines went.
        ours = []
        log = os.path.join(dq, "summaries.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                ours = f.read().splitlines()
        _, on_stderr = reallib.split_fdscope_lines(rq.err + rq.out)
        bad = reallib.unexpected_fdscope_lines(ours + on_stderr, reallib.DOUBLE_CLOSE + [reallib.FALLBACK])
        ck.expect(ours and not bad, "%s: the library's lines are dump summaries (%d lines in its log)"
                  % (module, len(ours)), "\n".join(bad[:20]))
    reallib.check_dumps(ck, "cpython", args.fdscope, dump_dirs, min_dumps=len(modules),
                        reasons=("exit",), exes=("python3.11",))
    for module, a, b in timings:
        ck.note("%-16s plain %5.0f s, preloaded %5.0f s" % (module, a, b))


if __name__ == "__main__":
    reallib.main("real.cpython", __doc__, body, extra)
