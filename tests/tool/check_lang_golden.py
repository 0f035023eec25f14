#!/usr/bin/python3
"""Language frames in reports (dump format 2): golden outputs of hand-written dumps.

golden/lang/node_python.jsonl is a format-2 dump written by hand (see
golden/lang/README.md): a Node.js function opening a file 4 times from two
V8 tiers (two native stacks, one language stack), sockets made after an
async hop from a handler through a node_modules dependency, a Python
function opening 2 files through two CPython C paths, a Python socket below
the standard library, a native-only socket, and a file opened by node:
internals alone. `fdscope report` of it, as text, --all-frames text, json
and folded, must equal the golden files byte for byte, and the checker
spells out what they say: exact sites, counts, frames, lines, columns and
async marks, tiers and interpreter paths not splitting a site.

golden/lang/format1.jsonl is docs/dump-format.md's example (format 1): read
as before.

A perf map beside a copy of the format-2 dump names its JIT frames, and the
language stacks still decide the sites.

--update rewrites the golden files from this run (check the diff!).
"""

import json
import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "lang")
DUMP = os.path.join(GOLDEN, "node_python.jsonl")
OUTPUTS = (("report.txt", []), ("report_all_frames.txt", ["--all-frames"]),
           ("report.json", ["--format", "json"]), ("report.folded", ["--format", "folded"]))


def main():
    ap = toollib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = ap.parse_args()
    toollib.run_checker("fdscope report: language frames (format 2), golden", lambda ck, tmp: check(ck, tmp, args),
                        args)


def report(ck, args, env, argv, dump=DUMP):
    r = toollib.run([args.fdscope, "report"] + argv + [dump], env)
    ck.require(r.returncode == 0 and r.stderr == "",
               "fdscope report %s exits 0, nothing on stderr" % " ".join(argv), r.describe())
    return r.stdout


def lang_view(frame):
    return {k: frame.get(k) for k in ("lang", "function", "file", "line", "column", "async")}


def js(fn, file, line, column, is_async=None):
    return {"lang": "js", "function": fn, "file": file, "line": line, "column": column, "async": is_async}


def py(fn, file, line):
    return {"lang": "python", "function": fn, "file": file, "line": line, "column": None, "async": None}


def check_sites(ck, rep):
    toollib.check_report_shape(ck, rep, "json: the report's shape, language frames included")
    ck.expect_equal([rep[k] for k in ("dumps", "processes", "descriptors", "untracked")], [1, 1, 12, 1],
                    "json: 1 dump, 1 process, 12 descriptors, 1 untracked")
    sites = rep["sites"]
    ck.expect_equal([s["count"] for s in sites], [4, 3, 2, 1, 1, 1], "json: six sites, 4 3 2 1 1 1")
    if len(sites) != 6:
        return
    lead = [[lang_view(f) for f in s["frames"] if "lang" in f] for s in sites]
    ck.expect_equal(lead[0], [js("openConfig", "/abs/leak.js", 3, 20), js("main", "/abs/leak.js", 10, 3),
                              js("Module._compile", "node:internal/modules/cjs/loader", 1521, 14)],
                    "json: openConfig's 4 opens from two V8 tiers are one site, at leak.js:3:20 "
                    "(runtime frames after the user's code kept)")
    ck.expect_equal(sites[0]["targets"], [{"target": "/abs/app.conf", "count": 4}], "json: openConfig's target")
    ck.expect_equal(lead[1], [js("handler", "/abs/index.mjs", 7, 22, True), js("", "/abs/index.mjs", 30, 1)],
                    "json: the async socket site starts at handler (index.mjs:7:22), marked async; "
                    "node:net and node_modules frames before it left out")
    ck.expect_equal(sites[1]["targets"], [{"target": "tcp -> 10.0.0.5:3306", "count": 3}],
                    "json: the handler's sockets, by peer")
    ck.expect_equal(lead[2], [py("open_logs", "/abs/leak.py", 12), py("main", "/abs/leak.py", 30),
                              py("<module>", "/abs/leak.py", 33)],
                    "json: open_logs's 2 opens through two CPython C paths are one site, at leak.py:12")
    ck.expect_equal(lead[3][:2], [py("connect_cache", "/abs/leak.py", 20), py("main", "/abs/leak.py", 31)],
                    "json: the Python socket starts at connect_cache below socket.py (the standard library)")
    ck.expect_equal((lead[4], [f["function"] for f in sites[4]["frames"]]), ([], ["uv__socket", "main"]),
                    "json: the native-only socket (same native stack as the handler's) is a site of its own")
    ck.expect_equal(lead[5], [js("readFileSync", "node:fs", 453, 20),
                              js("", "node:internal/main/run_main_module", 28, 49)],
                    "json: a site of node: frames only keeps them")
    natives = [[f["function"] for f in s["frames"] if "lang" not in f] for s in sites]
    ck.expect_equal(natives[0], ["uv_fs_open", "", "main"],
                    "json: native frames follow the language frames, libc's folded away")
    ck.expect(all(list(f.keys())[:1] == ["function"] for s in sites for f in s["frames"]),
              "json: every frame starts with function")


