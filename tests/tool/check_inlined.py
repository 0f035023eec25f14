#!/usr/bin/python3
"""Inlined frames: a leak in inlined code names the user's line.

inline_logger (tests/tool/programs/inline_logger.cpp, built -O2 -g) opens
60 `new std::ofstream("/dev/null")` in Logger::open_sinks, at the line
marked `@line:open_sinks`, and keeps them open. The ofstream constructor (a
libstdc++ header template) is inlined there: the address that calls into
libstdc++ lies in basic_ofstream's code (fstream), not on the user's line.
Checked with `fdscope run` (text on stderr) and `fdscope report` of the same
dump as --format json and folded:

- the top site has 60 descriptors, all of /dev/null;
- its frames start with the inline chain of that address: one or more
  inlined frames of basic_ofstream in libstdc++'s fstream header (text:
  `(inlined)` for the origin; json: `"inlined": true`), innermost first,
  then the physical frame Logger::open_sinks(int) at the marked line of
  inline_logger.cpp (text: `(inline_logger+0x...)`; json: no `inlined`),
  sharing its module and address;
- the libstdc++ frames the program called (std::basic_filebuf::open...)
  are shown before them, not inlined;
- folded: the line holds `Logger::open_sinks(int)` followed by the
  basic_ofstream frames, and ends with ` 60`;
- --all-frames keeps the same expansion.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402

OPEN_SINKS = "Logger::open_sinks(int)"


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope: inlined frames of inline_logger",
                        lambda ck, tmp: check(ck, tmp, args), args)


def text_sites(text):
    """Each site block of a text report: (header line, [frame lines])."""
    sites = []
    for line in text.split("\n"):
        if re.match(r"^\s*\d+ x \S+  created by ", line):
            sites.append((line, []))
        elif sites and line.startswith("    #"):
            sites[-1][1].append(line)
    return sites


def parse_frame(line):
    """(function, location or '', origin) of a text frame line; the
    location is `file:line` with no spaces (the paths here have none)."""
    m = re.match(r"^    #\d+\s+(.*)  \((.*)\)$", line)
    if not m:
        return None
    body, origin = m.group(1), m.group(2)
    loc = re.search(r"  (\S+:\d+)$", body)
    if loc:
        return body[:loc.start()], loc.group(1), origin
    return body, "", origin


def is_ofstream_frame(function, file):
    return "basic_ofstream" in function and os.path.basename(file or "") == "fstream"


def check(ck, tmp, args):
    line = toollib.markers(args.source)["open_sinks"]
    source = os.path.basename(args.source)
    prog_base = os.path.basename(args.program)
    env = toollib.base_env(tmp)

    # --- fdscope run: the text report on stderr --------------------------
    r = toollib.run([args.fdscope, "run", "-o", "log=none", "--", args.program], env)
    ck.require(r.returncode == 0, "fdscope run -- inline_logger exits 0", r.describe())
    ck.expect_equal(r.stdout, "inline_logger: 60 sinks open\n", "its stdout is its own")
    sites = text_sites(r.stderr)
    ck.require(bool(sites), "run: the report has sites", r.describe())
    header, frames = sites[0]
    ck.expect(re.match(r"^\s*60 x chr ", header) is not None and
              "x /dev/null" in r.stderr.split(header, 1)[1].split("\n")[1],
              "text: the top site is 60 x chr (a character device), /dev/null", r.stderr)
    parsed = [parse_frame(f) for f in frames]
    ck.require(all(parsed), "text: every frame line is `#N  function  [file:line  ](origin)`",
               "\n".join(frames))
    phys = [i for i, (fn, _, _) in enumerate(parsed) if fn == OPEN_SINKS]
    ck.require(len(phys) == 1, "text: one frame is %s" % OPEN_SINKS, r.stderr)
    p = phys[0]
    fn, loc, origin = parsed[p]
    ck.expect(loc.endswith("/%s:%d" % (source, line)),
              "text: %s is at %s:%d, the marked line (not fstream's)" % (OPEN_SINKS, source, line),
              frames[p])
    ck.expect(re.fullmatch(r"%s\+0x[0-9a-f]+" % re.escape(prog_base), origin) is not None,
              "text: %s keeps its origin (%s+0x...), it is the physical frame" % (OPEN_SINKS, prog_base),
              frames[p])
    chain = []
    i = p - 1
    while i >= 0 and parsed[i][2] == "inlined":
        chain.insert(0, parsed[i])
        i -= 1
    ck.expect(bool(chain) and all(is_ofstream_frame(f, l.rsplit(":", 1)[0]) for f, l, _ in chain),
              "text: the frames before it are inlined frames of basic_ofstream in fstream",
              "\n".join(frames))
    ck.expect(bool(chain) and "::basic_ofstream(" in chain[-1][0],
              "text: the inlined frame next to %s is the basic_ofstream constructor" % OPEN_SINKS,
              "\n".join(frames))
    ck.expect(all(o != "inlined" for _, _, o in parsed[:i + 1]) and
              all("libstdc++" in o for _, _, o in parsed[:i + 1]),
              "text: the frames before the inline chain are libstdc++'s, physical",
              "\n".join(frames))
    ck.note("text site:\n" + header + "\n" + "\n".join(frames))

    m = re.search(r"; dumps in (\S+)\n", r.stderr)
    ck.require(m is not None and os.path.isdir(m.group(1)), "run: the report names the dump directory",
               r.stderr)
    files = sorted(os.listdir(m.group(1)))
    ck.require(len(files) == 1, "run wrote one dump", "files: %s" % files)
    dump = os.path.join(m.group(1), files[0])

    # --- json -------------------------------------------------------------
    frames_json = []
    for extra in ([], ["--all-frames"]):
        what = "json" + "".join(" " + e for e in extra)
        r = toollib.run([args.fdscope, "report", "--format", "json"] + extra + [dump], env)
        ck.require(r.returncode == 0 and r.stderr == "", "fdscope report --format %s exits 0" % what,
                   r.describe())
        rep = toollib.load_json_ordered(r.stdout)
        toollib.check_report_shape(ck, rep, "%s: the SPEC's keys (and inlined) in order, types" % what)
        s = rep["sites"][0]
        ck.expect_equal((s["count"], s["targets"]), (60, [{"target": "/dev/null", "count": 60}]),
                        "%s: the top site has 60 descriptors of /dev/null" % what)
        fr = s["frames"]
        phys = [i for i, f in enumerate(fr) if f["function"] == OPEN_SINKS]
        if not ck.expect(len(phys) == 1, "%s: one frame is %s" % (what, OPEN_SINKS), json.dumps(fr, indent=1)):
            continue
        p = phys[0]
        f = fr[p]
        ck.expect("inlined" not in f and f["module"] == os.path.realpath(args.program) and
                  (f["file"] or "").endswith("/" + source) and f["line"] == line,
                  "%s: %s is the physical frame, at %s:%d" % (what, OPEN_SINKS, source, line), json.dumps(f))
        chain = []
        i = p - 1
        while i >= 0 and fr[i].get("inlined") is True:
            chain.insert(0, fr[i])
            i -= 1
        ck.expect(bool(chain) and all(is_ofstream_frame(c["function"], c["file"]) and c["line"] for c in chain),
                  "%s: the frames before it are inlined (\"inlined\": true) basic_ofstream frames in fstream"
                  % what, json.dumps(fr[:p + 1], indent=1))
        ck.expect(all(c["module"] == f["module"] and c["address"] == f["address"] for c in chain),
                  "%s: the inlined frames share the physical frame's module and address" % what,
                  json.dumps(fr[:p + 1], indent=1))
        ck.expect(all("inlined" not in g for g in fr[:i + 1]) and
                  all("libstdc++" in g["module"] or toollib.is_runtime_module(g["module"])
                      for g in fr[:i + 1]),
                  "%s: the frames before the inline chain are physical (libstdc++%s)"
                  % (what, ", the C runtime" if extra else ""), json.dumps(fr[:i + 1], indent=1))
        if not extra:
            ck.expect(not any(toollib.is_runtime_module(g["module"]) for g in fr),
                      "json: no frame of the C runtime", json.dumps(fr, indent=1))
            frames_json = fr

    # --- folded -----------------------------------------------------------
    r = toollib.run([args.fdscope, "report", "--format", "folded", dump], env)
    ck.require(r.returncode == 0 and r.stderr == "", "fdscope report --format folded exits 0", r.describe())
    top = r.stdout.split("\n")[0]
    ck.expect(top.endswith(" 60"), "folded: the top line ends with ' 60'", top)
    names = top.rpartition(" ")[0].split(";")
    ck.expect_equal(names, [fr_["function"] for fr_ in reversed(frames_json)],
                    "folded: one folded frame per json frame, inlined ones included, outermost first")
    if OPEN_SINKS in names:
        k = names.index(OPEN_SINKS)
        after = names[k + 1:k + 1 + len([c for c in frames_json if c.get("inlined")])]
        ck.expect(bool(after) and all("basic_ofstream" in a for a in after),
                  "folded: %s is followed by the basic_ofstream frames" % OPEN_SINKS, top)
    else:
        ck.expect(False, "folded: the line holds %s" % OPEN_SINKS, top)


if __name__ == "__main__":
    main()
