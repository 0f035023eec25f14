#!/usr/bin/python3
"""fdscope report --format html, rendered in headless Chromium.

Dumps from real runs of leaky_service with libfdscope.so preloaded
(at_exit=1:log=none:output=FILE):

  a.jsonl  `grow DIR 4 150`: 5 client sockets and 1 cache file per batch,
           a signal dump after each of the 4 batches (150 ms apart), then
           the exit dump: connect_backend 5, 10, 15, 20, 20
  b.jsonl  `grow DIR 2 150`: connect_backend 5, 10, 10
  c.jsonl  `files PATH 3 0`, PATH under directories named like markup
           (`<`, `script><b id=pwned>&amp;x<`, `b>`): a target that would
           close the data's <script> and inject an element if it were not
           escaped

The page of a.jsonl alone and the page of all three files are loaded in
Chromium (--headless=new --no-sandbox --dump-dom, time-bounded, a fresh
profile in the test's directory), and the DOM after the page's script ran
must show, exactly:

- no JavaScript error (the page's window.onerror writes into #errors; the
  script marks <body data-rendered="ok"> when it has drawn everything; no
  "Uncaught" or Content-Security-Policy refusal in Chromium's log);
- the sites table: each row's function, location, count, kinds and top
  target equal to `fdscope report --format json` of the same files;
- the chart's line of the top site (connect_backend): one point per dump,
  in time order, with the counts above, and for several files the sum of
  each process's latest dump (5, 10, 15, 20, 20, 25, 30, 30, 30), reasons
  and times in order;
- the flame graph: one box per node of the tree that merging the
  `--format folded` lines by prefix gives, with that node's count (the box
  of connect_backend holds the folded count of its stacks), width in
  proportion;
- no element injected by the hostile target, which shows as plain text;
- a click on a box of the flame graph zooms into it (a copy of the page
  with a script that clicks run_grow's): full width, its children in
  proportion, no error;
- nothing fetched: no http(s) URL in the page but the SVG namespace, no
  src=, <link>, url( or @import.

Exits 77 (ctest's SKIP_RETURN_CODE) when no Chromium is given or found.
"""

import html.parser
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402
from toollib import CheckFailed  # noqa: E402

SKIP = 77
CHROMIUM_TIMEOUT = 120.0
PAUSE_MS = 150
SVG_NS = "http://www.w3.org/2000/svg"
EVIL_DIRS = ["<", "script><b id=pwned>&amp;x<", "b>"]


