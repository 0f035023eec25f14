"""What every Lambda case needs: the function and its limits, and Env (the
layer extracted as /opt, the tool, the database, and a factory of Lambda
functions)."""

import json
import os
import subprocess

import lambdaemu

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTION_DIR = os.path.join(HERE, "function")
FUNCTION_NAME = "orders-api"
DB_USER = "orders"
LIMIT = 1024                    # Lambda's descriptor limit
THRESHOLD = LIMIT * 80 // 100   # fdscope's default threshold, 80% of the soft limit: 819

class Env:
    """What every case needs: the layer extracted as /opt, the tool, the
    database, and a factory of Lambda functions."""

    def __init__(self, args, tmp, ric):
        self.args = args
        self.tmp = tmp
        self.ric = ric
        self.opt = lambdaemu.extract_layer(args.layer_zip, os.path.join(tmp, "opt"))
        self.wrapper = os.path.join(self.opt, "bin", "fdscope-wrapper")
        self.lib = os.path.join(self.opt, "lib", "libfdscope.so")
        self.db = None
        self.count = 0

    def function(self, handler="index.handler", env=None, runtime_cmd=None, name=FUNCTION_NAME):
        """A Lambda (the service) for one function configuration, with its
        own log stream file."""
        self.count += 1
        lambda_tmp = os.path.join(self.tmp, "lambda-tmp-%d" % self.count)
        os.mkdir(lambda_tmp)
        fn_env = {"DB_HOST": "localhost", "DB_PORT": str(self.db.port), "DB_USER": DB_USER}
        fn_env.update(env or {})
        cmd = runtime_cmd or [self.args.node, "--expose-gc", "--max-http-header-size", "81920",
                              self.ric, handler]
        fn = lambdaemu.FunctionConfig(name=name, task_root=FUNCTION_DIR, handler=handler,
                                      runtime_cmd=cmd, layer_dir=self.opt, env=fn_env,
                                      timeout_s=30.0, nofile=LIMIT, tmp_dir=lambda_tmp)
        capture = os.path.join(self.tmp, "cloudwatch-%d.log" % self.count)
        return lambdaemu.Lambda(fn, capture)

    def db_port_target(self):
        return "tcp -> 127.0.0.1:%d" % self.db.port

    def report(self, ck, path):
        """`fdscope report --format json PATH`: the parsed object."""
        r = subprocess.run([self.args.fdscope, "report", "--format", "json", path],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        ck.expect(r.returncode == 0 and not r.stderr.strip(),
                  "fdscope report --format json %s exits 0, nothing on stderr" % os.path.basename(path),
                  "exit %d, stderr:\n%s" % (r.returncode, r.stderr[-3000:]))
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            ck.require(False, "fdscope report prints one JSON object", "%s: %.500s" % (e, r.stdout))
