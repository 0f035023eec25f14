#!/usr/bin/python3
"""fdscope report on bad input: one clear line each, the rest still reported.

A good dump (leaky_service files good.target 3 1: 3 open()s of good.target
and a pipe, 5 descriptors, 3 untracked) is reported together with one bad
input at a time, made from a second real dump (leaky_service files
other.target 4 0: 4 open()s of other.target):

  truncated   the dump without its last two fd lines and its end line
  torn        the same, cut in the middle of a line (a process killed while
              writing)
  garbage     a line of garbage ("{garbage...") inserted after the header
  format      the header says "format":3 (this fdscope reads 1 and 2)
  empty       an empty file
  directory   a directory
  missing     a path that does not exist
  lost line   a complete dump with one of its fd lines missing, so that its
              end line's "fds" disagrees with what is there (a log export that
              dropped a line): a count that would be silently wrong

Each must give exit status 1 and exactly one line on stderr, "fdscope report:
PATH: message" or "fdscope report: PATH:LINE: message" where a line is at
fault (the torn dump may say both that the line is cut and that the dump is
truncated: at most two lines); never a crash, in text, json and folded; and
the good dump's counts intact in the json report: its site open_cache_file
holds good.target x 3, make_notify_pipe 2. The bad dumps' own descriptors:
a truncated dump is reported as far as it goes (2 of other.target), a dump
with a garbage line fully (4), a dump of an unknown format not at all. All
the bad inputs in one command: one line each, the good dump intact.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope report on bad input", lambda ck, tmp: check(ck, tmp, args), args)


def make_dump(ck, tmp, args, name, n, pipes):
    target = os.path.join(tmp, name + ".target")
    path = os.path.join(tmp, name + ".jsonl")
    env = toollib.preload_env(tmp, args.shim, "at_exit=1:log=none:output=%s" % path)
    r = toollib.run([args.program, "files", target, str(n), str(pipes)], env)
    ck.require(r.returncode == 0 and os.path.exists(path), "leaky_service files %s %d %d wrote a dump"
               % (name, n, pipes), r.describe())
    with open(path) as f:
        return path, target, f.read().splitlines(True)


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    good, good_target, _ = make_dump(ck, tmp, args, "good", 3, 1)
    other, other_target, lines = make_dump(ck, tmp, args, "other", 4, 0)
    pid = json.loads(lines[0])["pid"]
    types = [json.loads(l)["type"] for l in lines]
    tracked_fd = [i for i, l in enumerate(lines) if json.loads(l).get("tracked") is True]
    ck.require(types[0] == "header" and types[-1] == "end" and len(tracked_fd) == 4,
               "the second dump: header ... end, 4 tracked fd lines", "".join(lines))

    def report(*argv, fmt="json"):
        return toollib.run([args.fdscope, "report", "--format", fmt] + list(argv), env)

    def counts(rep):
        """(open_cache_file targets, make_notify_pipe count, dumps, processes, descriptors, untracked)"""
        oc = toollib.find_site(rep, "open_cache_file")
        mp = toollib.find_site(rep, "make_notify_pipe")
        targets = {t["target"]: t["count"] for s in oc for t in s["targets"]}
        return (targets, sum(s["count"] for s in mp), rep["dumps"], rep["processes"], rep["descriptors"],
                rep["untracked"])

    # The good dump alone.
    r = report(good)
    ck.require(r.returncode == 0 and r.stderr == "", "the good dump alone: exit 0, nothing on stderr",
               r.describe())
    base = counts(toollib.load_json_ordered(r.stdout))
    ck.require(base == ({good_target: 3}, 2, 1, 1, 5, 3),
               "the good dump alone: good.target x 3, a pipe (2), 5 descriptors, 3 untracked", repr(base))

    def write(name, content):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(content)
        return path

    cut = tracked_fd[2]  # keeps header, modules, stacks, untracked fds and 2 tracked fds
    torn_line = lines[cut][: len(lines[cut]) // 2]
    lost = tracked_fd[1]
    cases = [
        # name, path, message pattern (after "PATH"), its good.target/other.target counts, dumps/processes add
        ("truncated", write("truncated.jsonl", "".join(lines[:cut])),
         r": dump 1 of pid %d is truncated.*" % pid, 2, 1),
        ("garbage", write("garbage.jsonl", "".join(lines[:1]) + "{garbage, not json at all\n" + "".join(lines[1:])),
         r":2: .*", 4, 1),
        ("format", write("format.jsonl", "".join([re.sub(r'"format":[12],', '"format":3,', lines[0])] + lines[1:])),
         r":1: .*format 3.*", 0, 0),
        ("empty", write("empty.jsonl", ""), r": .*empty.*", 0, 0),
        ("directory", os.path.join(tmp, "a-directory"), r": .*directory.*", 0, 0),
        ("missing", os.path.join(tmp, "no-such-file.jsonl"), r": .*(No such file|not exist|missing).*", 0, 0),
        ("lost line", write("lost.jsonl", "".join(lines[:lost] + lines[lost + 1:])), r"(:\d+)?: .*", 3, 1),
    ]
    os.mkdir(os.path.join(tmp, "a-directory"))
    ck.require(re.search(r'"format":[12],', lines[0]) is not None, "the header has \"format\":1 or 2")

    for name, path, pattern, other_count, extra_dumps in cases:
        for order in ((good, path), (path, good)):
            r = report(*order)
            what = "%s (%s)" % (name, "after the good dump" if order[0] == good else "before the good dump")
            check_one(ck, r, what, path, pattern)
            if r.returncode == 1 and r.stdout.startswith("{"):
                got = counts(toollib.load_json_ordered(r.stdout))
                want_targets = {good_target: 3}
                if other_count:
                    want_targets[other_target] = other_count
                ck.expect_equal(got[:2], (want_targets, 2),
                                "%s: the good dump's sites intact (good.target x 3, pipe 2), "
                                "other.target x %d" % (what, other_count))
                ck.expect_equal(got[2:4], (1 + extra_dumps, 1 + extra_dumps),
                                "%s: %d dump(s) of %d process(es)" % (what, 1 + extra_dumps, 1 + extra_dumps))
        for fmt in ("text", "folded"):
            r = report(good, path, fmt=fmt)
            check_one(ck, r, "%s, --format %s" % (name, fmt), path, pattern)
            if fmt == "text":
                ck.expect(r.stdout.startswith("%d descriptors open" % (5 + other_count)),
                          "%s, --format text: %d descriptors" % (name, 5 + other_count), r.describe())
            else:
                ck.expect(re.search(r";open_cache_file %d\n" % (3 + other_count), r.stdout) is not None,
                          "%s, --format folded: open_cache_file %d" % (name, 3 + other_count), r.describe())

    # Torn: cut in the middle of a line.
    torn = write("torn.jsonl", "".join(lines[:cut]) + torn_line)
    r = report(good, torn)
    err = r.stderr_lines()
    ck.expect(r.returncode == 1 and 1 <= len(err) <= 2
              and all(l.startswith("fdscope report: %s" % torn) for l in err)
              and any(re.search(r"truncated", l) for l in err),
              "torn: exit 1, at most two lines naming the file, saying the dump is truncated", r.describe())
    if r.returncode == 1:
        ck.expect_equal(counts(toollib.load_json_ordered(r.stdout))[:2], ({good_target: 3, other_target: 2}, 2),
                        "torn: the good dump intact, the torn dump as far as it goes")

    # All of them at once.
    paths = [c[1] for c in cases if c[0] != "lost line"]
    r = report(*([good] + paths))
    err = r.stderr_lines()
    ck.expect(r.returncode == 1 and len(err) == len(paths)
              and all(any(l.startswith("fdscope report: %s:" % p) for l in err) for p in paths),
              "all bad inputs in one command: exit 1, one line for each", r.describe())
    if r.returncode == 1:
        ck.expect_equal(counts(toollib.load_json_ordered(r.stdout))[:2], ({good_target: 3, other_target: 6}, 2),
                        "all bad inputs in one command: the good dump intact (and 2 + 4 of other.target)")

    # Only bad input: still a report, exit 1.
    r = report(os.path.join(tmp, "empty.jsonl"))
    ck.expect(r.returncode == 1 and len(r.stderr_lines()) == 1 and
              toollib.load_json_ordered(r.stdout)["dumps"] == 0 if r.stdout.startswith("{") else False,
              "only an empty file: exit 1, one line, a report of 0 dumps", r.describe())


def check_one(ck, r, what, path, pattern):
    err = r.stderr_lines()
    line_re = r"fdscope report: %s%s" % (re.escape(path), pattern)
    ck.expect(r.returncode == 1 and len(err) == 1 and re.fullmatch(line_re, err[0]) is not None,
              "%s: exit 1 and one line on stderr naming the file%s" % (
                  what, " and line" if pattern.startswith(r":\d") or pattern[1:2].isdigit() else ""),
              "line expected to match %r\n%s" % (line_re, r.describe()))
    ck.expect(r.returncode >= 0 and r.stdout != "", "%s: no crash, a report on stdout" % what)


if __name__ == "__main__":
    main()