def check_text(ck, text, all_frames):
    blocks = text.split("\n\n")
    ck.expect_equal(blocks[0], "12 descriptors open from 6 call sites (1 dump, 1 process; 1 untracked)",
                    "text: the summary line")
    if len(blocks) < 5:
        return
    if not all_frames:
        ck.expect(blocks[2].splitlines()[2:4] == ["    -- async --", "    #0  handler  /abs/index.mjs:7:22  (js)"],
                  "text: '-- async --' before the handler, at file:line:column", blocks[2])
        ck.expect("    #0  open_logs  /abs/leak.py:12  (python)" in blocks[3].splitlines(),
                  "text: Python frames at file:line", blocks[3])
        ck.expect("    #1  (anonymous)  /abs/index.mjs:30:1  (js)" in blocks[2].splitlines(),
                  "text: an anonymous function is (anonymous)", blocks[2])
    else:
        lines = blocks[2].splitlines()
        ck.expect(lines[2:6] == ["    #0  internalConnect  node:net:1094:10  (js)",
                                 "    #1  processTicksAndRejections  node:internal/process/task_queues:82:21  (js)",
                                 "    -- async --", "    #2  connect  node:net:236:17  (js)"],
                  "text --all-frames: node: frames kept, '-- async --' before the scheduling section", blocks[2])


def check_folded(ck, folded):
    lines = folded.splitlines()
    ck.expect_equal(len(lines), 6, "folded: one line per site")
    if lines:
        ck.expect_equal(lines[1], "main;uv__socket;(anonymous) (/abs/index.mjs:30:1);handler (/abs/index.mjs:7:22) 3",
                        "folded: language frames as 'function (file:line:column)', outermost first")


def check_perf_map(ck, args, env, tmp):
    work = os.path.join(tmp, "perf")
    os.mkdir(work)
    dump = os.path.join(work, "fdscope.4242.jsonl")
    shutil.copy(DUMP, dump)
    with open(os.path.join(work, "perf-4242.map"), "w") as f:
        f.write("7f0000001000 100 JS:~openConfig /abs/leak.js:3:20\n7f0000009000 100 JS:^openConfig /abs/leak.js:3:20\n")
    rep = toollib.load_json_ordered(report(ck, args, env, ["--format", "json"], dump))
    s = rep["sites"][0] if rep["sites"] else {"frames": [], "count": 0}
    ck.expect_equal((len(rep["sites"]), s["count"], s["frames"][0].get("function") if s["frames"] else None),
                    (6, 4, "openConfig"), "perf map: the same sites, the language frame first")
    ck.expect("JS:~openConfig /abs/leak.js:3:20" in [f["function"] for f in s["frames"]],
              "perf map: the JIT frame below the language frames is named from it",
              json.dumps(s["frames"], indent=1))


def check_format1(ck, args, env):
    rep = toollib.load_json_ordered(report(ck, args, env, ["--format", "json"], os.path.join(GOLDEN, "format1.jsonl")))
    toollib.check_report_shape(ck, rep, "format 1: the report's shape")
    ck.expect_equal([(s["count"], [f["function"] for f in s["frames"]], s["targets"]) for s in rep["sites"]],
                    [(2, ["connect_db", "main"], [{"target": "tcp -> 10.0.0.5:3306", "count": 2}])],
                    "format 1 (docs/dump-format.md's example): one site, connect_db, 2 sockets")


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    outputs = {name: report(ck, args, env, argv) for name, argv in OUTPUTS}
    check_sites(ck, toollib.load_json_ordered(outputs["report.json"]))
    check_text(ck, outputs["report.txt"], False)
    check_text(ck, outputs["report_all_frames.txt"], True)
    check_folded(ck, outputs["report.folded"])
    check_perf_map(ck, args, env, tmp)
    check_format1(ck, args, env)
    if args.update:
        for name, text in outputs.items():
            with open(os.path.join(GOLDEN, name), "w") as f:
                f.write(text)
        ck.note("golden files rewritten in %s" % GOLDEN)
    import difflib
    for name, actual in outputs.items():
        with open(os.path.join(GOLDEN, name)) as f:
            expected = f.read()
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "golden/lang/" + name, "actual"))
        ck.expect(actual == expected, "%s matches golden/lang/%s" % (name, name), diff)


if __name__ == "__main__":
    main()
