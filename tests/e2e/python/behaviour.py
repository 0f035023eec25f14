"""End-to-end subject for fdscope: observable results of descriptor calls.

    python3 behaviour.py DIR

Prints, one per line, the results and errno values of a fixed sequence of
descriptor-creating and -releasing calls (descriptor numbers included),
run in DIR (an empty scratch directory). Everything printed is deterministic,
so runs with and without libfdscope.so preloaded must print exactly the same
text and exit with the same code (4).
"""

import errno
import fcntl
import os
import resource
import select
import signal
import socket
import subprocess
import traceback
import sys
import tempfile


def out(label, value):
    print("%s: %s" % (label, value), flush=True)


def err_of(fn, *args):
    try:
        r = fn(*args)
    except OSError as e:
        return "OSError %s" % errno.errorcode.get(e.errno, e.errno)
    return "ok %r" % (r,)


def main():
    d = os.path.realpath(sys.argv[1])
    os.chdir(d)
    with open("data.txt", "w") as f:
        f.write("0123456789")

    # Failing calls: same errno.
    out("open missing", err_of(open, "missing.txt"))
    out("os.open dir for writing", err_of(os.open, d, os.O_WRONLY))
    out("os.open O_EXCL existing", err_of(os.open, "data.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    out("close never-opened 1000", err_of(os.close, 1000))
    out("dup never-opened 1000", err_of(os.dup, 1000))
    out("fcntl F_DUPFD never-opened", err_of(fcntl.fcntl, 1000, fcntl.F_DUPFD, 0))
    out("pipe2 bad flags", err_of(os.pipe2, 0x7fffffff))
    out("socket bad family", err_of(socket.socket, 12345, socket.SOCK_STREAM))
    fd = os.open("data.txt", os.O_RDONLY)
    out("open data.txt", fd)
    os.close(fd)
    out("double close", err_of(os.close, fd))

    # Numbering: every created descriptor, in order.
    a = os.open("data.txt", os.O_RDONLY)
    b = os.dup(a)
    c = os.dup2(a, 40)
    e = fcntl.fcntl(a, fcntl.F_DUPFD_CLOEXEC, 60)
    r, w = os.pipe()
    s1, s2 = socket.socketpair()
    ep = select.epoll()
    ev = os.eventfd(0)
    mfd = os.memfd_create("behaviour")
    tfd, tpath = tempfile.mkstemp(dir=d)
    out("numbers", [a, b, c, e, r, w, s1.fileno(), s2.fileno(), ep.fileno(), ev, mfd, tfd])
    out("read through dup", os.pread(b, 4, 2))
    out("dup2 onto open 40", os.dup2(b, 40))
    out("read through 40", os.pread(40, 3, 7))
    os.closerange(r, 70)          # close_range: pipe .. tempfile and 40, 60
    out("after closerange, socketpair", err_of(s1.send, b"x"))
    s1.detach(), s2.detach()
    ep.close()
    reused = [os.open("data.txt", os.O_RDONLY) for _ in range(3)]
    out("reused numbers", reused)
    out("fd 40 after closerange", err_of(os.read, 40, 1))

    # Sockets on loopback.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    cli = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn, _ = srv.accept()
    cli.sendall(b"hello")
    out("loopback echo", conn.recv(5))
    out("socket numbers", [srv.fileno() - a, cli.fileno() - a, conn.fileno() - a])
    for x in (cli, conn, srv):
        x.close()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    refused = socket.socket()
    out("connect to closed port", "errno %s" % errno.errorcode.get(refused.connect_ex(("127.0.0.1", dead_port))))
    refused.close()

    # SCM_RIGHTS: a received descriptor gets the lowest free number.
    p, q = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    sent = os.open("data.txt", os.O_RDONLY)
    socket.send_fds(p, [b"f"], [sent])
    msg, fds, _, _ = socket.recv_fds(q, 16, 4)
    out("received fds", [x - sent for x in fds])
    out("read received", os.pread(fds[0], 2, 0))
    for x in fds + [sent]:
        os.close(x)
    p.close(), q.close()

    # EMFILE at a lowered soft limit, then recovery.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    held = []
    while True:
        try:
            held.append(os.open("/dev/null", os.O_RDONLY))
        except OSError as ex:
            out("emfile", "after %d opens, highest %d, %s" % (len(held), max(held), errno.errorcode[ex.errno]))
            break
        if len(held) > 1000:
            out("emfile", "never")
            break
    out("socket at limit", err_of(socket.socket))
    out("pipe at limit", err_of(os.pipe))
    for x in held[-3:]:
        os.close(x)
    again = os.open("/dev/null", os.O_RDONLY)
    out("open after closing three", again == held[-3])
    for x in held[:-3] + [again]:
        os.close(x)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    # fork: the child's results and exit status.
    rp, wp = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rp)
        os.write(wp, b"child fd %d" % os.open("data.txt", os.O_RDONLY))
        os._exit(7)
    os.close(wp)
    child_says = os.read(rp, 100)
    _, status = os.waitpid(pid, 0)
    os.close(rp)
    out("fork", "%s, exit %d" % (child_says.decode(), os.waitstatus_to_exitcode(status)))

    # exec: a shell under the same environment.
    res = subprocess.run(["/bin/sh", "-c", "echo sh $((2 + 3)); exit 5"], capture_output=True, text=True,
                         timeout=30)
    out("subprocess", "%r exit %d" % (res.stdout, res.returncode))

    # A handler the program installs for the dump signal runs instead.
    got = []
    signal.signal(signal.SIGUSR2, lambda signum, frame: got.append(signum))
    os.kill(os.getpid(), signal.SIGUSR2)
    out("own SIGUSR2 handler ran", got == [signal.SIGUSR2])

    # What the program sees of itself: its own stack traces, import path,
    # environment (less what the test itself sets to preload the library),
    # flags and audit hooks (none is added).
    def fail_deep():
        raise ValueError("deep")
    try:
        fail_deep()
    except ValueError:
        out("traceback", traceback.format_exc().replace(os.path.dirname(__file__), "HERE"))
    out("stack", [(f.name, f.lineno) for f in traceback.extract_stack()])
    out("sys.path", sys.path)
    ignored = ("LD_PRELOAD", "FDSCOPE_OPTIONS")
    out("environ", sorted((k, v) for k, v in os.environ.items() if k not in ignored))
    out("flags", sys.flags)
    out("modules of fdscope", sorted(m for m in sys.modules if "fdscope" in m))

    out("stdio", [os.fstat(i).st_mode >> 12 for i in (0, 1, 2)])
    # Left open on purpose: the dump at exit must list exactly these.
    out("left open", sorted([a, b] + reused))
    return 4


if __name__ == "__main__":
    sys.exit(main())
