"""Shared helpers of the fdscope attach checkers (Python 3 stdlib only).

Every checker takes --fdscope (the tool) and --shim (libfdscope.so), plus
its own programs, and reuses tests/tool/toollib.py for running commands
with time-outs in a fresh temporary directory and printing one line per
check. Processes under test are started in sessions of their own and
killed at the end whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tool"))
import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402

# The stop time a test accepts (the target is < 50 ms; a shared CI machine
# is given room, and the figure is printed).
MAX_STOP_MS = 250.0

ATTACHED = re.compile(r"fdscope: attached to process (\d+) \((.*)\): (\d+) GOT entr(?:y|ies) redirected "
                      r"to libfdscope\.so; the process was stopped for ([0-9.]+) ms\n")
DETACHED = re.compile(r"fdscope: detached from process (\d+) \((.*)\): its calls go to the C library "
                      r"again; the process was stopped for ([0-9.]+) ms\n")


SKIP = 77  # ctest's SKIP_RETURN_CODE


def arg_parser(description: str):
    """toollib's arguments; exits SKIP (saying why) where this user cannot
    trace its own processes' siblings: not root, and ptrace restricted."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            scope = int(f.read().strip() or 0)
    except OSError:
        scope = 0
    if os.geteuid() != 0 and scope != 0:
        print("SKIP - not root and kernel.yama.ptrace_scope=%d: fdscope cannot attach here" % scope)
        sys.exit(SKIP)
    return toollib.arg_parser(description)


def markers(source: str) -> Dict[str, int]:
    """NAME -> line of each `@line:NAME` marker (C or Python comments)."""
    out: Dict[str, int] = {}
    with open(source) as f:
        for number, line in enumerate(f, 1):
            for name in re.findall(r"@line:([\w>-]+)", line):
                out[name] = number
    return out


