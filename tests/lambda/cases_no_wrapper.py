"""The Lambda cases without the layer's exec wrapper: (a) no fdscope at all,
(e) the library as a function's LD_PRELOAD variable."""

import os

from case_helpers import (describe_invocation, failures, is_emfile, runtime_environ,
                          runtime_maps_has, status_counts)
from lambda_env import FUNCTION_DIR, LIMIT, THRESHOLD
from log_stream import LogStream, check_dumps_consistent

# --------------------------------------------------------------------------
# a. Without fdscope
# --------------------------------------------------------------------------

def case_no_fdscope(ck, env):
    n = env.args.invocations or 1100
    with env.function() as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        rt = lam.runtimes[0]
        ck.expect(not runtime_maps_has(rt.pid, "libfdscope"), "the runtime has no libfdscope.so mapped")
        db_conns = env.db.connections()
        fails = failures(invs)
        ck.note("invocations: %s; runtimes started: %d" % (status_counts(invs), len(lam.runtimes)))
        ck.require(fails, "some of %d invocations fail" % n)
        first = fails[0]
        ck.note("FIRST FAILED INVOCATION without fdscope: #%d (%s: %s)"
                % (first.index, first.error_type, first.error_message))
        ck.expect(900 <= first.index <= LIMIT,
                  "the first failure is near the descriptor limit: 900 <= #%d <= %d" % (first.index, LIMIT))
        ck.expect(all(not i.failed for i in invs[:first.index - 1]),
                  "every invocation before #%d succeeded" % first.index)
        bad = [i for i in fails if not is_emfile(i)]
        ck.expect(not bad, "every failure is an EMFILE error",
                  "\n".join(describe_invocation(i) for i in bad[:5]))
        ck.expect_equal(first.error_message, "getaddrinfo EMFILE localhost",
                        "the first failure is the incident's error")
        ck.expect_equal(len(fails), n - first.index + 1,
                        "the warm runtime never recovers: invocations #%d..#%d all fail" % (first.index, n))
        ck.expect_equal([(r.index, r.exit_code) for r in lam.runtimes], [(1, None)],
                        "one runtime served them all and is still running (no crash, no recycle)")
        ck.expect_equal(db_conns, first.index - 1,
                        "MariaDB holds one open connection per successful invocation")
        ck.expect(all(i.response and i.response.get("one") == 1 and i.response.get("pid") == rt.pid
                      for i in invs[:first.index - 1]),
                  "successful invocations returned SELECT 1 from the runtime process")
    log = LogStream(lam.capture_path)
    ck.expect_equal(len(log.dumps) + len(log.fdscope_text) + len(log.emf), 0,
                    "no fdscope output in the log stream")
    ck.expect(log.lines.count("Executing 'index.handler' in function directory '%s'\n" % FUNCTION_DIR) == 1,
              "the runtime interface client started once")

# --------------------------------------------------------------------------
# e. Plain LD_PRELOAD as a function variable, a shell in the launch chain
# --------------------------------------------------------------------------

def case_ld_preload(ck, env):
    n = env.args.invocations or 860
    bootstrap = os.path.join(FUNCTION_DIR, "bootstrap")
    with env.function(env={"LD_PRELOAD": env.lib, "FDSCOPE_OPTIONS": "output=stderr", "NODE": env.args.node,
                           "LAMBDA_RIC": env.ric},
                      runtime_cmd=[bootstrap]) as lam:
        invs = lam.invoke_many(n, lambda i: {"n": i}, time_limit=240)
        shell = lam.runtimes[0]
        node_pids = {i.response.get("pid") for i in invs if i.response}
        ck.require(len(node_pids) == 1, "one runtime process answered", str(node_pids))
        node_pid = node_pids.pop()
        ck.note("bootstrap shell pid %d, runtime (node) pid %d" % (shell.pid, node_pid))
        ck.expect(node_pid != shell.pid, "the runtime is a child of the bootstrap shell, not the shell itself")
        ck.expect(runtime_maps_has(shell.pid, env.lib) and runtime_maps_has(node_pid, env.lib),
                  "the library is loaded in the shell and in the runtime")
        ck.expect_equal(runtime_environ(node_pid).get("FDSCOPE_OPTIONS"), "output=stderr",
                        "the runtime has the function's FDSCOPE_OPTIONS unchanged (no wrapper)")
    ck.note("invocations: %s" % status_counts(invs))
    ck.expect_equal(len(failures(invs)), 0, "no failed invocation (the run stops before the limit)")
    log = LogStream(lam.capture_path)
    check_dumps_consistent(ck, log)
    summaries = ["%s exe=%s ppid=%s" % (d.summary(), d.header.get("exe"), d.header.get("ppid"))
                 for d in log.dumps if d.header]
    ck.expect_equal([(d.pid, d.reason) for d in log.dumps], [(node_pid, "threshold")],
                    "exactly one dump: the runtime's threshold dump", "\n".join(summaries))
    if log.dumps and log.dumps[0].header:
        h = log.dumps[0].header
        ck.expect_equal((h["pid"], os.path.basename(h["exe"]), h["ppid"]), (node_pid, "node", shell.pid),
                        "the dump's header names its process: the runtime's pid, exe node, "
                        "parent the bootstrap shell")
        ck.expect_equal(h["tracked"], THRESHOLD, "written at the default threshold (%d)" % THRESHOLD)
    other = [t for p, t in log.fdscope_lines_by_pid() if p != node_pid]
    ck.expect_equal(other, [], "no fdscope line from any other process (the shell, uname, node --version)")
    ck.expect_equal(len(log.emf), 0, "no EMF line (metrics is off without the wrapper)")
    boot = [l.rstrip("\n") for l in log.lines if l.startswith("bootstrap:")]
    ck.expect(any(l.startswith("bootstrap: node v") for l in boot),
              "the bootstrap's own non-leaking children ran under the preload", "\n".join(boot))
    files = os.listdir(lam.fn.tmp_dir)
    ck.expect_equal(files, [], "no dump file in the function's TMPDIR (output=stderr)")
