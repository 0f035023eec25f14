"""The frame of the real-program checks (stdlib only): run a program plain
and with libfdscope.so preloaded in its whole process tree, bounded in
time, and compare what it did; read and check the dumps.

Every run:
- gets a clean environment (no preload, no fdscope/Node/Python settings
  from the caller), LC_ALL=C, stdin /dev/null, its own process group,
  which is killed (SIGKILL) when the run's timeout passes: a run that
  times out is a failed check, never a hang;
- preloaded, it gets LD_PRELOAD=<libfdscope.so> and FDSCOPE_OPTIONS with
  threshold, signal and at-exit dumps on (options()), dumps to a fresh
  directory of the case.

Comparisons: stdout byte for byte, stderr apart from the library's own
lines (they start with "fdscope: ", and must each be a dump summary or
one of the lines a case expects), the exit status.

Checks print one line each ("ok ..." / "FAIL ..."), and a checker ends
with "N passed, N failed" and exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

# The dump signal of every preloaded run: nginx takes SIGUSR2 (binary
# upgrade), HotSpot takes it (thread suspend); SIGRTMIN+7 nobody here takes.
DUMP_SIGNAL = "SIGRTMIN+7"

# What a dump summary on the log looks like (shim/src/dump/summary.cpp):
# the head line of each dump and up to a few top-site lines.
SUMMARY_HEAD = re.compile(r"^fdscope: pid \d+ dump \d+ \((threshold|emfile|signal|exit|request)\): "
                          r"\d+ open of limit \d+, \d+ tracked -> \S+$")
SUMMARY_SITE = re.compile(r"^fdscope: pid \d+:   \d+ x .*$")
# A double close (option double_close=report, the default): a few lines
# naming the stacks. bash closes each end of a pipeline's pipes twice (the
# second close fails with EBADF without the library too), so every bash
# pipeline gets one: each context once or twice, and at exit a line
# counting the rest.
DOUBLE_CLOSE = [re.compile(r"^fdscope: pid \d+: double close of fd \d+ by tid \d+ "),
                re.compile(r"^fdscope:   (closed again at|first closed at|created by \S+ at): "),
                re.compile(r"^fdscope: pid \d+: \d+ more double closes? from the same stacks as those "
                           r"reported were not reported$")]
# A dump a process could not write where it was told (a worker that
# dropped privileges) went to its private fallback file, in one line.
FALLBACK = re.compile(r"^fdscope: pid \d+ dump \d+ \((threshold|emfile|signal|exit|request)\): "
                      r"\d+ open of limit \d+, \d+ tracked -> (?P<fallback>\S+) \(cannot write to (?P<refused>\S+): "
                      r"permission denied\)$")


class CheckFailed(Exception):
    """A check that the following ones depend on failed."""


class Checker:
    """Collects checks; prints one line each; done() prints the totals and
    exits non-zero if any failed."""

    def __init__(self, name: str):
        self.name = name
        self.passed = 0
        self.failures: List[str] = []
        self.t0 = time.monotonic()
        print("== %s" % name, flush=True)

    def note(self, text: str) -> None:
        print("   " + text.replace("\n", "\n   "), flush=True)

    def expect(self, cond: bool, what: str, details: str = "") -> bool:
        if cond:
            self.passed += 1
            print("ok   " + what, flush=True)
        else:
            msg = what + ("\n       " + details.replace("\n", "\n       ") if details else "")
            self.failures.append(msg)
            print("FAIL " + msg, flush=True)
        return bool(cond)

    def require(self, cond: bool, what: str, details: str = "") -> None:
        if not self.expect(cond, what, details):
            raise CheckFailed(what)

    def expect_equal(self, got, want, what: str, details: str = "") -> bool:
        d = "" if got == want else "expected %r\n got      %r%s" % (want, got, "\n" + details if details else "")
        return self.expect(got == want, what, d)

    def done(self) -> None:
        took = time.monotonic() - self.t0
        if self.failures:
            print("\n%s: FAILED checks:" % self.name, file=sys.stderr)
            for f in self.failures:
                print("  - " + f.splitlines()[0], file=sys.stderr)
        print("%s (%.0f s): %d passed, %d failed" % (self.name, took, self.passed, len(self.failures)),
              flush=True)
        sys.exit(1 if self.failures else 0)


def arg_parser(description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--shim", required=True, help="libfdscope.so")
    ap.add_argument("--fdscope", required=True, help="the fdscope tool")
    ap.add_argument("--long", action="store_true",
                    help="the longer run (more load, every test; also FDSCOPE_REAL_LONG=1)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return ap


def main(name: str, description: str, body: Callable[["Checker", argparse.Namespace, str], None],
         extra_args: Optional[Callable[[argparse.ArgumentParser], None]] = None) -> None:
    """Parses the command line, makes the case's temporary directory and
    runs body(checker, args, tmp); a CheckFailed ends it as a failure."""
    ap = arg_parser(description)
    if extra_args:
        extra_args(ap)
    args = ap.parse_args()
    if os.environ.get("FDSCOPE_REAL_LONG") == "1":  # scripts/real-programs.sh --long, through ctest
        args.long = True
    for what in ("shim", "fdscope"):
        p = getattr(args, what)
        if not os.path.isfile(p):
            print("error: --%s %s: no such file (build first: scripts/build.sh)" % (what, p), file=sys.stderr)
            sys.exit(2)
        setattr(args, what, os.path.abspath(p))
    ck = Checker(name)
    tmp = tempfile.mkdtemp(prefix="fdscope-real-%s." % name)
    os.chmod(tmp, 0o755)  # servers' workers (nobody) read their files below it
    try:
        body(ck, args, tmp)
    except CheckFailed:
        pass
    except Exception as e:  # an unexpected error is a failure with its cause, not a traceback alone
        import traceback
        ck.expect(False, "the checker ran to its end", "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
    finally:
        if args.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    ck.done()


# Running programs ----------------------------------------------------------

def options(dump_dir: str, threshold: int = 64, extra: str = "") -> str:
    """FDSCOPE_OPTIONS of a preloaded run: threshold, signal and at-exit
    dumps on, dumps in dump_dir."""
    o = "threshold=%d:signal=%s:at_exit=1:output=%s/fdscope.%%p.jsonl" % (threshold, DUMP_SIGNAL, dump_dir)
    return o + (":" + extra if extra else "")


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "FDSCOPE_OPTIONS", "NODE_OPTIONS", "PYTHONSTARTUP", "PYTHONPATH",
                        "PYTHONHOME", "PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE", "JAVA_TOOL_OPTIONS",
                        "_JAVA_OPTIONS", "MAKEFLAGS", "MFLAGS", "GIT_DIR", "GIT_WORK_TREE")}
    env["LC_ALL"] = "C"
    env.pop("LANG", None)
    if extra:
        env.update(extra)
    return env


def preload_env(shim: Optional[str], opts: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a run: plain when shim is None."""
    e = dict(extra or {})
    if shim:
        e["LD_PRELOAD"] = shim
        e["FDSCOPE_OPTIONS"] = opts
    return clean_env(e)