class Proc:
    """A program started in the background, stdout a pipe read line by line."""

    def __init__(self, argv, env, tmp, name, cwd=None, stdin=False):
        self.argv = list(argv)
        self.err_path = os.path.join(tmp, name + ".stderr")
        self.err = open(self.err_path, "wb")
        self.p = subprocess.Popen(self.argv, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=self.err, close_fds=True,
                                  start_new_session=True, cwd=cwd)
        self.pid = self.p.pid
        self.out = b""

    def read_until(self, needle: str, timeout: float = toollib.TIMEOUT) -> str:
        """Reads stdout until a line containing needle; returns that line."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.out.decode(errors="replace").split("\n")[:-1]:
                if needle in line:
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                raise CheckFailed("no line with %r from %s within %.0f s (got %r)"
                                  % (needle, self.argv, timeout, self.out[-2000:]))
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise CheckFailed("%s closed its stdout before a line with %r (got %r)"
                                  % (self.argv, needle, self.out[-2000:]))
            self.out += chunk

    def ask(self, line: str, timeout: float = toollib.TIMEOUT) -> str:
        """Sends a line on stdin; returns the next line of stdout."""
        seen = self.out.count(b"\n")
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while self.out.count(b"\n") <= seen:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                raise CheckFailed("no answer to %r from %s within %.0f s" % (line, self.argv, timeout))
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise CheckFailed("%s closed its stdout instead of answering %r" % (self.argv, line))
            self.out += chunk
        return self.out.decode(errors="replace").split("\n")[seen]

    def finish(self, timeout: float = toollib.TIMEOUT):
        """Waits for the exit; returns (status, all of stdout)."""
        try:
            rest, _ = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            toollib.kill_group(self.p)
            raise CheckFailed("%s did not exit within %.0f s" % (self.argv, timeout))
        self.out += rest or b""
        self.err.close()
        return self.p.returncode, self.out.decode(errors="replace")

    def alive(self) -> bool:
        return self.p.poll() is None

    def stderr_text(self) -> str:
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def kill(self):
        toollib.kill_group(self.p)
        try:
            self.err.close()
        except Exception:
            pass


def attach(ck, fdscope: str, pid: int, options: str, env, what: str):
    """fdscope attach; checks its one line and the stop time; returns the
    stop time in ms (None when it failed)."""
    r = toollib.run([fdscope, "attach", "-o", options, str(pid)], env)
    m = ATTACHED.fullmatch(r.stderr)
    ok = ck.expect(r.returncode == 0 and m is not None and int(m.group(1)) == pid and r.stdout == "",
                   "%s: fdscope attach exits 0 with one line naming the process" % what, r.describe())
    if not ok:
        return None
    ms = float(m.group(4))
    ck.expect(ms < MAX_STOP_MS, "%s: the process was stopped for %.1f ms (< %.0f)" % (what, ms, MAX_STOP_MS))
    return ms


def detach(ck, fdscope: str, pid: int, env, what: str):
    r = toollib.run([fdscope, "detach", str(pid)], env)
    m = DETACHED.fullmatch(r.stderr)
    ok = ck.expect(r.returncode == 0 and m is not None and int(m.group(1)) == pid,
                   "%s: fdscope detach exits 0 with one line" % what, r.describe())
    if not ok:
        return None
    ms = float(m.group(3))
    ck.expect(ms < MAX_STOP_MS, "%s: detach stopped the process for %.1f ms (< %.0f)"
              % (what, ms, MAX_STOP_MS))
    return ms


def snapshot(ck, fdscope: str, pid: int, env, what: str, fmt: str = "text"):
    r = toollib.run([fdscope, "snapshot", "--timeout", "20", "--format", fmt, str(pid)], env)
    ck.expect(r.returncode == 0 and re.fullmatch(r"fdscope: dump \d+ of process %d in \S+\n" % pid, r.stderr),
              "%s: fdscope snapshot exits 0 and names the dump" % what, r.describe())
    return r


def wait_for_dumps(directory: str, pid: int, reason: str, count: int, timeout: float = 30.0):
    """Waits until the dump files of pid in directory hold `count` complete
    dumps with this reason (a signal that comes while the library writes
    another dump is not answered: snapshots wait for the dumps under way)."""
    deadline = time.monotonic() + timeout
    while True:
        done = 0
        for name in os.listdir(directory):
            if not name.startswith("fdscope.%d.jsonl" % pid):
                continue
            reasons, ends = {}, set()
            with open(os.path.join(directory, name)) as f:
                for line in f:
                    if '"type":"header"' in line:
                        rec = json.loads(line)
                        reasons[rec["seq"]] = rec["reason"]
                    elif '"type":"end"' in line:
                        ends.add(json.loads(line)["seq"])
            done += sum(1 for seq, r in reasons.items() if r == reason and seq in ends)
        if done >= count:
            return
        if time.monotonic() > deadline:
            raise CheckFailed("no %d complete %s dumps of process %d in %s within %.0f s"
                              % (count, reason, pid, directory, timeout))
        time.sleep(0.02)


def snapshot_dump(snapshot_result):
    """The dump a snapshot read: Dump(path, seq) from its line on stderr."""
    m = re.fullmatch(r"fdscope: dump (\d+) of process \d+ in (\S+)\n", snapshot_result.stderr)
    if not m:
        raise CheckFailed("no dump named by snapshot:\n" + snapshot_result.describe())
    return Dump(m.group(2), int(m.group(1)))


class Dump:
    """A complete dump of a file (seq, else the last): its header, fd
    records and stacks."""

    def __init__(self, path: str, seq: Optional[int] = None):
        dumps: Dict[int, dict] = {}
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                d = dumps.setdefault(rec["seq"], {"header": None, "fds": [], "stacks": {}, "peaks": [],
                                                  "modules": {}, "end": False})
                t = rec["type"]
                if t == "header":
                    d["header"] = rec
                elif t == "fd":
                    d["fds"].append(rec)
                elif t == "stack":
                    d["stacks"][rec["id"]] = rec["frames"]
                elif t == "peak":
                    d["peaks"].append(rec)
                elif t == "module":
                    d["modules"][rec["id"]] = rec
                elif t == "end":
                    d["end"] = True
        complete = [s for s in sorted(dumps) if dumps[s]["end"] and (seq is None or s == seq)]
        if not complete:
            raise CheckFailed("no complete dump %s in %s" % ("" if seq is None else seq, path))
        d = dumps[complete[-1]]
        self.header = d["header"]
        self.fds = d["fds"]
        self.stacks = d["stacks"]
        self.peaks = d["peaks"]
        self.modules = d["modules"]

    def functions(self, stack_id: int) -> List[str]:
        return [f.get("function", "?") for f in self.stacks.get(stack_id, [])]

    def numbered_targets(self, directory: str):
        """(index, record) of the descriptors whose target is directory/N."""
        out = []
        for rec in self.fds:
            t = rec["target"]
            if t.startswith(directory + "/") and t[len(directory) + 1:].isdigit():
                out.append((int(t[len(directory) + 1:]), rec))
        return sorted(out, key=lambda x: x[0])


def check_split(ck, dump: Dump, directory: str, what: str, after: int = -1):
    """The descriptors of directory/0..N: the first ones untracked (opened
    before the attach), the rest tracked, with no gap and none missing; the
    first tracked one comes after `after`. The newest one may be untracked
    too: the dump signal can come while its open is under way (a signal
    dump lists a record being written without it). Returns (first tracked,
    last tracked)."""
    recs = dump.numbered_targets(directory)
    indices = [i for i, _ in recs]
    tracked = [i for i, r in recs if r["tracked"]]
    untracked = [i for i, r in recs if not r["tracked"]]
    n = len(indices)
    ck.expect(indices == list(range(n)) and n > 0,
              "%s: the dump has every descriptor opened so far, %s/0..%d" % (what, directory, n - 1),
              "indices: %s" % indices[:20])
    first = tracked[0] if tracked else None
    in_flight = [n - 1] if n and untracked[-1:] == [n - 1] and first is not None and first < n - 1 else []
    ok = (first is not None and first > after and untracked == list(range(first)) + in_flight
          and tracked == list(range(first, n - len(in_flight))))
    ck.expect(ok, "%s: %d opened before the attach are untracked (0..%s), %d opened since are tracked "
              "(%s..%s)%s" % (what, len(untracked) - len(in_flight), None if first is None else first - 1,
                              len(tracked), first, tracked[-1] if tracked else None,
                              ", the newest one's open under way at the dump" if in_flight else ""),
              "untracked: %s...%s\ntracked: %s...%s" % (untracked[:5], untracked[-5:], tracked[:5], tracked[-5:]))
    kinds = set(r["kind"] for _, r in recs)
    ck.expect(kinds == {"file"} and all("call" not in r for i, r in recs if not r["tracked"]),
              "%s: the untracked ones are files with their targets and no creating call" % what,
              "kinds %s" % kinds)
    return first, (tracked[-1] if tracked else None)


def real_python() -> str:
    """The interpreter itself, not a version manager's shim (pyenv's
    python3 is a bash script)."""
    try:
        out = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
        if out and os.path.exists(out):
            return os.path.realpath(out)
    except Exception:
        pass
    return os.path.realpath(sys.executable)
