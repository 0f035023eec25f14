"""A local stand-in for AWS Lambda, for fdscope's Lambda end-to-end tests
(Python stdlib only): one import for check_lambda.py, re-exported from the
modules beside this one. Three pieces:

- MariaDB (mariadb_server.py): a real MariaDB server (Debian's mariadbd)
  on 127.0.0.1 with its own data directory, started and stopped by the
  test, bounded in time.

- RuntimeAPI (runtime_api.py): the Lambda Runtime API (version 2018-06-01)
  over loopback HTTP/1.1 with keep-alive, as the real runtime clients
  expect; the endpoints and headers are listed there.

- Lambda (lambda_service.py): the service. It keeps ONE warm runtime
  process, started as Lambda starts it, sends it the invocations in order,
  one at a time, starts a fresh one after it dies, and writes everything
  into one capture file, the "CloudWatch Logs" log stream.

Besides: extract_layer (layer_zip.py), the layer zip extracted as Lambda
extracts it into /opt; EmulatorError, free_port, kill_group and
die_with_parent (emu_processes.py).
"""

from emu_processes import EmulatorError, die_with_parent, free_port, kill_group  # noqa: F401
from lambda_service import FunctionConfig, Lambda  # noqa: F401
from layer_zip import extract_layer  # noqa: F401
from mariadb_server import MariaDB  # noqa: F401
from runtime_api import API_PREFIX, Invocation, Runtime, RuntimeAPI  # noqa: F401
