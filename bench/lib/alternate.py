#!/usr/bin/env python3
"""Runs one command under several configurations side by side: ROUNDS
rounds, each running every configuration once (the order rotating from
round to round, so none always goes first), and prints, per configuration,
the median of its figures and the medians of its per-round ratio to and
difference from its baseline: the first configuration, or the one
--base names for it. On a shared,
noisy machine only figures from the same round are compared.

  alternate.py [-r ROUNDS] [--wall K] [--field F] [--timeout S]
               -c NAME SPEC [-c NAME SPEC ...] [--base NAME BASE ...]
               -- COMMAND ARGS...

SPEC is shell words: leading VAR=VALUE words are set in the command's
environment (LD_PRELOAD and FDSCOPE_OPTIONS are removed from it first),
the rest are put before the command (e.g. "taskset -c 0 strace -f").
A figure is field F (0-based, default 0) of the command's last line of
output; with --wall K it is instead the wall time in ms per run of K runs
in a row (start-up costs). Prints on stdout one line per configuration,
"NAME MEDIAN RATIO DIFFERENCE", then the same for every further field
of the last line as NAME.F (F its 0-based index), when there are such;
each round's figures go to stderr.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("-r", "--rounds", type=int, default=7)
    p.add_argument("--wall", type=int, default=0, metavar="K")
    p.add_argument("--field", type=int, default=0)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("-c", "--config", nargs=2, action="append", metavar=("NAME", "SPEC"), required=True)
    p.add_argument("--base", nargs=2, action="append", default=[], metavar=("NAME", "BASE"))
    p.add_argument("command", nargs="+")
    return p.parse_args()


def config(spec):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FDSCOPE_OPTIONS")}
    words = shlex.split(spec)
    while words and "=" in words[0] and not words[0].startswith("="):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    return env, words


def figure(args, env, prefix):
    cmd = prefix + args.command
    if args.wall:
        t0 = time.perf_counter()
        for _ in range(args.wall):
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=args.timeout, check=True)
        return [(time.perf_counter() - t0) * 1e3 / args.wall]
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, timeout=args.timeout)
    lines = out.stdout.split("\n") if out.stdout else []
    lines = [l for l in lines if l.strip()]
    if out.returncode != 0 or not lines:
        sys.exit("alternate: %s exited %d with output %r" % (shlex.join(cmd), out.returncode, out.stdout[-200:]))
    words = lines[-1].split()
    return [float(words[args.field])] + [float(w) for i, w in enumerate(words) if i != args.field]


def main():
    args = parse()
    configs = [(name,) + config(spec) for name, spec in args.config]
    figures = {name: [] for name, _, _ in configs}
    for r in range(args.rounds):
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for name, env, prefix in order:
            figures[name].append(figure(args, env, prefix))
        print("round %d: " % (r + 1) + "  ".join("%s %s" % (n, "/".join("%.6g" % x for x in figures[n][-1])) for n, _, _ in configs),
              file=sys.stderr, flush=True)
    bases = dict(args.base)
    fields = min(len(f) for fs in figures.values() for f in fs)
    for i in range(fields):
        for name, _, _ in configs:
            mine = [f[i] for f in figures[name]]
            base = [f[i] for f in figures[bases.get(name, configs[0][0])]]
            ratio = statistics.median(m / b if b else float("nan") for m, b in zip(mine, base))
            diff = statistics.median(m - b for m, b in zip(mine, base))
            orig = [args.field] + [j for j in range(fields + 1) if j != args.field]
            label = name if i == 0 else "%s.%d" % (name, orig[i])
            print("%s %.6g %.6g %.6g" % (label, statistics.median(mine), ratio, diff))


main()
