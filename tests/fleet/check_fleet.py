#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fleet queries of docs/fleet-queries.md, run for real (test fleet.queries).

Generates a fleet with the real library: a few hundred processes of
programs/fleet_worker.c (leaks from open_config, called from main and from
reload, connect_cache and start_worker; some with a threshold dump before
the exit dump, some that close descriptors between the two, some with only
a threshold dump, some that fork), a few Python processes
(programs/fleet_job.py: language stacks), and Lambda-like processes
(AWS_LAMBDA_FUNCTION_NAME/VERSION set, output=stderr, metrics=emf) whose
stderr makes log streams, prefixed with a timestamp as a CloudWatch export
is. A few dump files get their last dump cut short (no `end`).

Then runs the ```sql blocks of the doc (by their `-- fleet: NAME` line)
with DuckDB (run_sql.mjs) and asserts:
- `sites` equals `fdscope report --format json` on the same files: the same
  sites (identity: the frames the report shows, function and module+offset
  or file:line) with the same counts and kinds; `totals` its dumps,
  processes and descriptors; on the dump files and on the log streams;
- `site_over_seq` and `open_over_time` equal what this script computes
  from the raw dump lines itself;
- `version_dumps` lists the dumps of one Lambda function version, and
  `sites` after `select_version` equals the report of that version's logs;
- `emf` groups the metric lines as this script does;
- every field the ```insights blocks use exists in real dump or EMF lines.