# A small DOM from Chromium's serialisation (html.parser: stdlib only).
class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []
        self.parts = []  # text and child nodes, in order

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find_all(self, tag=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class DomBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.parts.append(data)


def parse_dom(text):
    b = DomBuilder()
    b.feed(text)
    b.close()
    return b.root


def find_chromium(given):
    if given:
        return given if os.path.exists(given) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def load_in_chromium(ck, chromium, page, tmp, name):
    """The DOM of page after its scripts ran, and Chromium's log."""
    home = os.path.join(tmp, "chromium-home")
    os.makedirs(home, exist_ok=True)
    env = toollib.base_env(tmp)
    env["HOME"] = home
    env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
    env["XDG_CACHE_HOME"] = os.path.join(home, ".cache")
    argv = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + os.path.join(tmp, "chromium-profile-" + name),
            "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + page]
    r = toollib.run(argv, env, timeout=CHROMIUM_TIMEOUT)
    ck.require(r.returncode == 0 and "<body" in r.stdout, "%s: Chromium loads the page" % name, r.describe())
    return parse_dom(r.stdout), r.stderr


def leak(ck, tmp, args, name, argv):
    path = os.path.join(tmp, name + ".jsonl")
    env = toollib.preload_env(tmp, args.shim, "at_exit=1:log=none:output=%s" % path)
    r = toollib.run([args.program] + argv, env)
    ck.require(r.returncode == 0 and os.path.exists(path), "leaky_service %s exits 0 and dumps"
               % " ".join(argv[:1] + argv[2:]), r.describe())
    return path


def report(ck, args, tmp, fmt, files):
    r = toollib.run([args.fdscope, "report", "--format", fmt] + files, toollib.base_env(tmp))
    ck.require(r.returncode == 0 and r.stderr == "", "fdscope report --format %s exits 0, stderr empty"
               % fmt, r.describe())
    return r.stdout


def folded_tree(folded):
    """(depth, frame, count) of every node of the folded lines merged by
    prefix, the root ("all descriptors") at depth 0."""
    counts = {}
    total = 0
    for line in folded.splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        names = stack.split(";")
        for d in range(1, len(names) + 1):
            counts[tuple(names[:d])] = counts.get(tuple(names[:d]), 0) + int(count)
    nodes = [(0, "all descriptors", total)] + [(len(k), k[-1], n) for k, n in counts.items()]
    return sorted(nodes), counts


def expected_rows(rep):
    rows = []
    for s in [s for s in rep["sites"] if s["count"] > 0][:10]:
        f = s["frames"][0]
        loc = "%s:%d" % (f["file"], f["line"]) if f.get("line") else ""
        kinds = sorted(s["kinds"].items(), key=lambda kv: -kv[1])  # stable: ties by name
        rows.append((f["function"], loc, s["count"], ", ".join(k for k, _ in kinds),
                     s["targets"][0]["target"]))
    return rows


def check_page(ck, tmp, args, name, files, top_series, evil_target=None):
    rep = toollib.load_json_ordered(report(ck, args, tmp, "json", files))
    folded = report(ck, args, tmp, "folded", files)
    page_text = report(ck, args, tmp, "html", files)
    page = os.path.join(tmp, name + ".html")
    with open(page, "w") as f:
        f.write(page_text)
    ck.note("%s: %d bytes" % (os.path.basename(page), len(page_text.encode())))

    # Self-contained: nothing to fetch.
    urls = set(re.findall(r"https?://[^\s\"'<>)]*", page_text))
    ck.expect(urls <= {SVG_NS}, "%s: no http(s) URL in the page but the SVG namespace" % name, str(urls))
    found = [w for w in ("src=", "<link", "url(", "@import") if w in page_text]
    ck.expect(not found, "%s: no src=, <link, url( or @import" % name, str(found))
    ck.expect_equal(page_text.count("</script"), 3, "%s: '</script' only where the page's 3 scripts end" % name)

    dom, log = load_in_chromium(ck, args.chromium, page, tmp, name)
    body = dom.find_all("body")
    errors = dom.find_all(id="errors")
    ck.expect(body and body[0].attrs.get("data-rendered") == "ok",
              "%s: the script ran to the end (body data-rendered=ok)" % name,
              body[0].attrs if body else "no body")
    ck.expect(errors and errors[0].text() == "" and "hidden" in errors[0].attrs,
              "%s: no JavaScript error" % name, errors[0].text() if errors else "no #errors")
    bad_log = [l for l in log.splitlines()
               if "Uncaught" in l or "Refused to" in l or ("CONSOLE" in l and page in l)]
    ck.expect(not bad_log, "%s: nothing in Chromium's log from the page (console, CSP)" % name,
              "\n".join(bad_log[:10]))

    summary = dom.find_all(id="summary")
    want = "%d descriptors open from %d call sites (%d dump%s, %d process%s; %d untracked)" % (
        rep["descriptors"], len([s for s in rep["sites"] if s["count"] > 0]), rep["dumps"], "" if rep["dumps"] == 1 else "s",
        rep["processes"], "" if rep["processes"] == 1 else "es", rep["untracked"])
    ck.expect_equal(summary[0].text() if summary else None, want, "%s: the summary line" % name)

    # The table.
    rows = []
    for tr in dom.find_all("tr"):
        if not tr.has_class("site"):
            continue
        cell = {c.attrs.get("class"): c for c in tr.find_all("td") if c.attrs.get("class")}
        rows.append((cell["function"].text(), cell["location"].text(), int(cell["count"].text()),
                     cell["kinds"].text(), cell["target"].text()))
    want_rows = expected_rows(rep)
    got_rows = [(f, l, c, k, t[:len(wt)]) for (f, l, c, k, t), (_, _, _, _, wt) in zip(rows, want_rows)]
    ck.expect_equal(got_rows, want_rows, "%s: the table's rows are the json report's sites "
                    "(function, file:line, count, kinds, top target)" % name)
    ck.expect_equal(len(rows), len(want_rows), "%s: %d rows" % (name, len(want_rows)))

    # The chart: the top site's line.
    series = [g for g in dom.find_all("g") if g.has_class("series")]
    ck.expect_equal(len(series), len(want_rows), "%s: a line per site of the table" % name)
    top = [g for g in series if g.attrs.get("data-site") == "0"]
    ck.require(len(top) == 1, "%s: the top site has a line" % name)
    circles = top[0].find_all("circle")
    got = [int(c.attrs["data-count"]) for c in circles]
    ck.expect_equal(got, [n for n, _ in top_series], "%s: the top site's line has a point per dump, "
                    "with its counts" % name)
    ck.expect_equal([c.attrs["data-reason"] for c in circles], [r for _, r in top_series],
                    "%s: the points' dump reasons, in order" % name)
    times = [int(c.attrs["data-t"]) for c in circles]
    ck.expect(times == sorted(times) and times[0] == 0 and times[4] - times[0] >= 4 * PAUSE_MS * 0.9,
              "%s: the points' times start at 0 and climb (a's dumps %d ms apart)" % (name, PAUSE_MS),
              str(times))
    ck.expect(top[0].attrs.get("data-name", "").startswith("connect_backend ("),
              "%s: the top line is connect_backend's" % name, str(top[0].attrs))
    ck.expect(top[0].find_all("polyline") and
              len(top[0].find_all("polyline")[0].attrs["points"].split()) == len(top_series),
              "%s: its polyline joins the points" % name)

    # The flame graph.
    rects = [r for r in dom.find_all("rect") if "data-frame" in r.attrs]
    got_nodes = sorted((int(r.attrs["data-depth"]), r.attrs["data-frame"], int(r.attrs["data-count"]))
                       for r in rects)
    want_nodes, paths = folded_tree(folded)
    ck.expect_equal(got_nodes, want_nodes, "%s: the flame graph's boxes are the folded stacks merged "
                    "by prefix, with their counts" % name)
    leaking = [n for n in rects if n.attrs["data-frame"] == "connect_backend"]
    folded_count = sum(n for k, n in paths.items() if k[-1] == "connect_backend")
    ck.expect(len(leaking) == 1 and int(leaking[0].attrs["data-count"]) == folded_count == top_series[-1][0],
              "%s: connect_backend's box holds %d descriptors, as folded says" % (name, folded_count),
              str([r.attrs for r in leaking]))
    root = [r for r in rects if r.attrs["data-depth"] == "0"]
    if leaking and root:
        ratio = float(leaking[0].attrs["width"]) / float(root[0].attrs["width"])
        ck.expect(abs(ratio - folded_count / rep["descriptors"]) < 0.01,
                  "%s: its width is its share of all descriptors" % name,
                  "ratio %.4f, count share %.4f" % (ratio, folded_count / rep["descriptors"]))
    titles = [t.text() for t in (leaking[0].find_all("title") if leaking else [])]
    ck.expect(titles and titles[0].startswith("connect_backend\n%d descriptors" % folded_count),
              "%s: hovering the box shows the frame and count" % name, str(titles))

    check_hostile(ck, name, dom, rows, evil_target)
    return page_text


def check_zoom(ck, tmp, args, page_text):
    """Clicking a box (a script added to a copy of the page clicks
    run_grow's) draws it full width and its children in proportion."""
    click = ('<script>document.querySelector(\'#flame rect[data-frame="run_grow"]\')'
             '.dispatchEvent(new MouseEvent("click"));</script>')
    page = os.path.join(tmp, "zoom.html")
    with open(page, "w") as f:
        f.write(page_text.replace("</body>", click + "</body>"))
    dom, _ = load_in_chromium(ck, args.chromium, page, tmp, "zoom")
    errors = dom.find_all(id="errors")
    ck.expect(errors and errors[0].text() == "", "zoom: no JavaScript error on a click",
              errors[0].text() if errors else "no #errors")
    rects = {r.attrs["data-frame"]: r for r in dom.find_all("rect") if "data-frame" in r.attrs}
    ck.require("run_grow" in rects and "connect_backend" in rects and "all descriptors" in rects,
               "zoom: the boxes are there", str(sorted(rects)))
    width = lambda n: float(rects[n].attrs["width"])  # noqa: E731
    count = lambda n: int(rects[n].attrs["data-count"])  # noqa: E731
    ck.expect(width("run_grow") == width("all descriptors") and
              abs(width("connect_backend") / width("run_grow") - count("connect_backend") / count("run_grow")) < 0.01,
              "zoom: the clicked box is full width, its children in proportion to it",
              "widths %s" % {n: r.attrs["width"] for n, r in rects.items()})


def check_hostile(ck, name, dom, rows, evil_target):
    if evil_target is not None:
        ck.expect(not dom.find_all(id="pwned") and not dom.find_all("b"),
                  "%s: the target's markup injected no element" % name)
        ck.expect(any(r[4].startswith(evil_target) for r in rows),
                  "%s: the hostile target shows as text" % name, "\n".join(r[4] for r in rows))


def check(ck, tmp, args):
    work = os.path.join(tmp, "work")
    evil = os.path.join(work, *EVIL_DIRS)
    os.makedirs(evil)
    a = leak(ck, tmp, args, "a", ["grow", work, "4", str(PAUSE_MS)])
    b = leak(ck, tmp, args, "b", ["grow", work, "2", str(PAUSE_MS)])
    c = leak(ck, tmp, args, "c", ["files", os.path.join(evil, "cache.db"), "3", "0"])

    one = [(5, "signal"), (10, "signal"), (15, "signal"), (20, "signal"), (20, "exit")]
    check_zoom(ck, tmp, args, check_page(ck, tmp, args, "one-process", [a], one))
    fleet = one + [(25, "signal"), (30, "signal"), (30, "exit"), (30, "exit")]
    check_page(ck, tmp, args, "three-processes", [a, b, c], fleet,
               evil_target=os.path.join(evil, "cache.db"))


def main():
    ap = toollib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--chromium", help="Chromium (default: chromium on PATH)")
    args = ap.parse_args()
    args.chromium = find_chromium(args.chromium)
    if not args.chromium:
        print("SKIP: no Chromium (install Debian's chromium, as scripts/install-deps.sh does); "
              "the html report is not checked")
        sys.exit(SKIP)
    toollib.run_checker("fdscope report --format html in headless Chromium",
                        lambda ck, tmp: check(ck, tmp, args), args)


if __name__ == "__main__":
    main()
