"""Reading the log stream of a Lambda case, and the fdscope dumps in it."""

import json
import re

import dumplib

class LogStream:
    """The capture file: platform lines, the runtime's own output, fdscope's
    dump lines (JSON objects with type/pid/seq/run), its summary lines
    (`fdscope: ...`) and its EMF lines ({"_aws": ...})."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            self.lines = f.readlines()
        self.start_line = {}        # request id -> line index of its START line
        self.dump_lines = []        # (line index, text) of fdscope dump objects
        self.emf = []               # (line index, parsed object)
        self.fdscope_text = []      # (line index, text) of fdscope's summary/log lines
        for i, line in enumerate(self.lines):
            m = re.match(r"START RequestId: (\S+) ", line)
            if m:
                self.start_line[m.group(1)] = i
                continue
            j = line.find("{")
            if j >= 0:
                try:
                    obj = json.loads(line[j:])
                except ValueError:
                    obj = None
                if isinstance(obj, dict) and all(k in obj for k in dumplib.IDENTITY_KEYS):
                    self.dump_lines.append((i, line[j:]))
                    continue
                if isinstance(obj, dict) and "_aws" in obj:
                    self.emf.append((i, obj))
                    continue
            if line.startswith("fdscope"):
                self.fdscope_text.append((i, line.rstrip("\n")))
        self.dumps = dumplib.parse_lines([t for _, t in self.dump_lines], path)
        # Line index of each dump's header.
        self.header_line = {}
        for i, text in self.dump_lines:
            obj = json.loads(text)
            if obj["type"] == "header":
                self.header_line[(obj["pid"], obj["run"], obj["seq"])] = i

    def fdscope_lines_by_pid(self):
        """fdscope's text lines with the pid they belong to: a summary
        starts with `fdscope: pid N ...`, and its indented continuation
        lines (`fdscope: pid N:   645 x ...`) name it too; None when a line
        names no process."""
        out = []
        for i, text in self.fdscope_text:
            m = re.match(r"fdscope: pid (\d+)[ :]", text)
            pid = int(m.group(1)) if m else None
            out.append((pid, text))
        return out

    def line_of(self, dump):
        return self.header_line.get(dump.identity, -1)

    def prefix(self, end_line, path):
        """Writes lines [0, end_line) to `path`: the log stream as it was
        when line `end_line` was written."""
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(self.lines[:end_line])
        return path


def check_dumps_consistent(ck, log):
    for d in log.dumps:
        probs = dumplib.consistency_problems(d)
        ck.expect(not probs, "%s is complete and consistent" % d.summary(), "\n".join(probs))


def db_sockets(env, d):
    """The dump's sockets connected to the database: the leaked connections."""
    suffix = " -> 127.0.0.1:%d" % env.db.port
    return [f for f in d.fds if f.kind == "socket" and f.target.endswith(suffix)]