Standard library only. Every subprocess has a timeout.
"""
import argparse
import collections
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

FUNCTION, VERSION = "orders", "2"  # the version the doc's queries select
BUCKET_MS = 60_000  # open_over_time: time_bucket(INTERVAL 1 MINUTE, ...)
C_RUNTIME = re.compile(r"^(libc\.so|libc-|ld-linux|libpthread|libfdscope)")


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


# ---------------------------------------------------------------- the fleet

class Fleet:
    def __init__(self, root, args):
        self.root, self.args = root, args
        self.dumps = os.path.join(root, "dumps")
        self.logs = os.path.join(root, "logs")
        os.makedirs(self.dumps)
        os.makedirs(self.logs)
        self.rng = random.Random(20261128)
        self.base_env = {k: v for k, v in os.environ.items()
                         if not k.startswith(("FDSCOPE_", "AWS_LAMBDA_", "LD_PRELOAD"))}
        self.runs = 0
        self.truncated = []  # (file, kind)

    def run(self, argv, options, env_extra=None, stderr=subprocess.DEVNULL):
        env = dict(self.base_env)
        env["LD_PRELOAD"] = self.args.shim
        env["FDSCOPE_OPTIONS"] = options
        env.update(env_extra or {})
        r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=stderr, timeout=20)
        check(r.returncode == 0, f"{argv} exited {r.returncode}")
        self.runs += 1

    def worker_args(self):
        rng = self.rng
        mode = rng.choices(["exit", "close", "quick", "fork"], weights=[55, 20, 15, 10])[0]
        configs, sockets, pipes = rng.randint(2, 12), rng.randint(0, 8), rng.randint(0, 4)
        reloads = rng.randint(0, 5)
        leaked_first = configs + sockets + 2 * pipes
        opts = "at_exit=1:log=none:double_close=off"
        if mode in ("close", "quick"):
            # A threshold dump during the first leaks, then the exit dump.
            opts += f":threshold={rng.randint(2, leaked_first)}"
        else:
            opts += ":threshold=0"
        argv = [self.args.worker, mode, str(configs), str(sockets), str(pipes), str(reloads)]
        if mode == "fork":
            argv.append(str(rng.randint(1, 4)))
        return argv, opts

    def generate(self):
        out = os.path.join(self.dumps, "fdscope.%p.jsonl")
        for _ in range(self.args.processes):
            argv, opts = self.worker_args()
            self.run(argv, f"output={out}:{opts}")
        for _ in range(self.args.python_processes):
            logs, pipes = self.rng.randint(1, 6), self.rng.randint(0, 3)
            self.run([self.args.python, self.args.python_job, str(logs), str(pipes)],
                     f"output={out}:at_exit=1:log=none:threshold=0")
        self.cut_some()
        # Lambda: functions, versions, log streams (one execution
        # environment each, processes one after another in it).
        for fn, ver, streams in (("orders", "1", 3), ("orders", "2", 4), ("billing", "7", 3)):
            for s in range(streams):
                stream = f"2026/11/28/[{ver}]{fn}{s:02d}{self.rng.getrandbits(32):08x}"
                path = os.path.join(self.logs, f"{fn}-{ver}-{s}.log")
                with open(path, "ab") as log:
                    for _ in range(self.rng.randint(2, 4)):
                        argv, opts = self.worker_args()
                        env = {"AWS_LAMBDA_FUNCTION_NAME": fn, "AWS_LAMBDA_FUNCTION_VERSION": ver,
                               "AWS_LAMBDA_LOG_STREAM_NAME": stream}
                        self.run(argv, f"output=stderr:metrics=emf:{opts}".replace("log=none:", ""),
                                 env, stderr=log)
                self.prefix_timestamps(path)

    def cut_some(self):
        """Cuts the last dump of a few files short, as a process killed while
        writing leaves it: the report then takes the dump before it."""
        files = sorted(os.listdir(self.dumps))
        self.rng.shuffle(files)
        two, one = 0, 0
        for name in files:
            path = os.path.join(self.dumps, name)
            with open(path) as f:
                lines = f.readlines()
            headers = [i for i, l in enumerate(lines) if '"type":"header"' in l]
            if len(headers) >= 2 and two < 4:
                two += 1
            elif len(headers) == 1 and one < 1 and sum('"type":"fd"' in l for l in lines) > 6:
                one += 1
            else:
                continue
            last = headers[-1]
            body = lines[last:]
            fds = [i for i, l in enumerate(body) if '"type":"fd"' in l]
            keep = fds[len(fds) // 2] if fds else len(body) - 1  # cut among the fd lines
            with open(path, "w") as f:
                f.writelines(lines[:last] + body[:keep])
            self.truncated.append((name, len(headers)))
            if two >= 4 and one >= 1:
                break
        check(two == 4 and one == 1, f"not enough files to cut: {two} with two dumps, {one} with one")

    def prefix_timestamps(self, path):
        """As a CloudWatch Logs export writes events: a timestamp first."""
        t = datetime.datetime(2026, 11, 28, 22, 36, 48, tzinfo=datetime.timezone.utc)
        with open(path) as f:
            lines = f.read().splitlines()
        with open(path, "w") as f:
            for i, line in enumerate(lines):
                stamp = (t + datetime.timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                f.write(f"{stamp}Z {line}\n")


# ------------------------------------------------------- reading raw dumps

def read_objects(paths):
    """Every JSON object line of the files, from its first '{'."""
    for path in paths:
        with open(path) as f:
            for line in f:
                brace = line.find("{")
                if brace < 0:
                    continue
                try:
                    yield path, json.loads(line[brace:])
                except json.JSONDecodeError:
                    continue


def raw_dumps(paths):
    """{(pid, run, seq): dump} with header, modules, stacks, fds, complete, file."""
    dumps = {}
    for path, o in read_objects(paths):
        t = o.get("type")
        if t not in ("header", "module", "stack", "fd", "end"):
            continue
        d = dumps.setdefault((o["pid"], o["run"], o["seq"]),
                             {"modules": {}, "stacks": {}, "fds": [], "complete": False, "file": path})
        if t == "header":
            d["header"] = o
        elif t == "module":
            d["modules"][o["id"]] = o["path"]
        elif t == "stack":
            d["stacks"][o["id"]] = o["frames"]
        elif t == "fd":
            d["fds"].append(o)
        else:
            d["complete"] = True
    return dumps


def site_key(d, fd):
    """The site key, computed here from the raw lines (as the report's
    common/site_key does: language frames if any, else native module path
    and offset), in the doc's string form to compare with the query's."""
    lang = [f for f in d["stacks"].get(fd.get("lang_stack", 0), []) if "lang" in f]
    if lang:
        return tuple(f"{f['lang']} {f['function']} {f['file']}:{f['line']}:{f.get('column', 0)}"
                     + (" async" if f.get("async") else "") for f in lang)
    key = []
    for f in d["stacks"].get(fd.get("stack", 0), []):
        path = d["modules"].get(f.get("module"))
        key.append(f"{path if path is not None else '[jit]'}+{f['offset']}")
    return tuple(key)


def counted(fd):
    return fd.get("tracked") is True and fd["fd"] > 2


# -------------------------------------------------------------- the tools

def doc_blocks(doc, lang):
    blocks = {}
    for m in re.finditer(r"^```" + lang + r"\n(.*?)^```", doc, re.S | re.M):
        body = m.group(1)
        first = body.split("\n", 1)[0]
        name = re.match(r"-- fleet: (\w+)", first)
        blocks[name.group(1) if name else f"#{len(blocks)}"] = body
    return blocks


def run_sql(args, cwd, tmp, blocks, names):
    argv = [args.node, args.run_sql, "--cwd", cwd]
    for i, (label, block) in enumerate(names):
        path = os.path.join(tmp, f"{i:02d}-{label}.sql")
        with open(path, "w") as f:
            f.write(blocks[block])
        argv.append(f"{label}={path}")
    t0 = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       cwd=os.path.dirname(args.run_sql))
    check(r.returncode == 0, f"run_sql.mjs failed ({r.returncode}):\n{r.stderr}")
    return json.loads(r.stdout), time.monotonic() - t0


def report(args, paths, allow_problems=()):
    t0 = time.monotonic()
    r = subprocess.run([args.fdscope, "report", "--format", "json"] + paths,
                       capture_output=True, text=True, timeout=120)
    problems = [l for l in r.stderr.splitlines() if l.strip()]
    for p in problems:
        check(any(a in p for a in allow_problems), f"fdscope report: unexpected problem: {p}")
    check(r.returncode == (1 if problems else 0), f"fdscope report exited {r.returncode}:\n{r.stderr}")
    out = json.loads(r.stdout)
    out["problems"] = problems
    return out, time.monotonic() - t0


def report_identity(site):
    """The frames the report shows, as the query's {function, where}:
    language frames only when the site starts with them (the query shows a
    language site by its language frames), inlined frames left out (the
    query has no debug information)."""
    frames = [f for f in site["frames"] if not f.get("inlined")]
    if frames and frames[0].get("lang"):
        frames = [f for f in frames if f.get("lang")]
    out = []
    for f in frames:
        if f.get("lang"):
            where = f"{f['file']}:{f['line']}" + (f":{f['column']}" if f.get("column") else "")
        else:
            where = f"{os.path.basename(f['module'])}+{f['address']}"
        out.append((f["function"] or "??", where))
    return tuple(out)


def sql_identity(row):
    return tuple((f["function"], f["where"]) for f in row["frames"])


def compare_sites(what, rep, rows):
    want = collections.Counter()
    want_kinds = {}
    for s in rep["sites"]:
        if s["count"] == 0:
            continue  # held descriptors only before the dump (peak lines): no fd line to query
        ident = report_identity(s)
        check(ident not in want, f"{what}: the report has two sites shown alike: {ident}")
        want[ident] = s["count"]
        want_kinds[ident] = s["kinds"]
    got = {}
    for row in rows:
        ident = sql_identity(row)
        check(ident not in got, f"{what}: the query has two sites shown alike: {ident}")
        got[ident] = row["count"]
        kinds = {k: v for k, v in row["kinds"].items()} if isinstance(row["kinds"], dict) else \
            {e["key"]: e["value"] for e in row["kinds"]}
        check(kinds == want_kinds.get(ident, kinds), f"{what}: kinds of {ident}: {kinds} != {want_kinds.get(ident)}")
        check(row["function"] == (ident[0][0] if ident else None),
              f"{what}: function {row['function']} is not the first frame's of {ident}")
    if dict(want) != got:
        lines = [f"{what}: the query's sites differ from the report's"]
        for ident in sorted(set(want) | set(got), key=str):
            if want.get(ident) != got.get(ident):
                lines.append(f"  report {want.get(ident)} query {got.get(ident)}: {ident}")
        fail("\n".join(lines))
    counts = [r["count"] for r in rows]
    check(counts == sorted(counts, reverse=True), f"{what}: the query's sites are not largest first")
    return len(got)


def compare_totals(what, rep, rows):
    check(len(rows) == 1, f"{what}: totals gave {len(rows)} rows")
    t = rows[0]
    for k in ("dumps", "processes", "descriptors"):
        check(t[k] == rep[k], f"{what}: totals {k} {t[k]} != report's {rep[k]}")


# --------------------------------------------- independent computations

def expected_site_over_seq(dumps):
    want = collections.Counter()
    for (pid, run, seq), d in dumps.items():
        if not d["complete"] or "header" not in d:
            continue
        for fd in d["fds"]:
            if counted(fd):
                want[(pid, run, seq, site_key(d, fd))] += 1
    return want


def expected_open_over_time(dumps):
    groups = {}
    for (pid, run, seq), d in dumps.items():
        if not d["complete"] or "header" not in d:
            continue
        h = d["header"]
        key = (h.get("lambda_function") or h["exe"], h["time_ms"] // BUCKET_MS * BUCKET_MS)
        g = groups.setdefault(key, {"dumps": 0, "processes": set(), "max_open": 0, "tracked": 0})
        g["dumps"] += 1
        g["processes"].add((pid, run))
        g["max_open"] = max(g["max_open"], h["open"])
        g["tracked"] += h["tracked"]
    out = {}
    for (fn, bucket), g in groups.items():
        minute = datetime.datetime.fromtimestamp(bucket / 1000, datetime.timezone.utc)
        out[(fn, minute.strftime("%Y-%m-%dT%H:%M:%S.000Z"))] = (
            g["dumps"], len(g["processes"]), g["max_open"], g["tracked"])
    return out


def last_dump_keys(dumps):
    best = {}
    for (pid, run, seq), d in dumps.items():
        if "header" not in d:
            continue
        rank = (d["complete"], seq)
        if (pid, run) not in best or rank > best[(pid, run)][0]:
            best[(pid, run)] = (rank, seq)
    return {(pid, run, seq) for (pid, run), (_, seq) in best.items()}


def rep_dumps_reasons(paths):
    """The headers of the dumps the report takes (computed here)."""
    raw = raw_dumps(paths)
    return [raw[k]["header"] for k in last_dump_keys(raw)]


def check_insights_fields(doc, lines):
    """The field names of the Logs Insights queries exist in real lines."""
    keywords = {"fields", "filter", "stats", "sort", "limit", "by", "as", "and", "or", "not",
                "asc", "desc", "parse", "display", "dedup", "like", "in",
                "bin", "count", "max", "min", "avg", "sum", "count_distinct", "ispresent",
                "latest", "earliest", "true", "false"}
    known = set()

    def walk(o, prefix):
        if isinstance(o, dict):
            for k, v in o.items():
                known.add(prefix + k)
                walk(v, prefix + k + ".")
        elif isinstance(o, list):
            for i, v in enumerate(o):
                known.add(prefix + str(i))
                walk(v, prefix + str(i) + ".")

    for o in lines:
        walk(o, "")
    blocks = doc_blocks(doc, "insights")
    check(len(blocks) >= 5, f"only {len(blocks)} insights blocks in the doc")
    used = set()
    for body in blocks.values():
        text = re.sub(r'"[^"]*"', " ", body)             # string literals
        aliases = set(re.findall(r"\bas\s+(\w+)", text))
        for name in re.findall(r"(?<![@\w.])[A-Za-z_][\w]*(?:\.\w+)*", text):
            if name in keywords or name in aliases or re.fullmatch(r"\d+\w*", name):
                continue
            used.add(name)
    missing = sorted(u for u in used if u not in known)
    check(not missing, f"insights queries use fields that no dump or EMF line has: {missing}")
    return sorted(used)


# ------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fdscope", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--python-job", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--doc", required=True)
    ap.add_argument("--run-sql", required=True)
    ap.add_argument("--node", default="node")
    ap.add_argument("--processes", type=int, default=300)
    ap.add_argument("--python-processes", type=int, default=20)
    ap.add_argument("--keep", help="leave the fleet in this directory")
    args = ap.parse_args()
    for k in ("fdscope", "shim", "worker", "python_job", "doc", "run_sql"):
        setattr(args, k, os.path.abspath(getattr(args, k)))
    with open(args.doc) as f:
        doc = f.read()
    blocks = doc_blocks(doc, "sql")
    for need in ("lines", "lines_from_logs", "dumps", "fd_sites", "sites", "totals",
                 "open_over_time", "site_over_seq", "version_dumps", "select_version", "emf"):
        check(need in blocks, f"no ```sql block '-- fleet: {need}' in {args.doc}")

    tmp = tempfile.mkdtemp(prefix="fdscope-fleet.")
    try:
        root = os.path.join(tmp, "fleet")
        t0 = time.monotonic()
        fleet = Fleet(root, args)
        fleet.generate()
        t_gen = time.monotonic() - t0
        dump_files = sorted(os.path.join(fleet.dumps, n) for n in os.listdir(fleet.dumps))
        log_files = sorted(os.path.join(fleet.logs, n) for n in os.listdir(fleet.logs))
        truncated = ("is truncated",)

        # The dump files.
        rep, t_rep = report(args, dump_files, truncated)
        check(len(rep["problems"]) == len(fleet.truncated),
              f"the report names {len(rep['problems'])} truncated dumps, {len(fleet.truncated)} were cut")
        last_reasons = collections.Counter(d["reason"] for d in rep_dumps_reasons(dump_files))
        check(last_reasons["threshold"] >= 10, f"too few processes whose last dump is a threshold one: {last_reasons}")
        res, t_sql = run_sql(args, root, tmp, blocks, [
            ("lines", "lines"), ("dumps", "dumps"), ("fd_sites", "fd_sites"),
            ("sites", "sites"), ("totals", "totals"), ("open_over_time", "open_over_time"),
            ("site_over_seq", "site_over_seq")])
        n_sites = compare_sites("dump files", rep, res["sites"])
        compare_totals("dump files", rep, res["totals"])
        funcs = collections.Counter(r["function"] for r in res["sites"])
        check(funcs["open_config"] >= 2, "open_config should be two sites (from main and from reload)")
        check(any(r["frames"] and ".py:" in r["frames"][0]["where"] for r in res["sites"]),
              "no Python site in the fleet")

        raw = raw_dumps(dump_files)
        want = expected_site_over_seq(raw)
        got = collections.Counter()
        for r in res["site_over_seq"]:
            got[(r["pid"], r["run"], r["seq"], tuple(r["site"]))] += r["count"]
        check(want == got, f"site_over_seq differs from the raw dumps: "
                           f"{len(set(want.items()) ^ set(got.items()))} rows")
        multi = sum(1 for k in {(p, r) for p, r, s in raw} if
                    sum(1 for (p2, r2, s2), d in raw.items() if (p2, r2) == k and d["complete"]) > 1)
        check(multi >= 20, f"only {multi} processes with two complete dumps")
        want_oot = expected_open_over_time(raw)
        got_oot = {(r["function"], r["minute"]): (r["dumps"], r["processes"], r["max_open"], r["tracked"])
                   for r in res["open_over_time"]}
        check(want_oot == got_oot, f"open_over_time differs:\n  want {want_oot}\n  got  {got_oot}")

        # The log streams (output=stderr, timestamps, summaries, EMF lines).
        rep_logs, _ = report(args, log_files)
        version_files = [p for p in log_files if os.path.basename(p).startswith(f"{FUNCTION}-{VERSION}-")]
        rep_version, _ = report(args, version_files)
        res_logs, t_sql_logs = run_sql(args, root, tmp, blocks, [
            ("lines", "lines_from_logs"), ("dumps", "dumps"), ("fd_sites", "fd_sites"),
            ("sites", "sites"), ("totals", "totals"), ("version_dumps", "version_dumps"),
            ("emf", "emf"), ("select_version", "select_version"), ("sites_version", "sites"),
            ("totals_version", "totals")])
        n_log_sites = compare_sites("log streams", rep_logs, res_logs["sites"])
        compare_totals("log streams", rep_logs, res_logs["totals"])
        compare_sites(f"{FUNCTION} version {VERSION}", rep_version, res_logs["sites_version"])
        compare_totals(f"{FUNCTION} version {VERSION}", rep_version, res_logs["totals_version"])

        raw_logs = raw_dumps(log_files)
        want_version = {k for k, d in raw_logs.items()
                        if d["header"].get("lambda_function") == FUNCTION
                        and d["header"].get("lambda_version") == VERSION}
        got_version = {(r["pid"], r["run"], r["seq"]) for r in res_logs["version_dumps"]}
        check(want_version and want_version == got_version,
              f"version_dumps: {sorted(got_version)} != {sorted(want_version)}")
        streams = {raw_logs[k]["header"]["lambda_log_stream"] for k in want_version}
        check({r["lambda_log_stream"] for r in res_logs["version_dumps"]} == streams,
              "version_dumps: log streams differ")

        emf_lines = [o for _, o in read_objects(log_files) if "_aws" in o]
        want_emf = collections.defaultdict(lambda: [0, 0, 0])
        for o in emf_lines:
            g = want_emf[(o["FunctionName"], o["TopSite"])]
            g[0] += 1
            g[1] = max(g[1], o["TopSiteDescriptors"])
            g[2] = max(g[2], o["OpenDescriptors"])
            h = raw_logs[(o["pid"], o["run"], o["seq"])]["header"]
            check(o["OpenDescriptors"] == h["open"] and o["TrackedDescriptors"] == h["tracked"],
                  f"EMF counts {o} differ from the header's {h['open']}/{h['tracked']}")
        got_emf = {(r["FunctionName"], r["TopSite"]): [r["dumps"], r["max_top_site"], r["max_open"]]
                   for r in res_logs["emf"]}
        check(dict(want_emf) == got_emf, f"emf: {got_emf} != {dict(want_emf)}")
        check(len(emf_lines) == sum(1 for d in raw_logs.values() if "header" in d),
              "not one EMF line per dump")

        every_line = [o for _, o in read_objects(dump_files + log_files)]
        fields = check_insights_fields(doc, every_line)

        processes = len({(p, r) for p, r, s in raw} | {(p, r) for p, r, s in raw_logs})
        print(f"fleet: {fleet.runs} runs ({processes} processes with dumps, forks included), "
              f"{len(dump_files)} dump files, {len(log_files)} log streams, "
              f"{len(raw) + len(raw_logs)} dumps, {len(fleet.truncated)} cut short; generated in {t_gen:.1f}s")
        print(f"dump files: {n_sites} sites, {rep['descriptors']} descriptors, {rep['processes']} processes: "
              f"query = report (report {t_rep:.2f}s, DuckDB {t_sql:.2f}s)")
        print(f"log streams: {n_log_sites} sites, {rep_logs['descriptors']} descriptors; "
              f"{FUNCTION} v{VERSION}: {len(want_version)} dumps, {rep_version['descriptors']} descriptors; "
              f"{len(emf_lines)} EMF lines (DuckDB {t_sql_logs:.2f}s)")
        print(f"site_over_seq: {len(want)} rows; open_over_time: {len(want_oot)} rows; "
              f"insights fields checked: {', '.join(fields)}")
        if args.keep:
            shutil.copytree(root, args.keep, dirs_exist_ok=True)
        print("1 passed, 0 failed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
