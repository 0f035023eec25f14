"""End-to-end subject for fdscope: a Python program (stdlib only) that leaks
files, TCP connections and a pipe, then exits normally.

    python3 leak_files.py --count K --dir DIR --report PATH [--close]

leak_config_files() opens K files DIR/config-<i>.ini with open();
leak_connections() opens K sockets with socket.socket() and connects them to
a listening socket on 127.0.0.1 (port 0), whose accepted ends are kept too;
leak_pipe() creates a pipe with os.pipe(). Without --close nothing is closed:
the objects are handed to a daemon thread that is still blocked when the
interpreter exits, so CPython's finalization (which would close file and
socket objects still referenced from module globals) does not close them, as
with a connection pool's worker thread. With --close everything is closed
before the normal exit.

--report writes the descriptor numbers, paths and ports as JSON for the
checker; standard output gets only deterministic text.
"""

import argparse
import json
import os
import socket
import sys
import threading


def leak_config_files(directory, count):
    files = []
    for i in range(count):
        files.append(open(os.path.join(directory, "config-%d.ini" % i), "r"))
    return files


def leak_connections(address, count):
    conns = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(address)
        conns.append(s)
    return conns


def leak_pipe():
    return os.pipe()


def hold_forever(objects, started):
    # A daemon thread still blocked at exit keeps its frame, and with it
    # `objects`, alive through interpreter finalization.
    started.set()
    threading.Event().wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--close", action="store_true")
    args = ap.parse_args()
    k = args.count
    directory = os.path.realpath(args.dir)

    for i in range(k):
        with open(os.path.join(directory, "config-%d.ini" % i), "w") as f:
            f.write("[service]\nindex = %d\n" % i)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(k)
    port = listener.getsockname()[1]

    files = leak_config_files(directory, k)
    clients = leak_connections(("127.0.0.1", port), k)
    accepted = [listener.accept()[0] for _ in range(k)]
    rfd, wfd = leak_pipe()

    report = {
        "pid": os.getpid(),
        "port": port,
        "listener": listener.fileno(),
        "files": [{"fd": f.fileno(), "path": f.name} for f in files],
        "clients": [{"fd": s.fileno(), "local_port": s.getsockname()[1]} for s in clients],
        "accepted": [{"fd": s.fileno(), "peer_port": s.getpeername()[1]} for s in accepted],
        "pipe": [rfd, wfd],
    }
    with open(args.report, "w") as f:
        json.dump(report, f)

    print("config files opened: %d" % len(files))
    print("connections: %d connected, %d accepted" % (len(clients), len(accepted)))
    os.write(wfd, b"ping")
    print("pipe: %r" % os.read(rfd, 4))

    if args.close:
        for f in files:
            f.close()
        for s in clients + accepted + [listener]:
            s.close()
        os.close(rfd)
        os.close(wfd)
        print("closed everything")
    else:
        started = threading.Event()
        keep = (files, clients, accepted, listener)
        threading.Thread(target=hold_forever, args=(keep, started), daemon=True).start()
        started.wait()
        print("exiting with everything open")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
