#!/usr/bin/python3
"""fdscope diff: the growing call site first, with its exact growth.

`leaky_service grow DIR B` opens a listener and two settings files (one per
line, two sites that never grow), then runs B batches of 5 client sockets
(connect_backend) and 1 cache file (open_cache_file), sending itself SIGUSR2
after each batch: the library writes a signal dump each time, and one more
at exit. A pipe made in batch 1 is closed in batch B (a site that shrinks).

With B = 4 the file holds dumps 1..4 (signal) and 5 (exit):
- `diff FILE` (first vs last dump): connect_backend +15 (5 -> 20), then
  open_cache_file +3 (1 -> 4), and nothing else (11 -> 27 descriptors);
- `diff OLD NEW` with OLD = dump 2 and NEW = dump 4 of that file split in
  two: +10 (10 -> 20), +2 (2 -> 4);
- `diff OLD NEW` with the files of two runs, B = 1 and B = 3: +10 (5 -> 15),
  +2 (1 -> 3);
both as text and as --format json. Also: `report` shows the last dump,
`report --all` every dump (5+10+15+20+20 sockets); a file with one dump has
nothing to compare (exit 1); bad command lines give 2.
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
    toollib.run_checker("fdscope diff on a growing leak", lambda ck, tmp: check(ck, tmp, args), args)


def grow(ck, tmp, args, name, batches):
    work = os.path.join(tmp, name)
    os.mkdir(work)
    dump = os.path.join(work, "grow.jsonl")
    env = toollib.preload_env(tmp, args.shim, "at_exit=1:log=none:output=%s" % dump)
    r = toollib.run([args.program, "grow", work, str(batches)], env)
    ck.require(r.returncode == 0 and r.stdout == "leaky_service: %d batches\n" % batches,
               "leaky_service grow %d exits 0" % batches, r.describe())
    with open(dump) as f:
        lines = f.read().splitlines()
    headers = [json.loads(l) for l in lines if '"type":"header"' in l]
    ck.require([(h["seq"], h["reason"]) for h in headers] ==
               [(i, "signal") for i in range(1, batches + 1)] + [(batches + 1, "exit")],
               "grow %d: %d signal dumps, then the exit dump" % (batches, batches),
               "headers: %s" % [(h["seq"], h["reason"]) for h in headers])
    return dump, lines


def check(ck, tmp, args):
    marks = toollib.markers(args.source)
    env = toollib.base_env(tmp)
    fd = args.fdscope
    src = re.escape(os.path.realpath(args.source))
    dump, lines = grow(ck, tmp, args, "four", 4)

    def diff(*argv):
        return toollib.run([fd, "diff"] + list(argv), env)

    def site_pattern(fn, caller):
        return (r"#0  %s  %s:%d  \(leaky_service\+0x[0-9a-f]+\)\n    #1  run_grow  %s:%d "
                % (fn, src, marks[fn], src, marks[caller]))

    def expect_text(r, what, before, after, growths):
        ck.expect_equal(r.returncode, 0, "%s: exit 0" % what, r.describe())
        ck.expect_equal(r.stderr, "", "%s: nothing on stderr" % what)
        head = "%d -> %d tracked descriptors; 2 call sites grew\n" % (before, after)
        ck.expect(r.stdout.startswith(head), "%s: first line %r" % (what, head.strip()), r.describe())
        blocks = re.split(r"\n\n(?=\+)", r.stdout)
        ck.expect_equal(len(blocks), 3, "%s: two sites listed, no other" % what, r.describe())
        if len(blocks) != 3:
            return
        (g1, b1, a1), (g2, b2, a2) = growths
        ck.expect(blocks[1].startswith("+%d (%d -> %d)\n%d x socket  created by socket" % (g1, b1, a1, a1))
                  and re.search(site_pattern("connect_backend", "run_grow->connect_backend"), blocks[1]),
                  "%s: first connect_backend (leaky_service.c:%d), +%d (%d -> %d)"
                  % (what, marks["connect_backend"], g1, b1, a1), r.describe())
        ck.expect(blocks[2].startswith("+%d (%d -> %d)\n%d x file  created by open" % (g2, b2, a2, a2))
                  and re.search(site_pattern("open_cache_file", "run_grow->open_cache_file"), blocks[2]),
                  "%s: then open_cache_file (leaky_service.c:%d), +%d (%d -> %d)"
                  % (what, marks["open_cache_file"], g2, b2, a2), r.describe())
        for fn in ("open_listener", "open_settings", "make_notify_pipe"):
            ck.expect(fn not in r.stdout, "%s: %s, which did not grow, is not listed" % (what, fn))

    def expect_json(r, what, before, after, growths):
        ck.expect(r.returncode == 0 and r.stderr == "", "%s: exit 0, nothing on stderr" % what, r.describe())
        try:
            j = toollib.load_json_ordered(r.stdout)
        except ValueError as e:
            ck.expect(False, "%s: stdout is one JSON object" % what, "%s\n%s" % (e, r.stdout))
            return
        ck.expect_equal(list(j.keys()), ["before", "after", "sites"], "%s: keys before, after, sites" % what)
        ck.expect_equal((j["before"]["descriptors"], j["after"]["descriptors"]), (before, after),
                        "%s: %d -> %d descriptors" % (what, before, after))
        got = [(s["frames"][0]["function"] if s["frames"] else None, s["growth"], s["before"], s["after"])
               for s in j["sites"]]
        want = [("connect_backend",) + growths[0], ("open_cache_file",) + growths[1]]
        ck.expect_equal(got, want, "%s: exactly the growing sites, largest growth first" % what)
        if len(j["sites"]) == 2:
            ck.expect_equal([(s["frames"][0]["file"], s["frames"][0]["line"]) for s in j["sites"]],
                            [(os.path.realpath(args.source), marks["connect_backend"]),
                             (os.path.realpath(args.source), marks["open_cache_file"])],
                            "%s: the sites' source lines" % what)
            ck.expect_equal(j["sites"][0]["kinds"], {"socket": growths[0][2]}, "%s: kinds of the socket site" % what)

    # One file: its first and its last dump.
    expect_text(diff(dump), "diff FILE", 11, 27, [(15, 5, 20), (3, 1, 4)])
    expect_json(diff("--format", "json", dump), "diff --format json FILE", 11, 27, [(15, 5, 20), (3, 1, 4)])

    # Two files cut from it: dump 2 and dump 4.
    old, new = os.path.join(tmp, "old.jsonl"), os.path.join(tmp, "new.jsonl")
    for path, seq in ((old, 2), (new, 4)):
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines if json.loads(l).get("seq") == seq))
    expect_text(diff(old, new), "diff OLD NEW (dumps 2 and 4)", 17, 27, [(10, 10, 20), (2, 2, 4)])
    expect_json(diff("--format", "json", old, new), "diff --format json OLD NEW (dumps 2 and 4)", 17, 27,
                [(10, 10, 20), (2, 2, 4)])

    # Two runs of the program: one batch, then three.
    one, _ = grow(ck, tmp, args, "one", 1)
    three, _ = grow(ck, tmp, args, "three", 3)
    expect_text(diff(one, three), "diff OLD NEW (two runs)", 9, 21, [(10, 5, 15), (2, 1, 3)])
    expect_json(diff("--format", "json", one, three), "diff --format json OLD NEW (two runs)", 9, 21,
                [(10, 5, 15), (2, 1, 3)])

    # report: the last dump by default, every dump with --all.
    for argv, dumps, sockets, what in (([], 1, 20, "report FILE: the last dump"),
                                       (["--all"], 5, 5 + 10 + 15 + 20 + 20, "report --all FILE: every dump")):
        r = toollib.run([fd, "report", "--format", "json"] + argv + [dump], env)
        ok = r.returncode == 0 and r.stderr == ""
        rep = toollib.load_json_ordered(r.stdout) if ok else {"sites": []}
        sites = toollib.find_site(rep, "connect_backend")
        ck.expect(ok and rep["dumps"] == dumps and len(sites) == 1 and sites[0]["count"] == sockets,
                  "%s: %d dump(s), connect_backend %d" % (what, dumps, sockets), r.describe())

    # Nothing to compare, and bad command lines.
    single = os.path.join(tmp, "single.jsonl")
    with open(single, "w") as f:
        f.write("".join(l + "\n" for l in lines if json.loads(l).get("seq") == 1))
    r = diff(single)
    ck.expect(r.returncode == 1 and len(r.stderr_lines()) == 1 and single in r.stderr,
              "diff on a file with one dump: exit 1, one line naming the file", r.describe())
    for argv, what in (([], "no file"), ([old, new, dump], "three files"), (["--top", "x", dump], "--top x"),
                       (["--format", "folded", dump], "--format folded"), (["--bogus", dump], "--bogus")):
        r = diff(*argv)
        ck.expect(r.returncode == 2 and r.stderr.startswith("fdscope diff: ") and r.stdout == "",
                  "diff with %s: exit 2 with a line on stderr" % what, r.describe())


if __name__ == "__main__":
    main()
