"""A real MariaDB server (Debian's mariadbd) on 127.0.0.1 with its own data
directory, started and stopped by the test, bounded in time (stdlib only)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from typing import List, Optional

from emu_processes import EmulatorError, die_with_parent, free_port, kill_group


class MariaDB:
    """A MariaDB server on 127.0.0.1:<free port> with its own data directory
    under `workdir`; any user name is accepted (--skip-grant-tables). Use as
    a context manager: stopped (SIGTERM, then SIGKILL) on exit, even when
    the test fails.

    `env` is the server's environment (default: this one's), and its
    stderr goes to `stderr_path` when given (tests/real runs the server
    with libfdscope.so preloaded); stop_cleanly() ends it as an
    administrator would and returns its exit status."""

    def __init__(self, workdir: str, max_connections: int = 5000, start_timeout: float = 60.0,
                 env: Optional[dict] = None, stderr_path: Optional[str] = None):
        self.workdir = workdir
        self.datadir = os.path.join(workdir, "data")
        self.socket_path = os.path.join(workdir, "mariadb.sock")
        self.log_path = os.path.join(workdir, "mariadb.err")
        self.max_connections = max_connections
        self.start_timeout = start_timeout
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.env = env
        self.stderr_path = stderr_path

    def __enter__(self) -> "MariaDB":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _common(self) -> List[str]:
        # A private tmpdir: a CI run once lost install-db's temporary table
        # in the shared /tmp while other suites ran beside it (ENOENT).
        return ["--no-defaults", "--datadir=" + self.datadir, "--user=" + _user_name(),
                "--tmpdir=" + self.tmpdir]

    @property
    def tmpdir(self) -> str:
        return os.path.join(self.workdir, "tmp")

    def start(self) -> None:
        os.makedirs(self.workdir, exist_ok=True)
        os.makedirs(self.tmpdir, exist_ok=True)
        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        server = (shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/libexec")
                  or shutil.which("mysqld", path="/usr/sbin"))
        if not install or not server:
            raise EmulatorError("MariaDB is not installed (mariadb-install-db, mariadbd: "
                                "Debian package mariadb-server; scripts/install-deps.sh)")
        log = os.path.join(self.workdir, "install-db.log")
        with open(log, "w") as out:
            try:
                r = subprocess.run([install] + self._common() +
                                   ["--auth-root-authentication-method=normal", "--skip-test-db",
                                    "--innodb-log-file-size=8M"],
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   timeout=120, start_new_session=True)
            except subprocess.TimeoutExpired:
                raise EmulatorError("mariadb-install-db took more than 120 s; see %s" % log)
        if r.returncode != 0:
            raise EmulatorError("mariadb-install-db failed (%d):\n%s" % (r.returncode, _tail(log)))
        for attempt in range(3):
            if self._start_server(server, attempt == 2):
                return

    def _start_server(self, server: str, last: bool) -> bool:
        """Starts mariadbd on a free port; False if another process took
        the port first (and this was not the last attempt)."""
        self.port = free_port()
        if os.path.exists(self.log_path):
            os.remove(self.log_path)
        argv = [server] + self._common() + [
            "--socket=" + self.socket_path, "--pid-file=" + os.path.join(self.workdir, "mariadb.pid"),
            "--port=%d" % self.port, "--bind-address=127.0.0.1", "--skip-name-resolve",
            "--skip-grant-tables", "--max-connections=%d" % self.max_connections,
            "--max-connect-errors=1000000", "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M", "--skip-log-bin", "--performance-schema=OFF",
            "--log-error=" + self.log_path]
        err = open(self.stderr_path, "ab") if self.stderr_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         start_new_session=True, cwd=self.workdir, env=self.env,
                                         preexec_fn=die_with_parent)
        finally:
            if self.stderr_path:
                err.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                log = _tail(self.log_path)
                self.proc = None
                if "already in use" in log and not last:
                    return False
                raise EmulatorError("mariadbd exited at start-up:\n%s" % log)
            if self._answers():
                return True
            if time.monotonic() > deadline:
                raise EmulatorError("mariadbd did not answer on 127.0.0.1:%d within %.0f s:\n%s"
                                    % (self.port, self.start_timeout, _tail(self.log_path)))
            time.sleep(0.1)

    def _answers(self) -> bool:
        """True when the server sends its handshake packet on the TCP port."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.settimeout(2)
                data = s.recv(64)
                return len(data) > 4
        except OSError:
            return False

    def connections(self) -> int:
        """Client connections open right now (Threads_connected), through the
        mariadb client on the Unix socket; -1 if that fails."""
        client = shutil.which("mariadb") or shutil.which("mysql")
        try:
            r = subprocess.run([client, "--no-defaults", "--socket=" + self.socket_path, "-uroot",
                                "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE 'Threads_connected'"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            return int(r.stdout.split()[1]) - 1      # less this client's own connection
        except (OSError, subprocess.TimeoutExpired, IndexError, ValueError):
            return -1

    def stop_cleanly(self, timeout: float = 60.0) -> Optional[int]:
        """SIGTERM (mariadbd's normal shutdown) and waits; the exit status,
        or None when it did not end within `timeout` (then it is killed)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: Optional[int] = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        return code

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.proc, grace=15.0)
            self.proc = None


def _user_name() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _tail(path: str, n: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return "(%s)" % e
