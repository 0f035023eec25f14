"""Shared helpers of the fdscope tool checkers (Python 3 stdlib only).

Every checker takes the same arguments,

    --fdscope PATH   the tool (build/bin/fdscope)
    --shim PATH      the library (build/lib/libfdscope.so)
    --program PATH   tests/tool/programs/leaky_service, built -O0 -g
    --source PATH    its source, tests/tool/programs/leaky_service.c
    --node PATH      Node.js (the Node checker)
    --keep           keep the temporary directory, for debugging

runs everything with a timeout, on loopback only, in a fresh temporary
directory that is removed at the end (TMPDIR points into it, so that the
directories `fdscope run` makes go there too), and prints one line per check:

    ok   - what held
    FAIL - what did not hold
           details

and exits 1 if any check failed.

Line numbers are never written into the tests: the leaking calls of
leaky_service.c carry `/* @line:NAME */` marker comments, and markers()
maps each NAME to the line it is on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

TIMEOUT = 60.0

# Keys of `fdscope report --format json`, in the SPEC's order.
# The SPEC's keys, and after them (docs/report-format.md) the standard
# streams left out, the processes holding the most, the earlier dumps; and
# per site its peak and processes.
REPORT_KEYS = ["dumps", "processes", "descriptors", "untracked", "standard_streams",
               "top_processes", "earlier_dumps", "sites"]
SITE_KEYS = ["count", "kinds", "targets", "oldest_ms", "newest_ms", "peak", "peak_time_ms",
             "processes", "most_in_process", "executables", "frames"]
TARGET_KEYS = ["target", "count"]
FRAME_KEYS = ["function", "module", "file", "line", "address"]
# ...and "inlined": true on a frame expanded from inline debug information.
# A language frame (dump format 2), and "async": true on the first frame of
# the code that scheduled the work (docs/report-format.md).
LANG_FRAME_KEYS = ["function", "file", "line", "column", "lang"]


class CheckFailed(Exception):
    """A required check failed: the checker cannot go on."""


class Checker:
    def __init__(self, title: str):
        self.title = title
        self.failures = 0
        self.passes = 0
        print("# %s" % title, flush=True)

    def expect(self, cond: bool, what: str, details: str = "") -> bool:
        if cond:
            self.passes += 1
            print("ok   - %s" % what, flush=True)
        else:
            self.failures += 1
            print("FAIL - %s" % what, flush=True)
            if details:
                for line in str(details).rstrip("\n").split("\n"):
                    print("       %s" % line)
            sys.stdout.flush()
        return bool(cond)

    def expect_equal(self, actual, expected, what: str, details: str = "") -> bool:
        extra = "expected: %r\nactual:   %r" % (expected, actual)
        if details:
            extra += "\n" + details
        return self.expect(actual == expected, what, extra)

    def require(self, cond: bool, what: str, details: str = "") -> None:
        if not self.expect(cond, what, details):
            e = CheckFailed(what)
            e.reported = True  # type: ignore[attr-defined]
            raise e

    def note(self, text: str) -> None:
        for line in text.rstrip("\n").split("\n"):
            print("#    %s" % line)
        sys.stdout.flush()

    def done(self) -> None:
        print("# %d passed, %d failed" % (self.passes, self.failures), flush=True)
        sys.exit(1 if self.failures else 0)


def arg_parser(description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--fdscope", required=True, help="the fdscope tool")
    ap.add_argument("--shim", required=True, help="libfdscope.so")
    ap.add_argument("--program", help="leaky_service")
    ap.add_argument("--source", help="leaky_service.c")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return ap


def run_checker(title: str, body, args) -> None:
    """Runs body(ck, tmp) in a fresh temporary directory, then exits."""
    for path in (args.fdscope, args.shim) + tuple(p for p in (getattr(args, "program", None),) if p):
        if not os.path.exists(path):
            print("FAIL - %s does not exist (build first: ninja -C build)" % path)
            sys.exit(1)
    ck = Checker(title)
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="fdscope-tool-test-"))
    try:
        body(ck, tmp)
    except CheckFailed as e:
        if not getattr(e, "reported", False):  # a time-out, or a broken precondition
            ck.expect(False, "the checker could not go on", str(e))
    finally:
        if args.keep:
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    ck.done()


def base_env(tmp: str) -> Dict[str, str]:
    """The environment of every command: no preload, no options, no
    debuginfod (nothing leaves the machine), TMPDIR in the test's directory,
    no NO_COLOR (output goes to pipes: no colour must come by itself)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "FDSCOPE_OPTIONS", "FDSCOPE_LIBRARY", "NODE_OPTIONS",
                        "DEBUGINFOD_URLS", "TMPDIR")}
    env.pop("NO_COLOR", None)
    env["TMPDIR"] = tmp
    env["LC_ALL"] = "C"
    return env


def preload_env(tmp: str, shim: str, options: str) -> Dict[str, str]:
    env = base_env(tmp)
    env["LD_PRELOAD"] = shim
    env["FDSCOPE_OPTIONS"] = options
    return env


