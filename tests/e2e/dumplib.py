"""Shared helpers of the fdscope end-to-end checkers (stdlib only).

Parses fdscope dump files (JSON Lines, one dump = header, module*, stack*,
fd*, end, every line carrying type/pid/seq/run), groups the lines of each
dump by their identity (pid, run, seq), detects dumps cut short (no "end"
line, or a torn last line), resolves stack ids to frame lists, and runs real
programs under libfdscope.so with a timeout.

Every checker uses it the same way:

    ck = Checker("node leaks")
    proc = run_program([...], shim=args.shim, options="at_exit=1", outdir=d)
    dumps = ck.single_process_dumps(d, proc_pid)
    ck.expect(cond, "what must hold", details)
    ...
    ck.done()
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

DEFAULT_TIMEOUT = 60.0

# The format the library writes (docs/dump-format.md).
FORMAT = 2

# Line types of the format and the keys each must carry besides the identity.
IDENTITY_KEYS = ("type", "pid", "seq", "run")
REQUIRED_KEYS = {
    "header": ("format", "fdscope", "reason", "ppid", "exe", "argv", "host", "time",
               "time_ms", "rlimit_soft", "rlimit_hard", "open", "tracked"),
    "module": ("id", "path", "base", "build_id"),
    "stack": ("id", "frames"),
    "fd": ("fd", "kind", "target", "tracked"),
    "end": ("fds", "stacks", "modules", "skipped"),
}
TRACKED_FD_KEYS = ("call", "flags", "time_ms", "age_ms", "tid", "thread", "stack")
KINDS = {"file", "dir", "socket", "pipe", "fifo", "eventfd", "epoll", "timerfd", "signalfd",
         "inotify", "memfd", "pty", "chr", "other"}
REASONS = {"threshold", "emfile", "signal", "exit", "request"}


class CheckFailed(Exception):
    """An expectation of a checker did not hold."""


class DumpFormatError(CheckFailed):
    """A dump file is not well-formed JSON Lines of the documented format."""


# --------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------

@dataclass
class Frame:
    addr: int
    module: Optional[int] = None        # None: not in any mapped module (JIT code)
    module_path: Optional[str] = None
    offset: Optional[int] = None
    function: Optional[str] = None      # None: the symbol could not be resolved
    # Language frames (format 2): "js" or "python"; None for native frames.
    lang: Optional[str] = None
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    is_async: bool = False              # first frame of the code that scheduled the work

    @property
    def is_jit(self) -> bool:
        """A frame outside every module: JIT-compiled code (V8), no name."""
        return self.module is None and self.lang is None

    def label(self) -> str:
        if self.lang:
            where = "%s:%s" % (self.file, self.line)
            if self.column:
                where += ":%s" % self.column
            return "%s %s" % (self.function or "(anonymous)", where)
        if self.function:
            return self.function
        if self.module_path:
            return "%s+0x%x" % (os.path.basename(self.module_path), self.offset or 0)
        return "[jit 0x%x]" % self.addr


@dataclass
class FdRecord:
    raw: dict

    def __getattr__(self, name):
        try:
            return self.raw[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, key, default=None):
        return self.raw.get(key, default)

    @property
    def connect_stack(self) -> Optional[int]:
        return self.raw.get("connect_stack")


@dataclass
class Dump:
    pid: int
    run: str
    seq: int
    path: str
    header: Optional[dict] = None
    end: Optional[dict] = None
    modules: Dict[int, dict] = field(default_factory=dict)
    stacks: Dict[int, List[Frame]] = field(default_factory=dict)
    fds: List[FdRecord] = field(default_factory=list)
    torn: bool = False          # the file ended in the middle of one of its lines
    problems: List[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.header is not None and self.end is not None and not self.torn

    @property
    def reason(self) -> Optional[str]:
        return self.header.get("reason") if self.header else None

    @property
    def identity(self) -> Tuple[int, str, int]:
        return (self.pid, self.run, self.seq)

    def tracked(self) -> List[FdRecord]:
        return [f for f in self.fds if f.tracked]

    def untracked(self) -> List[FdRecord]:
        return [f for f in self.fds if not f.tracked]

    def find(self, fd: int) -> Optional[FdRecord]:
        for f in self.fds:
            if f.fd == fd:
                return f
        return None

    def frames(self, stack_id: Optional[int]) -> List[Frame]:
        if not stack_id:
            return []
        return self.stacks.get(stack_id, [])

    def functions(self, stack_id: Optional[int]) -> List[Optional[str]]:
        return [f.function for f in self.frames(stack_id)]

    def named_functions(self, stack_id: Optional[int]) -> List[str]:
        return [f.function for f in self.frames(stack_id) if f.function]

    def stack_has(self, stack_id: Optional[int], needle: str) -> bool:
        return any(needle in fn for fn in self.named_functions(stack_id))

    def describe_stack(self, stack_id: Optional[int], limit: int = 40) -> str:
        frames = self.frames(stack_id)
        if not frames:
            return "<no stack %r>" % (stack_id,)
        text = " < ".join(f.label() for f in frames[:limit])
        if len(frames) > limit:
            text += " < ... (%d more)" % (len(frames) - limit)
        return text

    def summary(self) -> str:
        return "dump pid=%d seq=%d run=%s reason=%s (%s, %d fd lines, %d tracked)" % (
            self.pid, self.seq, self.run, self.reason,
            "complete" if self.complete else "INCOMPLETE", len(self.fds), len(self.tracked()))


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

def _parse_frame(raw: dict, modules: Dict[int, dict]) -> Frame:
    if "lang" in raw:
        return Frame(addr=0, lang=raw["lang"], function=raw["function"], file=raw["file"],
                     line=raw["line"], column=raw.get("column"),
                     is_async=bool(raw.get("async", False)))
    addr = int(raw["addr"], 16)
    module = raw.get("module")
    offset = int(raw["offset"], 16) if "offset" in raw else None
    path = modules[module]["path"] if module is not None and module in modules else None
    return Frame(addr=addr, module=module, module_path=path, offset=offset,
                 function=raw.get("function"))


def parse_lines(lines: Iterable[str], path: str = "<stream>",
                events: Optional[List[dict]] = None) -> List[Dump]:
    """Parses every dump in a JSON Lines stream, in order of first appearance.

    Lines are grouped by (pid, run, seq), so dumps interleaved in one stream
    are kept apart. A dump without its "end" line, or whose last line was
    torn, is returned with complete == False. Anything that is not a JSON
    object with the identity keys raises DumpFormatError, except a torn
    final line (a dump cut short), which marks the dump being written.
    Objects with the identity keys but a type that is not a dump line
    (events the library writes between dumps, such as "double_close") are
    not part of any dump: they are appended to `events` if given.
    """
    dumps: Dict[Tuple[int, str, int], Dump] = {}
    order: List[Tuple[int, str, int]] = []
    raw_stacks: Dict[Tuple[int, str, int], Dict[int, list]] = {}
    lines = list(lines)
    last: Optional[Tuple[int, str, int]] = None
    for n, line in enumerate(lines, 1):
        is_last = n == len(lines)
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            if is_last and not line.endswith("\n"):
                if last is not None:
                    dumps[last].torn = True
                continue
            raise DumpFormatError("%s:%d: not JSON (%s): %.200s" % (path, n, e, line))
        if not isinstance(obj, dict) or any(k not in obj for k in IDENTITY_KEYS):
            raise DumpFormatError("%s:%d: line lacks one of %s: %.200s" % (path, n, IDENTITY_KEYS, line))
        kind = obj["type"]
        if kind not in REQUIRED_KEYS:
            if not isinstance(kind, str) or not kind:
                raise DumpFormatError("%s:%d: bad line type %r" % (path, n, kind))
            if events is not None:
                events.append(obj)
            continue
        missing = [k for k in REQUIRED_KEYS[kind] if k not in obj]
        if kind == "fd" and obj.get("tracked"):
            missing += [k for k in TRACKED_FD_KEYS if k not in obj]
        if missing:
            raise DumpFormatError("%s:%d: %s line lacks %s: %.300s" % (path, n, kind, missing, line))
        ident = (obj["pid"], obj["run"], obj["seq"])
        d = dumps.get(ident)
        if d is None:
            d = dumps[ident] = Dump(pid=obj["pid"], run=obj["run"], seq=obj["seq"], path=path)
            order.append(ident)
            raw_stacks[ident] = {}
        last = ident
        if d.end is not None:
            d.problems.append("line %d (%s) after the end line" % (n, kind))
        if kind == "header":
            if d.header is not None:
                d.problems.append("second header at line %d" % n)
            d.header = obj
        elif d.header is None:
            d.problems.append("line %d (%s) before the header" % (n, kind))
        if kind == "module":
            d.modules[obj["id"]] = obj
        elif kind == "stack":
            raw_stacks[ident][obj["id"]] = obj["frames"]
        elif kind == "fd":
            d.fds.append(FdRecord(obj))
        elif kind == "end":
            d.end = obj
    for ident in order:
        d = dumps[ident]
        for sid, frames in raw_stacks[ident].items():
            d.stacks[sid] = [_parse_frame(f, d.modules) for f in frames]
    return [dumps[i] for i in order]


def parse_file(path: str, events: Optional[List[dict]] = None) -> List[Dump]:
    with open(path, "r", encoding="utf-8", newline="") as f:
        return parse_lines(f.readlines(), path, events)


def dump_files(directory: str, pattern: str = "fdscope.*.jsonl*") -> List[str]:
    return sorted(glob.glob(os.path.join(directory, pattern)))


def parse_dir(directory: str, events: Optional[List[dict]] = None) -> List[Dump]:
    out: List[Dump] = []
    for p in dump_files(directory):
        out.extend(parse_file(p, events))
    return out


def consistency_problems(d: Dump) -> List[str]:
    """Cross-checks a complete dump against itself: counts in the header and
    end line, references from fd records to stacks and from frames to
    modules, kinds and reason from the documented sets."""
    p = list(d.problems)
    if not d.complete:
        p.append("dump is incomplete (no end line)" if d.end is None else "dump is torn")
        return p
    h, e = d.header, d.end
    if h["format"] != FORMAT:
        p.append("format %r, expected %d" % (h["format"], FORMAT))
    if h["reason"] not in REASONS:
        p.append("unknown reason %r" % h["reason"])
    if h["pid"] != d.pid or e["pid"] != d.pid:
        p.append("pid mismatch")
    if h["open"] != len(d.fds) or e["fds"] != len(d.fds):
        p.append("header open=%d / end fds=%d but %d fd lines" % (h["open"], e["fds"], len(d.fds)))
    if h["tracked"] != len(d.tracked()):
        p.append("header tracked=%d but %d tracked fd lines" % (h["tracked"], len(d.tracked())))
    if e["stacks"] != len(d.stacks):
        p.append("end stacks=%d but %d stack lines" % (e["stacks"], len(d.stacks)))
    if e["modules"] != len(d.modules):
        p.append("end modules=%d but %d module lines" % (e["modules"], len(d.modules)))
    seen = set()
    for f in d.fds:
        if f.fd in seen:
            p.append("fd %d listed twice" % f.fd)
        seen.add(f.fd)
        if f.kind not in KINDS:
            p.append("fd %d: unknown kind %r" % (f.fd, f.kind))
        if f.tracked:
            if f.stack not in d.stacks:
                p.append("fd %d: stack %r not in the dump" % (f.fd, f.stack))
            cs = f.connect_stack
            if cs is not None and cs not in d.stacks:
                p.append("fd %d: connect_stack %r not in the dump" % (f.fd, cs))
            ls = f.get("lang_stack")
            if ls is not None and (ls not in d.stacks or not all(fr.lang for fr in d.stacks[ls])):
                p.append("fd %d: lang_stack %r missing or not a language stack" % (f.fd, ls))
    for sid, frames in d.stacks.items():
        for fr in frames:
            if fr.module is not None and fr.module not in d.modules:
                p.append("stack %d: frame module %r not in the dump" % (sid, fr.module))
    return p


# --------------------------------------------------------------------------
# Running programs
# --------------------------------------------------------------------------

@dataclass
class Run:
    argv: List[str]
    returncode: int
    stdout: str
    stderr: str
    pid: int


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a program under test: this one without any
    preload or fdscope/Node/Python settings that could change its
    behaviour, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "FDSCOPE_OPTIONS", "NODE_OPTIONS", "PYTHONSTARTUP",
                        "PYTHONPATH", "PYTHONWARNINGS", "UV_THREADPOOL_SIZE")}
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run_program(argv: Sequence[str], shim: Optional[str], options: str = "",
                timeout: float = DEFAULT_TIMEOUT, cwd: Optional[str] = None,
                env_extra: Optional[Dict[str, str]] = None,
                rlimit_nofile: Optional[int] = None) -> Run:
    """Runs argv (with libfdscope.so preloaded when `shim` is given and
    FDSCOPE_OPTIONS=options), stdin from /dev/null, stdout and stderr
    captured, every other descriptor closed, bounded by `timeout`;
    with RLIMIT_NOFILE soft = hard = rlimit_nofile if given."""
    extra = dict(env_extra or {})
    if shim:
        extra["LD_PRELOAD"] = shim
        extra["FDSCOPE_OPTIONS"] = options
    env = clean_env(extra)
    preexec = None
    if rlimit_nofile:
        import resource

        def preexec():
            resource.setrlimit(resource.RLIMIT_NOFILE, (rlimit_nofile, rlimit_nofile))
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=cwd, close_fds=True,
                            text=True, errors="replace", preexec_fn=preexec)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise CheckFailed("%s did not finish within %.0f s\nstdout:\n%s\nstderr:\n%s"
                          % (" ".join(argv), timeout, out, err))
    return Run(argv=list(argv), returncode=proc.returncode, stdout=out, stderr=err, pid=proc.pid)


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

class Checker:
    """Collects expectations; prints one line per check; exits non-zero
    with the failed expectations (and context) at the end."""

    def __init__(self, name: str):
        self.name = name
        self.failures: List[str] = []
        self.passed = 0
        print("== %s" % name, flush=True)

    def note(self, text: str) -> None:
        print("   " + text.replace("\n", "\n   "), flush=True)

    def expect(self, cond: bool, what: str, details: str = "") -> bool:
        if cond:
            self.passed += 1
            print("ok   %s" % what, flush=True)
        else:
            msg = what + (("\n       " + details.replace("\n", "\n       ")) if details else "")
            self.failures.append(msg)
            print("FAIL %s" % msg, flush=True)
        return cond

    def require(self, cond: bool, what: str, details: str = "") -> None:
        """Like expect, but stops the checker: later checks depend on this."""
        if not self.expect(cond, what, details):
            self.done()

    def expect_equal(self, actual, expected, what: str, details: str = "") -> bool:
        ok = actual == expected
        d = "expected %r\n got      %r" % (expected, actual)
        if details:
            d += "\n" + details
        return self.expect(ok, what, "" if ok else d)

    def done(self) -> None:
        if self.failures:
            print("\n%s: %d check(s) FAILED, %d passed:" % (self.name, len(self.failures), self.passed),
                  file=sys.stderr)
            for f in self.failures:
                print("  - " + f, file=sys.stderr)
            sys.exit(1)
        print("%s: all %d checks passed" % (self.name, self.passed), flush=True)
        sys.exit(0)

    # Helpers shared by the checkers -------------------------------------

    def expect_run_ok(self, run: Run, what: str, code: int = 0) -> bool:
        return self.expect(run.returncode == code, "%s exits with %d" % (what, code),
                           "exit code %d\nstdout:\n%s\nstderr:\n%s"
                           % (run.returncode, run.stdout, run.stderr))

    def process_dumps(self, directory: str, pid: int) -> List[Dump]:
        """The dumps of process `pid` in `directory`, each checked for
        well-formedness and internal consistency."""
        try:
            dumps = [d for d in parse_dir(directory) if d.pid == pid]
        except DumpFormatError as e:
            self.require(False, "dump files in %s parse as documented" % directory, str(e))
            return []
        for d in dumps:
            probs = consistency_problems(d)
            self.expect(not probs, "%s is complete and consistent" % d.summary(), "\n".join(probs))
        return dumps

    def single_exit_dump(self, directory: str, pid: int) -> Dump:
        dumps = self.process_dumps(directory, pid)
        files = dump_files(directory)
        self.require(len(dumps) == 1,
                     "exactly one dump of pid %d (found %d)" % (pid, len(dumps)),
                     "dump files: %s\n%s" % (files, "\n".join(d.summary() for d in dumps)))
        d = dumps[0]
        self.require(d.complete, "the dump of pid %d is complete (header ... end)" % pid, d.summary())
        self.expect_equal(d.reason, "exit", "the dump's reason is \"exit\"")
        return d


def describe_fds(d: Dump, fds: Iterable[FdRecord]) -> str:
    lines = []
    for f in fds:
        s = "fd %d %s %r" % (f.fd, f.kind, f.target)
        if f.tracked:
            s += " call=%s stack=%s" % (f.call, d.describe_stack(f.stack, 6))
        else:
            s += " (untracked)"
        lines.append(s)
    return "\n".join(lines)


def shim_arg_parser(description: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--shim", required=True, help="path of libfdscope.so")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                    help="seconds each program may run (default %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return ap


def check_shim_path(path: str) -> str:
    if not os.path.isfile(path):
        print("error: --shim %s: no such file (build the fdscope target first)" % path,
              file=sys.stderr)
        sys.exit(2)
    return os.path.abspath(path)


def jit_frame_count(frames: Sequence[Frame]) -> int:
    return sum(1 for f in frames if f.is_jit)


# --------------------------------------------------------------------------
# What the runtimes themselves keep open
# --------------------------------------------------------------------------

OPEN_CALLS = {"open", "open64", "openat", "openat64", "__open_2", "__open64_2", "__openat_2",
              "__openat64_2"}


@dataclass
class RuntimeSite:
    """A descriptor a runtime creates for itself and keeps until exit."""
    name: str
    kind: str
    calls: frozenset
    innermost: str              # function name of the innermost frame
    through: Tuple[str, ...]    # functions (substrings) the stack must also contain
    count: int                  # how many descriptors of this site remain
    target: Optional[str] = None

    def matches(self, d: Dump, f: FdRecord) -> bool:
        if not f.tracked or f.kind != self.kind or f.call not in self.calls:
            return False
        if self.target is not None and f.target != self.target:
            return False
        names = d.functions(f.stack)
        if not names or names[0] != self.innermost:
            return False
        return all(d.stack_has(f.stack, t) for t in self.through)


# Node.js 20 (libuv 1.4x) keeps these at exit, whatever the script did:
# the default loop's epoll instance, its async eventfd, the signal pipe of
# uv_signal_init (both ends), all from uv_default_loop() in node::Start, and
# libuv's reserve descriptor on /dev/null, opened by uv__stream_init the first
# time a stream is created (stdout is a pipe under the checkers, so every
# script creates one) to shed connections when accept() fails with EMFILE.
NODE_RUNTIME_SITES = (
    RuntimeSite("loop epoll", "epoll", frozenset({"epoll_create1", "epoll_create"}),
                "uv__platform_loop_init", ("uv_loop_init", "node::Start"), 1),
    RuntimeSite("loop async eventfd", "eventfd", frozenset({"eventfd"}),
                "uv_async_init", ("uv_loop_init", "node::Start"), 1),
    RuntimeSite("loop signal pipe", "pipe", frozenset({"pipe2", "pipe"}),
                "uv__make_pipe", ("uv_signal_init", "uv_loop_init", "node::Start"), 2),
    RuntimeSite("libuv EMFILE reserve", "chr", frozenset(OPEN_CALLS),
                "uv__open_cloexec", ("uv__stream_init",), 1, target="/dev/null"),
)

# CPython keeps nothing open at exit that it created itself: every
# descriptor it opens during start-up (modules, encodings) is closed again.
PYTHON_RUNTIME_SITES: Tuple[RuntimeSite, ...] = ()


def classify_runtime(d: Dump, sites: Sequence[RuntimeSite]):
    """Splits the tracked descriptors of a dump into those of the given
    runtime sites ({site name: [records]}) and the rest."""
    found: Dict[str, List[FdRecord]] = {s.name: [] for s in sites}
    rest: List[FdRecord] = []
    for f in d.tracked():
        for s in sites:
            if s.matches(d, f):
                found[s.name].append(f)
                break
        else:
            rest.append(f)
    return found, rest


def expect_runtime_sites(ck: Checker, d: Dump, sites: Sequence[RuntimeSite], what: str) -> List[FdRecord]:
    """Checks that the runtime's own descriptors are present in exactly the
    documented numbers; returns the tracked descriptors that are not."""
    found, rest = classify_runtime(d, sites)
    for s in sites:
        ck.expect_equal(len(found[s.name]), s.count,
                        "%s: %d x %s (%s, innermost %s)" % (what, s.count, s.name, s.kind, s.innermost),
                        describe_fds(d, d.tracked()))
    return rest


# --------------------------------------------------------------------------
# ELF: does a binary carry a symbol table (.symtab) for its local functions?
# --------------------------------------------------------------------------

def elf_has_symtab(path: str) -> bool:
    import struct
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if ident[:4] != b"\x7fELF" or ident[4] != 2:  # ELF64 only
                return False
            endian = "<" if ident[5] == 1 else ">"
            shoff, = struct.unpack_from(endian + "Q", ident, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", ident, 0x3A)
            f.seek(shoff)
            table = f.read(shentsize * shnum)
            def sh(i):
                return struct.unpack_from(endian + "IIQQQQIIQQ", table, i * shentsize)
            strtab = sh(shstrndx)
            f.seek(strtab[4])
            names = f.read(strtab[5])
            for i in range(shnum):
                s = sh(i)
                if s[1] == 2:  # SHT_SYMTAB
                    end = names.index(b"\0", s[0])
                    if names[s[0]:end] == b".symtab" and s[5] > 0:
                        return True
    except (OSError, struct.error, ValueError):
        return False
    return False


# --------------------------------------------------------------------------
# A checker's frame
# --------------------------------------------------------------------------

@contextlib.contextmanager
def work_dir(prefix: str, keep: bool = False):
    """A fresh temporary directory for one checker run, removed after it
    (kept, and named, with --keep)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        yield tmp
    finally:
        if keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_checker(main) -> None:
    """Runs a checker's main(): a CheckFailed that escapes every check (a
    requirement that stops the run) is one FAIL line and exit status 1."""
    try:
        main()
    except CheckFailed as e:
        print("FAIL %s" % e, file=sys.stderr)
        sys.exit(1)
