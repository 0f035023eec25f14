#!/usr/bin/python3
"""Lambda end to end: the incident, replayed through the real AWS runtime
interface client for Node.js (npm aws-lambda-ric 3.3.0), a real MariaDB
server and the layer zip, under a local emulation of Lambda (lambdaemu.py).

The function (function/index.mjs) opens a MariaDB connection with mysql2 on
every invocation, through the host name `localhost`, runs SELECT 1, and
never closes it; function/fixed.mjs closes it in a finally. Each case is one
ctest test:

  no_fdscope  without fdscope, invocations start failing with EMFILE
              ("getaddrinfo EMFILE localhost") near invocation 1,000, and
              the warm runtime never recovers;
  layer       with the layer's wrapper as AWS_LAMBDA_EXEC_WRAPPER, a
              threshold dump is in the log stream before the first failed
              invocation, and `fdscope report` on the log stream puts >= 95%
              of the leaked sockets in one call site whose top target is the
              database (tcp -> 127.0.0.1:<port>);
  abort       with FDSCOPE_OPTIONS=action=abort, each runtime dies at the
              threshold with a dump, Lambda starts a fresh one, and 3,000
              invocations fail at most once per abort;
  fixed       the fixed handler runs 3,000 invocations under the layer with
              no dump and no failure;
  ld_preload  no wrapper, LD_PRELOAD set as a function variable, a bootstrap
              shell in the launch chain: the leaking runtime's dump names its
              process, the processes that do not leak write nothing;
  measure     prints (asserts nothing about) cold start plain vs layer, the
              layer zip size, and the fixed handler's throughput.

Everything runs on loopback in a fresh temporary directory; every process
is stopped at the end, also on failure.
"""

import argparse
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import lambdaemu  # noqa: E402
from case_measure import case_measure  # noqa: E402
from cases_no_wrapper import case_ld_preload, case_no_fdscope  # noqa: E402
from cases_wrapper import case_abort, case_fixed, case_layer  # noqa: E402
from dumplib import Checker  # noqa: E402
from lambda_env import FUNCTION_DIR, Env  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=["no_fdscope", "layer", "abort", "fixed", "ld_preload", "measure"])
    ap.add_argument("--layer-zip", required=True, help="build/fdscope-layer-<arch>.zip")
    ap.add_argument("--fdscope", required=True, help="the fdscope tool (build/bin/fdscope)")
    ap.add_argument("--node", default="/usr/bin/node")
    ap.add_argument("--invocations", type=int, default=0, help="override the case's count")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    # ctest's timeout sends SIGTERM: unwind, so that MariaDB and the runtime stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    ck = Checker("lambda: " + args.case)
    ric = os.path.join(FUNCTION_DIR, "node_modules", "aws-lambda-ric", "bin", "index.mjs")
    ck.require(os.path.isfile(ric) and os.path.isdir(os.path.join(FUNCTION_DIR, "node_modules", "mysql2")),
               "the function's npm dependencies are installed (aws-lambda-ric, mysql2)",
               "run tests/lambda/setup.sh (npm ci in %s)" % FUNCTION_DIR)
    ck.require(os.path.isfile(args.layer_zip), "the layer zip exists",
               "%s: build it with `ninja -C build layer`" % args.layer_zip)
    ck.require(_resolves_to_loopback("localhost"), "getaddrinfo resolves localhost to 127.0.0.1",
               "the function reaches the database through the host name localhost")

    tmp = tempfile.mkdtemp(prefix="fdscope-lambda-%s-" % args.case)
    t0 = time.monotonic()
    try:
        env = Env(args, tmp, ric)
        with lambdaemu.MariaDB(os.path.join(tmp, "mariadb")) as db:
            env.db = db
            ck.note("MariaDB on 127.0.0.1:%d, layer extracted into %s" % (db.port, env.opt))
            CASES[args.case](ck, env)
    except lambdaemu.EmulatorError as e:
        ck.expect(False, "the emulation ran", str(e))
    except Exception:
        import traceback
        ck.expect(False, "the checker ran to its end", traceback.format_exc())
    finally:
        ck.note("%s took %.1f s" % (args.case, time.monotonic() - t0))
        if args.keep or ck.failures:
            print("kept %s" % tmp, flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    ck.done()


def _resolves_to_loopback(host):
    try:
        infos = socket.getaddrinfo(host, 3306, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return False
    return any(i[4][0] == "127.0.0.1" for i in infos)


CASES = {
    "no_fdscope": case_no_fdscope,
    "layer": case_layer,
    "abort": case_abort,
    "fixed": case_fixed,
    "ld_preload": case_ld_preload,
    "measure": case_measure,
}

if __name__ == "__main__":
    main()
