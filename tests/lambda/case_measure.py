"""The Lambda measurements: cold start plain vs layer, the layer zip size and
the fixed handler's throughput (printed, not asserted)."""

import os
import statistics
import time

from case_helpers import describe_invocation, failures

# --------------------------------------------------------------------------
# Measurements (printed, not asserted)
# --------------------------------------------------------------------------

def case_measure(ck, env):
    # Cold start: spawn -> first /next, for the plain runtime, the layer
    # (wrapper + library), and the library alone through LD_PRELOAD (the
    # wrapper's own cost is the difference), in rotating order.
    rounds = 15
    configs = {"plain": {},
               "layer": {"AWS_LAMBDA_EXEC_WRAPPER": env.wrapper},
               "preload": {"LD_PRELOAD": env.lib, "FDSCOPE_OPTIONS": "output=stderr:metrics=emf"}}
    modes = list(configs)
    colds = {k: [] for k in modes}
    cpus = {k: [] for k in modes}
    lams = {k: env.function(handler="fixed.handler", env=v) for k, v in configs.items()}
    try:
        for r in range(rounds):
            for mode in modes[r % 3:] + modes[:r % 3]:
                lam = lams[mode]
                rt = lam.start_runtime()
                ready = lam.wait_ready(rt, timeout=60)
                lam.stop_runtime()
                ck.require(ready, "%s runtime #%d reached /next" % (mode, rt.index))
                colds[mode].append(rt.init_seconds * 1000)
                cpus[mode].append(rt.cpu_first_next * 1000)
    finally:
        for lam in lams.values():
            lam.close()
    med = {k: statistics.median(v) for k, v in colds.items()}
    ck.note("MEASURE cold start (spawn -> first /next), median of %d: plain %.1f ms, layer %.1f ms "
            "(+%.1f ms), LD_PRELOAD only %.1f ms (+%.1f ms); min %.1f / %.1f / %.1f ms"
            % (rounds, med["plain"], med["layer"], med["layer"] - med["plain"], med["preload"],
               med["preload"] - med["plain"], min(colds["plain"]), min(colds["layer"]),
               min(colds["preload"])))
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    ck.note("MEASURE runtime CPU time (user + system) until its first /next, median: plain %.0f ms, "
            "layer %.0f ms, LD_PRELOAD only %.0f ms" % (cpu["plain"], cpu["layer"], cpu["preload"]))
    del configs["preload"]
    size = os.path.getsize(env.args.layer_zip)
    unzipped = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(env.opt) for f in fs)
    ck.note("MEASURE layer zip %s: %d bytes (%.1f KiB), %d bytes unzipped"
            % (os.path.basename(env.args.layer_zip), size, size / 1024, unzipped))
    n = env.args.invocations or 1000
    rates = {"plain": [], "layer": []}
    for r in range(5):
        for mode in (("plain", "layer") if r % 2 == 0 else ("layer", "plain")):
            with env.function(handler="fixed.handler", env=configs[mode]) as lam:
                lam.invoke({"n": 0})               # the cold start, not counted
                t = time.monotonic()
                invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
                dt = time.monotonic() - t
                if failures(invs):
                    ck.require(False, "%s: %d invocations of the fixed handler succeed" % (mode, n),
                               describe_invocation(failures(invs)[0]))
                rates[mode].append(n / dt)
    pl, ly = statistics.median(rates["plain"]), statistics.median(rates["layer"])
    ck.note("MEASURE fixed handler throughput, median of 5 runs of %d invocations: plain %.0f/s, "
            "layer %.0f/s (%.1f%%)" % (n, pl, ly, (ly / pl - 1) * 100))
    ck.note("runs: plain %s; layer %s" % (["%.0f" % x for x in rates["plain"]],
                                          ["%.0f" % x for x in rates["layer"]]))
