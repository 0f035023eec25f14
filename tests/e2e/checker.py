"""A checker's frame (stdlib only): Checker collects the expectations and
reports them, with the checks every checker shares (a program's exit
status, the dumps of one process); the command line (--shim, --timeout,
--keep), the temporary directory and the exit status of a run."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from typing import Iterable, List

from check_errors import CheckFailed, DumpFormatError
from dump_model import Dump, FdRecord
from dump_parse import consistency_problems, dump_files, parse_dir
from program_runner import DEFAULT_TIMEOUT, Run


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