class Result:
    def __init__(self, argv, returncode, stdout, stderr, elapsed):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    def stderr_lines(self) -> List[str]:
        return [l for l in self.stderr.split("\n") if l != ""]

    def describe(self) -> str:
        return ("command: %s\nstatus: %s\nstdout:\n%s\nstderr:\n%s"
                % (" ".join(self.argv), self.returncode, indent(self.stdout), indent(self.stderr)))


def indent(text: str, prefix: str = "  ", limit: int = 40) -> str:
    if not text:
        return prefix + "(empty)"
    lines = text.rstrip("\n").split("\n")
    more = ["... %d more lines" % (len(lines) - limit)] if len(lines) > limit else []
    return "\n".join(prefix + l for l in lines[:limit] + more)


def run(argv: Sequence[str], env: Dict[str, str], timeout: float = TIMEOUT, cwd: Optional[str] = None,
        stdin=subprocess.DEVNULL) -> Result:
    """Runs argv to completion (killing its process group at the timeout),
    stdin /dev/null, stdout and stderr captured as text. Only descriptors 0,
    1 and 2 are open in it."""
    start = time.monotonic()
    p = subprocess.Popen(list(argv), env=env, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, close_fds=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        out, err = p.communicate()
        raise CheckFailed("timed out after %.0f s: %s\nstdout:\n%s\nstderr:\n%s"
                          % (timeout, " ".join(argv), indent(out.decode(errors="replace")),
                             indent(err.decode(errors="replace"))))
    return Result(list(argv), p.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"), time.monotonic() - start)


def kill_group(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def markers(source: str) -> Dict[str, int]:
    """NAME -> line number of each `@line:NAME` marker in source."""
    out: Dict[str, int] = {}
    with open(source) as f:
        for number, line in enumerate(f, 1):
            for name in re.findall(r"@line:(\S+?)\s*\*/", line):
                if name in out:
                    raise CheckFailed("marker @line:%s appears twice in %s" % (name, source))
                out[name] = number
    return out


def load_json_ordered(text: str):
    """Parses JSON keeping key order (lists of pairs inside a dict subclass
    that remembers them), rejecting duplicate keys."""
    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate keys %s" % keys)
        return dict(pairs)
    return json.loads(text, object_pairs_hook=hook)


def check_report_shape(ck: Checker, rep, what: str) -> bool:
    """The `report --format json` object has exactly the SPEC's keys, in its
    order, with the SPEC's types, and its sites sorted by count."""
    problems: List[str] = []

    def keys(obj, expected, where):
        if not isinstance(obj, dict):
            problems.append("%s is not an object: %r" % (where, obj))
            return False
        if list(obj.keys()) != expected:
            problems.append("%s keys %s, expected %s" % (where, list(obj.keys()), expected))
            return False
        return True

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    if keys(rep, REPORT_KEYS, "report"):
        for k in REPORT_KEYS[:4]:
            if not is_int(rep[k]) or rep[k] < 0:
                problems.append("report.%s is %r" % (k, rep[k]))
        if not isinstance(rep["sites"], list):
            problems.append("report.sites is not an array")
        else:
            counts = []
            for i, s in enumerate(rep["sites"]):
                w = "sites[%d]" % i
                if not keys(s, SITE_KEYS, w):
                    continue
                counts.append(s["count"])
                if not is_int(s["count"]) or s["count"] < 0:
                    problems.append("%s.count is %r" % (w, s["count"]))
                if not is_int(s["peak"]) or s["peak"] < max(1, s["most_in_process"]):
                    problems.append("%s.peak %r is below 1 or its most in one process %r"
                                    % (w, s["peak"], s["most_in_process"]))
                if not is_int(s["processes"]) or s["processes"] < 1 or \
                        sum(s["executables"].values()) != s["processes"]:
                    problems.append("%s.processes %r do not add up over executables %r"
                                    % (w, s["processes"], s["executables"]))
                if not isinstance(s["kinds"], dict) or not all(is_int(n) for n in s["kinds"].values()) \
                        or sum(s["kinds"].values()) != s["count"]:
                    problems.append("%s.kinds %r do not add up to count %r" % (w, s["kinds"], s["count"]))
                if not isinstance(s["targets"], list):
                    problems.append("%s.targets is not an array" % w)
                else:
                    for j, t in enumerate(s["targets"]):
                        if keys(t, TARGET_KEYS, "%s.targets[%d]" % (w, j)) and \
                                (not isinstance(t["target"], str) or not is_int(t["count"])):
                            problems.append("%s.targets[%d] is %r" % (w, j, t))
                    if sum(t.get("count", 0) for t in s["targets"] if isinstance(t, dict)) != s["count"]:
                        problems.append("%s.targets do not add up to count %r" % (w, s["count"]))
                    tc = [t.get("count") for t in s["targets"] if isinstance(t, dict)]
                    if tc != sorted(tc, reverse=True):
                        problems.append("%s.targets not sorted by count: %s" % (w, tc))
                if not is_int(s["oldest_ms"]) or not is_int(s["newest_ms"]) or \
                        not 0 <= s["newest_ms"] <= s["oldest_ms"]:
                    problems.append("%s ages newest %r oldest %r" % (w, s["newest_ms"], s["oldest_ms"]))
                if not isinstance(s["frames"], list):
                    problems.append("%s.frames is not an array" % w)
                    continue
                for j, f in enumerate(s["frames"]):
                    problems.extend(frame_problems(f, "%s.frames[%d]" % (w, j), keys))
            if counts != sorted(counts, reverse=True):
                problems.append("sites not sorted by count, largest first: %s" % counts)
            if is_int(rep.get("descriptors")) and sum(c for c in counts if is_int(c)) != rep["descriptors"]:
                problems.append("site counts %s do not add up to descriptors %r" % (counts, rep["descriptors"]))
    return ck.expect(not problems, what, "\n".join(problems[:20]))


def frame_problems(f, fw: str, keys) -> List[str]:
    """What is wrong with one frame of a JSON site: a native frame has
    exactly FRAME_KEYS (and maybe inlined), a language frame LANG_FRAME_KEYS
    (and maybe async)."""
    problems: List[str] = []
    is_int = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
    if isinstance(f, dict) and "lang" in f:
        expected = LANG_FRAME_KEYS + (["async"] if "async" in f else [])
        if not keys(f, expected, fw):
            return problems
        if f["lang"] not in ("js", "python") or not isinstance(f["function"], str) \
                or not isinstance(f["file"], str):
            problems.append("%s lang/function/file %r" % (fw, f))
        for k in ("line", "column"):
            if f[k] is not None and (not is_int(f[k]) or f[k] < 1):
                problems.append("%s %s %r" % (fw, k, f[k]))
        if "async" in f and f["async"] is not True:
            problems.append("%s async %r" % (fw, f["async"]))
        return problems
    if not keys(f, FRAME_KEYS + (["inlined"] if isinstance(f, dict) and "inlined" in f else []), fw):
        return problems
    if "inlined" in f and f["inlined"] is not True:
        problems.append("%s inlined %r" % (fw, f["inlined"]))
    if not isinstance(f["function"], str) or not isinstance(f["module"], str):
        problems.append("%s function/module %r" % (fw, f))
    if (f["file"] is None) != (f["line"] is None):
        problems.append("%s file and line not both null or both set: %r" % (fw, f))
    if f["file"] is not None and (not isinstance(f["file"], str) or not is_int(f["line"])
                                  or f["line"] < 1):
        problems.append("%s file/line %r" % (fw, f))
    if not isinstance(f["address"], str) or not re.fullmatch(r"0x[0-9a-f]+", f["address"]):
        problems.append("%s address %r" % (fw, f["address"]))
    return problems


def _c_runtime_prefixes() -> tuple:
    """The prefixes of common/'s one list of C runtime modules."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "include",
                        "fdscope_common", "c_runtime_modules.def")
    with open(path) as f:
        found = tuple(re.findall(r'^FDSCOPE_C_RUNTIME_PREFIX\("([^"]+)"\)', f.read(), re.M))
    if not found:
        raise CheckFailed("no FDSCOPE_C_RUNTIME_PREFIX entries in %s" % path)
    return found


C_RUNTIME_PREFIXES = _c_runtime_prefixes()


def is_runtime_module(path: str) -> bool:
    """The C runtime and loader, whose frames vary with the distribution's
    glibc (names, offsets, debug information): common/'s list, the one the
    library and the tool use."""
    return os.path.basename(path).startswith(C_RUNTIME_PREFIXES)


def program_functions(site) -> List[str]:
    """Functions of a JSON site's frames outside the C runtime, innermost first."""
    return [f["function"] for f in site["frames"] if f["module"] and not is_runtime_module(f["module"])]


def find_site(rep, innermost: str):
    """The JSON sites whose innermost frame outside the C runtime is the
    function `innermost`."""
    return [s for s in rep["sites"] if program_functions(s)[:1] == [innermost]]


def wait_for_line(p: subprocess.Popen, expected: str, timeout: float) -> str:
    """Reads p's stdout (a pipe) until a line equal to expected arrives."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        if sel.select(timeout=max(0.0, deadline - time.monotonic())):
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            if expected.encode() + b"\n" in buf:
                return buf.decode(errors="replace")
    raise CheckFailed("no line %r from %s within %.0f s (got %r)" % (expected, p.args, timeout, buf))


def run_on_terminal(argv: Sequence[str], env: Dict[str, str], timeout: float = TIMEOUT) -> Result:
    """Runs argv with stdout and stderr on a pseudo-terminal; returns what
    it wrote there (stdout and stderr together, in Result.stdout)."""
    import pty
    import select
    master, slave = pty.openpty()
    start = time.monotonic()
    p = subprocess.Popen(list(argv), env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         close_fds=True, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = start + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the other side is closed
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                continue
        else:
            kill_group(p)
            raise CheckFailed("timed out after %.0f s: %s" % (timeout, " ".join(argv)))
    finally:
        os.close(master)
    p.wait(timeout=timeout)
    return Result(list(argv), p.returncode, out.decode(errors="replace"), "", time.monotonic() - start)
