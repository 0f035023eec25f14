"""The fdscope dump format and its data model (stdlib only).

The format's version, its line types and the keys each must carry, the
documented descriptor kinds and dump reasons (docs/dump-format.md), and the
parsed dump: Dump (one dump's header, modules, stacks, fd records and end
line), FdRecord and Frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

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


def jit_frame_count(frames: Sequence[Frame]) -> int:
    return sum(1 for f in frames if f.is_jit)
