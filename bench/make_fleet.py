#!/usr/bin/env python3
"""Writes a synthetic fleet of dump files for the report benchmark: FILES
files holding RECORDS fd records in all, modelled on one real dump (its
header, modules and stacks; its tracked fd lines repeated with new numbers,
pids and run ids). Usage: make_fleet.py TEMPLATE.jsonl OUTDIR FILES RECORDS"""
import json
import sys


def main():
    template, outdir, files, records = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    lines = [json.loads(l) for l in open(template) if l.startswith("{")]
    head = [l for l in lines if l["type"] in ("header", "module", "stack")]
    fds = [l for l in lines if l["type"] == "fd" and l.get("tracked")]
    if not fds:
        sys.exit("make_fleet: the template has no tracked fd records")
    per_file = records // files
    for i in range(files):
        pid, run = 1000 + i, "%016x" % (0xF1EE7000 + i)
        with open(f"{outdir}/fdscope.{pid}.jsonl", "w") as out:
            for l in head:
                out.write(json.dumps(dict(l, pid=pid, run=run), separators=(",", ":")) + "\n")
            for n in range(per_file):
                rec = dict(fds[n % len(fds)], pid=pid, run=run, fd=3 + n)
                out.write(json.dumps(rec, separators=(",", ":")) + "\n")
            out.write(json.dumps({"type": "end", "pid": pid, "seq": head[0]["seq"], "run": run,
                                  "fds": per_file}, separators=(",", ":")) + "\n")


main()