@dataclass
class Run:
    argv: List[str]
    returncode: int
    stdout: bytes
    stderr: bytes
    pid: int
    seconds: float
    timed_out: bool = False

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode(errors="replace")


def kill_group(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass


def run(argv: Sequence[str], env: Dict[str, str], timeout: float, cwd: Optional[str] = None,
        stdin: Optional[bytes] = None) -> Run:
    """Runs argv in its own process group, capturing stdout and stderr,
    bounded by timeout (then the group is killed and timed_out is set)."""
    t0 = time.monotonic()
    p = subprocess.Popen(list(argv), env=env, cwd=cwd, start_new_session=True, close_fds=True,
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        out, err = p.communicate()
    # Whatever the program left in its group (a daemon's child) goes too.
    kill_group(p)
    return Run(list(argv), p.returncode, out, err, p.pid, time.monotonic() - t0, timed_out)


class Background:
    """A program started in the background in its own process group,
    stdout and stderr to files; stop() bounds its end."""

    def __init__(self, argv: Sequence[str], env: Dict[str, str], out_path: str, cwd: Optional[str] = None):
        self.argv = list(argv)
        self.out_path = out_path
        self.out = open(out_path + ".stdout", "wb")
        self.err = open(out_path + ".stderr", "wb")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(self.argv, env=env, cwd=cwd, start_new_session=True, close_fds=True,
                                  stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        self.pid = self.p.pid
        self.timed_out = False
        self.seconds = 0.0

    def alive(self) -> bool:
        return self.p.poll() is None

    def wait(self, timeout: float) -> Run:
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            kill_group(self.p)
            self.p.wait()
        kill_group(self.p)
        self.seconds = time.monotonic() - self.t0
        self.out.close()
        self.err.close()
        with open(self.out_path + ".stdout", "rb") as f:
            out = f.read()
        with open(self.out_path + ".stderr", "rb") as f:
            err = f.read()
        return Run(self.argv, self.p.returncode, out, err, self.pid, self.seconds, self.timed_out)

    def kill(self) -> None:
        if self.p.poll() is None:
            kill_group(self.p)
            self.p.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def gone(pid: int, timeout: float) -> bool:
    """Waits for a process that is not our child (a daemon) to end, up to
    timeout; kills it if it does not (False)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            return False
        time.sleep(0.05)


def children(pid: int) -> List[int]:
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


# Comparing runs ------------------------------------------------------------

def split_fdscope_lines(text: str, relays: Sequence[str] = ()) -> Tuple[str, List[str]]:
    """(the text without the library's own lines, those lines). `relays`:
    prefixes a program puts before lines of its children's stderr that it
    passes on (git's "remote: " for upload-pack)."""
    keep, ours = [], []
    for line in text.splitlines(True):
        body = line
        for r in relays:
            if line.startswith(r):
                body = line[len(r):]
        if body.startswith("fdscope: "):
            ours.append(body.rstrip())
        else:
            keep.append(line)
    return "".join(keep), ours


def unexpected_fdscope_lines(lines: Iterable[str], allowed: Sequence[re.Pattern] = ()) -> List[str]:
    """The library's lines that are neither a dump summary nor allowed."""
    pats = [SUMMARY_HEAD, SUMMARY_SITE] + list(allowed)
    return [l for l in lines if not any(p.match(l) for p in pats)]


def diff(a: str, b: str, what: str = "") -> str:
    d = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                     "plain" + what, "preloaded" + what, n=2))
    return d[:6000] + ("\n... (diff cut)" if len(d) > 6000 else "")


def compare(ck: Checker, label: str, plain: Run, pre: Run, stdout: bool = True,
            normalize: Callable[[str], str] = lambda s: s, allowed: Sequence[re.Pattern] = (),
            expect_code: Optional[int] = None, relays: Sequence[str] = ()) -> List[str]:
    """The checks every case makes of a plain and a preloaded run of one
    program; returns the preloaded run's fdscope lines. `allowed`: more
    patterns of fdscope lines that may appear besides dump summaries."""
    for r, how in ((plain, "plain"), (pre, "preloaded")):
        ck.expect(not r.timed_out, "%s: %s run finished within its time limit (%.1f s)" % (label, how, r.seconds),
                  "stderr:\n" + r.err[-3000:])
    if expect_code is not None:
        ck.expect_equal(plain.returncode, expect_code, "%s: plain run exits with %d" % (label, expect_code),
                        "stdout:\n%s\nstderr:\n%s" % (plain.out[-3000:], plain.err[-3000:]))
    ck.expect_equal(pre.returncode, plain.returncode, "%s: same exit status preloaded" % label,
                    "stderr preloaded:\n" + pre.err[-3000:])
    if stdout:
        a, b = normalize(plain.out), normalize(pre.out)
        ck.expect(a == b, "%s: same stdout preloaded (%d bytes)" % (label, len(plain.stdout)), diff(a, b))
    plain_err, plain_ours = split_fdscope_lines(plain.err, relays)
    pre_err, ours = split_fdscope_lines(pre.err, relays)
    ck.expect(not plain_ours, "%s: no fdscope line in the plain run's stderr" % label, "\n".join(plain_ours))
    a, b = normalize(plain_err), normalize(pre_err)
    ck.expect(a == b, "%s: same stderr preloaded, apart from fdscope's lines (%d bytes)" % (label, len(plain_err)),
              diff(a, b))
    bad = unexpected_fdscope_lines(ours, allowed)
    ck.expect(not bad, "%s: fdscope's stderr lines are dump summaries only (%d lines)" % (label, len(ours)),
              "\n".join(bad[:20]))
    return ours


# Dumps -----------------------------------------------------------------------

@dataclass
class Dump:
    path: str
    pid: int
    run: str
    seq: int
    header: Optional[dict] = None
    end: Optional[dict] = None
    fds: List[dict] = field(default_factory=list)
    stacks: Dict[int, dict] = field(default_factory=dict)
    modules: Dict[int, dict] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return (self.header or {}).get("reason", "?")

    @property
    def exe(self) -> str:
        return (self.header or {}).get("exe", "?")

    def name(self) -> str:
        return "%s dump %d (%s) of pid %d (%s)" % (os.path.basename(self.path), self.seq, self.reason,
                                                   self.pid, os.path.basename(self.exe))

    def functions(self) -> List[str]:
        """Every function name in the stacks of this dump."""
        return [fr.get("function", "") for s in self.stacks.values() for fr in s.get("frames", [])]


def read_dumps(path: str) -> List[Dump]:
    """Every dump in a JSON Lines file, each checked: header first, end
    last, counts in the end line equal to the lines written, every stack
    and module referenced present."""
    dumps: Dict[Tuple[int, str, int], Dump] = {}
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    torn = lines[-1] != b""
    for n, raw in enumerate(lines[:-1] if not torn else lines, 1):
        if not raw.strip():
            continue
        try:
            o = json.loads(raw)
        except ValueError:
            key = ("torn", n)
            d = Dump(path, -1, "", -1)
            d.problems.append("line %d is not JSON: %r" % (n, raw[:120]))
            dumps[key] = d  # type: ignore[index]
            continue
        if o.get("type") == "double_close":
            continue
        key = (o.get("pid"), o.get("run"), o.get("seq"))
        d = dumps.get(key)
        if d is None:
            d = dumps[key] = Dump(path, o.get("pid", -1), o.get("run", ""), o.get("seq", -1))
        t = o.get("type")
        if d.end is not None:
            d.problems.append("line %d (%s) after the end line" % (n, t))
        if t == "header":
            if d.header is not None or d.fds or d.stacks:
                d.problems.append("line %d: header not first" % n)
            d.header = o
        elif d.header is None:
            d.problems.append("line %d: %s before the header" % (n, t))
        elif t == "module":
            d.modules[o["id"]] = o
        elif t == "stack":
            d.stacks[o["id"]] = o
        elif t == "fd":
            d.fds.append(o)
        elif t == "peak":
            pass
        elif t == "end":
            d.end = o
        else:
            d.problems.append("line %d: unknown type %r" % (n, t))
    for d in dumps.values():
        if d.end is None:
            d.problems.append("no end line: truncated")
            continue
        if d.end.get("fds") != len(d.fds):
            d.problems.append("end says %s fd lines, %d written" % (d.end.get("fds"), len(d.fds)))
        if d.end.get("stacks") != len(d.stacks):
            d.problems.append("end says %s stacks, %d written" % (d.end.get("stacks"), len(d.stacks)))
        if d.end.get("modules") != len(d.modules):
            d.problems.append("end says %s modules, %d written" % (d.end.get("modules"), len(d.modules)))
        for fd in d.fds:
            for k in ("stack", "connect_stack", "lang_stack"):
                sid = fd.get(k)
                if sid and sid not in d.stacks:
                    d.problems.append("fd %s: %s %s not written" % (fd.get("fd"), k, sid))
        for s in d.stacks.values():
            for fr in s.get("frames", []):
                if "module" in fr and fr["module"] not in d.modules:
                    d.problems.append("stack %s: module %s not written" % (s["id"], fr["module"]))
    if torn:
        for d in dumps.values():
            if d.end is None:
                d.problems.append("the file ends in a torn line")
    return list(dumps.values())


def dump_files(*dirs: str) -> List[str]:
    files: List[str] = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "fdscope.*.jsonl*")))
    return files


