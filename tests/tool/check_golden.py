#!/usr/bin/python3
"""Golden files: `fdscope report` text, json and folded of a known leak.

Runs `leaky_service golden DIR` with libfdscope.so preloaded
(at_exit=1:log=none:output=<tmp>/dumps/fdscope.%p.jsonl). It leaks, at
lines marked in its source, 7 client sockets to its own listener
(connect_backend), 3 pipes = 6 descriptors (make_notify_pipe), 4 open()s
of DIR/cache.db (open_cache_file), 2 fopen()s of DIR/audit.log
(open_audit_log) and the listener (open_listener): 20 tracked descriptors
in 5 call sites of distinct sizes, plus stdin/stdout/stderr untracked.

`fdscope report` of its exit dump, as text, as --top 2 text, as
--format json, as --format folded and as --format json --all-frames (the C
runtime's frames kept), must equal tests/tool/golden/report*
after the normalisation described in tests/tool/golden/README.md (addresses,
ports, pipe inodes, ages and absolute directories replaced by placeholders; the C
runtime's frames, which vary with glibc, folded into one `$RUNTIME` frame;
`{{line:NAME}}` in a golden file is the line of the `@line:NAME` marker in
leaky_service.c). The JSON must also have exactly the SPEC's keys in the
SPEC's order, its sites sorted by count.

--update rewrites the golden files from this run (check the diff!).
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Normaliser:
    """Replaces what varies from run to run by placeholders (golden/README.md)."""

    def __init__(self, source, program, tmp, marks):
        self.paths = []
        for path, token in ((os.path.dirname(source), "$SRCDIR"), (os.path.dirname(program), "$PROGDIR"),
                            (tmp, "$TMP")):
            for p in {path, os.path.realpath(path)}:
                self.paths.append((p, token))
        self.paths.sort(key=lambda pt: -len(pt[0]))
        self.marks = marks

    def string(self, s):
        for path, token in self.paths:
            s = s.replace(path, token)
        s = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:$PORT", s)
        s = re.sub(r"pipe:\[\d+\]", "pipe:[$INODE]", s)
        return s

    def text(self, text):
        text = self.string(text)
        text = re.sub(r"\+0x[0-9a-f]+\)", "+0x$OFFSET)", text)
        text = re.sub(r"age \d+(?:\.\d+)?(?:ms|s|min|h)\.\.\d+(?:\.\d+)?(?:ms|s|min|h)",
                      "age $AGE..$AGE", text)
        return text

    def json(self, rep):
        out = {}
        for k, v in rep.items():
            out[k] = v
        out["top_processes"] = [dict(p, pid="$PID") for p in rep["top_processes"]]
        out["earlier_dumps"] = [dict(e, pid="$PID", time_ms="$TIME") for e in rep["earlier_dumps"]]
        out["sites"] = [self.site(s) for s in rep["sites"]]
        return out

    def site(self, s):
        frames = []
        for f in s["frames"]:
            if f["module"] and toollib.is_runtime_module(f["module"]):
                if frames and frames[-1]["function"] == "$RUNTIME":
                    continue
                frames.append({k: "$RUNTIME" for k in toollib.FRAME_KEYS})
                continue
            frames.append({"function": f["function"], "module": self.string(f["module"]),
                           "file": None if f["file"] is None else self.string(f["file"]),
                           "line": f["line"], "address": "$ADDRESS"})
        return {"count": s["count"], "kinds": s["kinds"],
                "targets": [{"target": self.string(t["target"]), "count": t["count"]}
                            for t in s["targets"]],
                "oldest_ms": "$AGE", "newest_ms": "$AGE", "peak": s["peak"],
                "peak_time_ms": None if s["peak_time_ms"] is None else "$TIME",
                "processes": s["processes"], "most_in_process": s["most_in_process"],
                "executables": s["executables"], "frames": frames}

    def folded(self, folded, rep):
        """Folded lines, their C runtime frames (told by the JSON report's
        frames of the same site, in the same order) folded into $RUNTIME."""
        out = []
        lines = folded.rstrip("\n").split("\n") if folded.strip() else []
        open_sites = [s for s in rep["sites"] if s["count"] > 0]  # folded counts what is open
        if len(lines) != len(open_sites):
            raise CheckFailed("folded has %d lines, json %d open sites" % (len(lines), len(open_sites)))
        for line, site in zip(lines, open_sites):
            stack, _, count = line.rpartition(" ")
            names = stack.split(";")
            frames = list(reversed(site["frames"]))
            if len(names) != len(frames):
                raise CheckFailed("folded line %r has %d frames, the json site %d"
                                  % (line, len(names), len(frames)))
            parts = []
            for name, f in zip(names, frames):
                if f["module"] and toollib.is_runtime_module(f["module"]):
                    if parts and parts[-1] == "$RUNTIME":
                        continue
                    parts.append("$RUNTIME")
                else:
                    parts.append(re.sub(r"\+0x[0-9a-f]+$", "+0x$OFFSET", name))
            out.append("%s %s" % (";".join(parts), count))
        return "\n".join(out) + "\n"

    # Golden files hold {{line:NAME}} where the line of marker NAME goes.
    def expand(self, golden_text):
        def line_of(m):
            name = m.group(1)
            if name not in self.marks:
                raise CheckFailed("golden file names marker %s, not in the source" % name)
            return str(self.marks[name])
        return re.sub(r"\{\{line:([^}]+)\}\}", line_of, golden_text)

    def unexpand_text(self, text):
        by_line = {v: k for k, v in self.marks.items()}
        return re.sub(r"\$SRCDIR/leaky_service\.c:(\d+)",
                      lambda m: "$SRCDIR/leaky_service.c:{{line:%s}}" % by_line[int(m.group(1))]
                      if int(m.group(1)) in by_line else m.group(0), text)

    def unexpand_json(self, rep):
        by_line = {v: k for k, v in self.marks.items()}
        for s in rep["sites"]:
            for f in s["frames"]:
                if f["file"] == "$SRCDIR/leaky_service.c" and f["line"] in by_line:
                    f["line"] = "{{line:%s}}" % by_line[f["line"]]
        return rep


def expand_json(obj, marks):
    if isinstance(obj, dict):
        return {k: expand_json(v, marks) for k, v in obj.items()}
    if isinstance(obj, list):
        return [expand_json(v, marks) for v in obj]
    if isinstance(obj, str):
        m = re.fullmatch(r"\{\{line:([^}]+)\}\}", obj)
        if m:
            if m.group(1) not in marks:
                raise CheckFailed("golden file names marker %s, not in the source" % m.group(1))
            return marks[m.group(1)]
    return obj


def compare(ck, actual, golden_path, expected, what):
    import difflib
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        "expected (%s)" % os.path.basename(golden_path),
                                        "actual (normalised)"))
    ck.expect(actual == expected, what, diff)


def main():
    ap = toollib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--golden", default=os.path.join(HERE, "golden"))
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = ap.parse_args()
    toollib.run_checker("fdscope report: golden text, json and folded of leaky_service",
                        lambda ck, tmp: check(ck, tmp, args), args)


def check(ck, tmp, args):
    marks = toollib.markers(args.source)
    work = os.path.join(tmp, "work")
    dumps = os.path.join(tmp, "dumps")
    os.mkdir(work)
    os.mkdir(dumps)
    env = toollib.preload_env(tmp, args.shim, "at_exit=1:log=none:output=%s/fdscope.%%p.jsonl" % dumps)
    prog = toollib.run([args.program, "golden", work], env)
    ck.require(prog.returncode == 0 and prog.stderr == "", "leaky_service golden exits 0, stderr empty",
               prog.describe())
    ck.expect_equal(prog.stdout, "leaky_service: 7 backend connections, 3 notify pipes, "
                                 "4 cache handles, 2 audit logs\n", "its stdout is its own")
    files = sorted(os.listdir(dumps))
    ck.require(len(files) == 1 and re.fullmatch(r"fdscope\.\d+\.jsonl", files[0]) is not None,
               "one dump file, fdscope.PID.jsonl", "files: %s" % files)
    dump = os.path.join(dumps, files[0])

    env = toollib.base_env(tmp)
    norm = Normaliser(args.source, args.program, tmp, marks)
    outputs = {}
    for name, argv in (("report.txt", []), ("report_top2.txt", ["--top", "2"]),
                       ("report.json", ["--format", "json"]), ("report.folded", ["--format", "folded"]),
                       ("report_all_frames.json", ["--format", "json", "--all-frames"])):
        r = toollib.run([args.fdscope, "report"] + argv + [dump], env)
        ck.require(r.returncode == 0 and r.stderr == "",
                   "fdscope %s exits 0 with nothing on stderr" % " ".join(["report"] + argv), r.describe())
        outputs[name] = r.stdout

    rep = toollib.load_json_ordered(outputs["report.json"])
    toollib.check_report_shape(ck, rep, "json: the SPEC's keys in its order, types, sites by count")
    rep_all = toollib.load_json_ordered(outputs["report_all_frames.json"])
    toollib.check_report_shape(ck, rep_all, "json --all-frames: the SPEC's keys in its order, types, sites by count")

    # What the golden files say, spelled out (clearer failures than a diff).
    ck.expect_equal([rep[k] for k in ("dumps", "processes", "descriptors", "untracked")], [1, 1, 20, 3],
                    "json: 1 dump, 1 process, 20 descriptors, 3 untracked (stdin, stdout, stderr)")
    expected_sites = [("connect_backend", 7, "socket"), ("make_notify_pipe", 6, "pipe"),
                      ("open_cache_file", 4, "file"), ("open_audit_log", 2, "file"),
                      ("open_listener", 1, "socket")]
    ck.expect_equal([(toollib.program_functions(s)[:1] or ["?"])[0] for s in rep["sites"]],
                    [e[0] for e in expected_sites],
                    "json: the sites, largest first, start at the leaking functions")
    for fn, count, kind in expected_sites:
        sites = toollib.find_site(rep, fn)
        if not ck.expect(len(sites) == 1, "json: one site for %s" % fn):
            continue
        s = sites[0]
        ck.expect_equal((s["count"], s["kinds"]), (count, {kind: count}), "json: %s: count and kinds" % fn)
        f0 = s["frames"][0]
        ck.expect(f0["function"] == fn and f0["file"] is not None and f0["file"].endswith("/leaky_service.c")
                  and f0["line"] == marks[fn],
                  "json: %s's innermost frame is leaky_service.c:%d (from DWARF)" % (fn, marks[fn]),
                  json.dumps(f0))
        f1 = s["frames"][1] if len(s["frames"]) > 1 else {}
        ck.expect(f1.get("function") == "run_golden" and f1.get("line") == marks["run_golden->" + fn],
                  "json: %s's caller frame is run_golden at leaky_service.c:%d"
                  % (fn, marks["run_golden->" + fn]), json.dumps(f1))

    # Colour on a terminal only (the outputs above went to pipes).
    for name in outputs:
        ck.expect("\033[" not in outputs[name], "%s: no colour when stdout is not a terminal" % name)
    tty = toollib.run_on_terminal([args.fdscope, "report", dump], env)
    ck.expect(tty.returncode == 0 and "\033[" in tty.stdout and "connect_backend" in tty.stdout,
              "text on a terminal is in colour", tty.describe())
    plain_env = dict(env, NO_COLOR="1")
    tty = toollib.run_on_terminal([args.fdscope, "report", dump], plain_env)
    ck.expect(tty.returncode == 0 and "\033[" not in tty.stdout and "connect_backend" in tty.stdout,
              "text on a terminal with NO_COLOR=1 has no colour", tty.describe())
    ck.expect_equal(norm.text(tty.stdout.replace("\r\n", "\n")), norm.text(outputs["report.txt"]),
                    "text on a terminal with NO_COLOR=1 is the text written to a pipe")

    normalised = {
        "report.txt": norm.text(outputs["report.txt"]),
        "report_top2.txt": norm.text(outputs["report_top2.txt"]),
        "report.json": json.dumps(norm.json(rep), indent=2) + "\n",
        "report.folded": norm.folded(outputs["report.folded"], rep),
        "report_all_frames.json": json.dumps(norm.json(rep_all), indent=2) + "\n",
    }
    if args.update:
        for name, text in normalised.items():
            if name.endswith(".json"):
                text = json.dumps(norm.unexpand_json(json.loads(text)), indent=2) + "\n"
            else:
                text = norm.unexpand_text(text)
            with open(os.path.join(args.golden, name), "w") as f:
                f.write(text)
        ck.note("golden files rewritten in %s" % args.golden)

    for name, actual in normalised.items():
        path = os.path.join(args.golden, name)
        with open(path) as f:
            golden = f.read()
        if name.endswith(".json"):
            expected = json.dumps(expand_json(toollib.load_json_ordered(golden), marks), indent=2) + "\n"
        else:
            expected = norm.expand(golden)
        compare(ck, actual, path, expected, "%s matches golden/%s" % (
            {"report.txt": "text", "report_top2.txt": "text --top 2", "report.json": "json",
             "report.folded": "folded", "report_all_frames.json": "json --all-frames"}[name], name))


if __name__ == "__main__":
    main()
