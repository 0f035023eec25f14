"""Reading fdscope dump files (stdlib only).

Parses JSON Lines streams and files into dumps, grouping the lines of each
dump by its identity (pid, run, seq), detects dumps cut short (no "end"
line, or a torn last line), resolves stack ids to frame lists, and
cross-checks a dump against itself (consistency_problems).
"""

from __future__ import annotations

import glob
import json
import os
from typing import Dict, Iterable, List, Optional, Tuple

from check_errors import DumpFormatError
from dump_model import (FORMAT, IDENTITY_KEYS, KINDS, REASONS, REQUIRED_KEYS, TRACKED_FD_KEYS,
                        Dump, FdRecord, Frame)


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