def check_dumps(ck: Checker, label: str, fdscope: str, dirs: Sequence[str], min_dumps: int = 1,
                reasons: Sequence[str] = ("exit",), exes: Sequence[str] = ()) -> List[Dump]:
    """Every dump in the directories is complete and consistent, and
    `fdscope report --all` reads them all with exit status 0; there are at
    least min_dumps, including one of each reason and one of each exe
    (basename) named. Returns the dumps."""
    files = dump_files(*dirs)
    dumps: List[Dump] = []
    for p in files:
        dumps += read_dumps(p)
    bad = ["%s: %s" % (d.name(), "; ".join(d.problems)) for d in dumps if d.problems]
    ck.expect(len(dumps) >= min_dumps and not bad,
              "%s: %d dumps in %d files, every one complete (header .. end) and consistent"
              % (label, len(dumps), len(files)),
              "\n".join(bad[:20]) or "expected at least %d dumps" % min_dumps)
    got = {d.reason for d in dumps}
    for r in reasons:
        ck.expect(r in got, "%s: a %s dump was written" % (label, r), "reasons: %s" % sorted(got))
    got_exes = {os.path.basename(d.exe) for d in dumps}
    for e in exes:
        ck.expect(e in got_exes, "%s: dumps of %s" % (label, e), "executables: %s" % sorted(got_exes))
    if files:
        r = subprocess.run([fdscope, "report", "--all", "--format", "json"] + files,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        ok = r.returncode == 0
        n = -1
        if ok:
            try:
                n = json.loads(r.stdout)["dumps"]
            except (ValueError, KeyError):
                ok = False
        ck.expect(ok and n == len(dumps), "%s: fdscope report reads all %d dumps, exit status 0"
                  % (label, len(dumps)),
                  "exit %d, dumps %d\n%s" % (r.returncode, n, r.stderr.decode(errors="replace")[-3000:]))
    return dumps


def socket_count(rep: dict, prefix: str) -> int:
    """Descriptors of a report whose target starts with prefix."""
    return sum(t["count"] for s in rep.get("sites", []) for t in s.get("targets", [])
               if t["target"].startswith(prefix))


def snapshot(ck: Checker, label: str, fdscope: str, pid: int, timeout: float = 60,
             want: Sequence[str] = (), want_any: bool = False) -> Optional[dict]:
    """`fdscope snapshot --format json PID`: exits 0 (within timeout) and
    its report names the functions (or source files) in `want`, all of
    them, or any with want_any; returns the report."""
    t0 = time.monotonic()
    try:
        r = subprocess.run([fdscope, "snapshot", "--timeout", str(int(timeout)), "--format", "json", str(pid)],
                           env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        ck.expect(False, "%s: fdscope snapshot %d finished" % (label, pid))
        return None
    took = time.monotonic() - t0
    err = r.stderr.decode(errors="replace")
    ck.expect_equal(r.returncode, 0, "%s: fdscope snapshot %d exits 0 (%.1f s)" % (label, pid, took), err)
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        ck.expect(False, "%s: the snapshot's report is JSON" % label, r.stdout[:2000].decode(errors="replace"))
        return None
    names = set()
    for s in rep.get("sites", []):
        for fr in s.get("frames", []):
            names.add(fr.get("function") or "")
            names.add(fr.get("file") or "")
    text = " ".join(sorted(names))
    if want:
        found = [w for w in want if any(w in n for n in names)]
        ok = bool(found) if want_any else len(found) == len(want)
        ck.expect(ok, "%s: the snapshot names %s%s (%d descriptors, %d sites)"
                  % (label, " or ".join(want) if want_any else ", ".join(want),
                     " (found %s)" % ", ".join(found) if want_any and found else "",
                     rep.get("descriptors", 0), len(rep.get("sites", []))),
                  "functions in the report: " + text[:3000])
    return rep
