#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (fuzz/corpus/TARGET/):
real dumps, option strings, socket addresses and ELF files, and the damaged
forms of them that the targets are about. Run again after a format change:

    fuzz/make_seeds.py BUILD_DIR      (a normal build: libfdscope.so and
                                       tests/tool/programs/leaky_service)
"""
import json
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

FUZZ = pathlib.Path(__file__).resolve().parent
CORPUS = FUZZ / "corpus"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def options():
    seeds = [
        "threshold=80%:signal=SIGUSR2:output=/tmp/fdscope.%p.jsonl",
        "threshold=1000,log=none,at_exit=1,depth=64,max_dumps=100000",
        "signal=RTMIN+7:action=abort:on_emfile=0:double_close=off",
        "metrics=emf:lang=off:stacks_from=50%:log=/var/log/fd.%p.%t.log",
        "signal=0:output=stderr:double_close=abort:lang=auto",
        "  depth=4 \t,\tsignal=SIGUSR1  :  log=none\t",
        ",:depth=3,,at_exit=yes::threshold=10%,",
        "a=1:depth=0:b:max_dumps=3:c=",
        "threshold=101%:depth=65:signal=9:signal=SIGSTOP:max_dumps=1000001",
        "threshold=18446744073709551615:stacks_from=99999999999999999999",
        "signal=RTMIN+999:signal=SIGRTMIN+:signal=RTMINX:signal=SIG",
        "output=" + "x" * 600 + ":log=" + "/y" * 300,
        "k" * 300 + "=" + "v" * 300,
        "redact=argv,paths:threshold=5",
    ]
    for i, s in enumerate(seeds):
        put("options", f"seed-{i:02d}", s)


def sockaddrs():
    """One byte of output room, then the address as the kernel or a program gives it."""
    def v4(ip, port):
        return (struct.pack("<H", socket.AF_INET) + struct.pack(">H", port)
                + socket.inet_pton(socket.AF_INET, ip) + b"\0" * 8)

    def v6(ip, port):
        return (struct.pack("<H", socket.AF_INET6) + struct.pack(">H", port) + b"\0" * 4
                + socket.inet_pton(socket.AF_INET6, ip) + b"\0" * 4)

    def un(path):
        return struct.pack("<H", socket.AF_UNIX) + path

    addrs = {
        "v4-mysql": (255, v4("10.0.0.5", 3306)),
        "v4-short-room": (6, v4("127.0.0.1", 52312)),
        "v6-loopback": (255, v6("::1", 80)),
        "v6-mapped": (255, v6("::ffff:192.0.2.1", 8080)),
        "v6-runs": (255, v6("2001:db8:0:0:1:0:0:1", 443)),
        "v6-compat": (255, v6("::1.2.3.4", 1)),
        "unix-path": (255, un(b"/run/mysqld/mysqld.sock\0")),
        "unix-full": (255, un(b"/tmp/s" + b"\0" * 102)),
        "unix-abstract": (255, un(b"\0dbus-abc123")),
        "unix-abstract-padded": (255, un(b"\0pad" + b"\0" * 104)),
        "unix-unnamed": (255, un(b"")),
        "netlink": (255, struct.pack("<H", 16) + b"\0" * 10),
        "truncated-v4": (255, v4("1.2.3.4", 5)[:10]),
    }
    for name, (room, a) in addrs.items():
        put("sockaddr", name, bytes([room]) + a)


def json_strings():
    """One byte choosing the writer's buffer size, then the bytes."""
    strings = {
        "path": b"/srv/app/logs/2024-05-01.log",
        "utf8": "/données/журнал/日本語/🦀.txt".encode(),
        "latin1": b"/tmp/caf\xe9/na\xefve",
        "controls": b"a\tb\nc\r\x01\x1f\x7f\"quote\"\\back\\",
        "overlong-and-surrogate": b"\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80",
        "truncated-sequences": b"x\xe2\x82\xf0\x9f\x98",
        "thread-name": b"worker-\xff\xfe",
    }
    for i, (name, s) in enumerate(strings.items()):
        put("json_string", name, bytes([7 + i * 9]) + s)


def elf_files(work):
    src = work / "tiny.c"
    src.write_text(
        "static int helper(int x) { return x * 3; }\n"
        "__attribute__((noinline)) int open_log(int x) { return helper(x) + 1; }\n"
        "__attribute__((noinline)) int connect_db(int x) { return open_log(x) ^ 5; }\n"
        "void _start(void) { connect_db(1); for (;;) {} }\n")
    small = ["-Os", "-nostdlib", "-fno-asynchronous-unwind-tables", "-Wl,--build-id",
             "-Wl,-z,noseparate-code"]
    builds = {
        "tiny-exe": small + ["-static"],
        "tiny-lib.so": small + ["-shared", "-fPIC", "-Wl,-z,norelro"],
    }
    for name, flags in builds.items():
        subprocess.run(["gcc", *flags, "-o", str(work / name), str(src)], check=True)
        put("elf_image", name, (work / name).read_bytes())
    stripped = work / "tiny-lib-stripped.so"
    shutil.copy(work / "tiny-lib.so", stripped)
    subprocess.run(["strip", "--strip-all", str(stripped)], check=True)  # .dynsym only
    put("elf_image", "tiny-lib-stripped.so", stripped.read_bytes())
    put("elf_image", "truncated-exe", (work / "tiny-exe").read_bytes()[:200])


def real_dumps(build, work):
    """Dumps the library writes from leaky_service: one at exit, and a series
    of signal dumps of a growing leak (several dumps in one file)."""
    shim = build / "lib" / "libfdscope.so"
    program = build / "tests" / "tool" / "programs" / "leaky_service"
    out = {}
    for name, args, options in [
        ("golden", ["golden", str(work)], "at_exit=1:log=none"),
        ("grow", ["grow", str(work), "2"], "at_exit=0:log=none"),
    ]:
        path = work / f"{name}.jsonl"
        # A sanitizer build's shim needs its runtime beside it: say so in
        # FDSCOPE_SEED_PRELOAD (tests/CMakeLists.txt's FDSCOPE_PRELOAD).
        env = dict(os.environ, LD_PRELOAD=os.environ.get("FDSCOPE_SEED_PRELOAD", str(shim)),
                   FDSCOPE_OPTIONS=f"{options}:output={path}")
        subprocess.run([str(program), *args], env=env, check=True, timeout=60,
                       stdout=subprocess.DEVNULL)
        out[name] = path.read_text()
    return out


def dump_variants(dumps):
    golden, grow = dumps["golden"], dumps["grow"]
    # The tool tests' hand-checked dumps: format 1, and language frames.
    for f in ("format1.jsonl", "node_python.jsonl"):
        text = (FUZZ.parent / "tests" / "tool" / "golden" / "lang" / f).read_text()
        put("dump_reader", f, text)
        put("report", f, text)
    lines = golden.splitlines(keepends=True)
    variants = {
        "golden": golden,
        "grow": grow,
        # A log export: a CloudWatch prefix on every line, other output between.
        "cloudwatch": "".join(
            f"2024-05-01T12:00:0{i % 10}.000Z\t8f1e2d3c-0000-4000-8000-{i:012d}\tINFO\t{l}"
            for i, l in enumerate(lines)) + "START RequestId: x Version: $LATEST\n",
        # Cut short: no end line; and cut in the middle of a line.
        "truncated-no-end": "".join(lines[:-1]),
        "truncated-mid-line": golden[: len(golden) * 2 // 3],
        # Two dumps' lines interleaved (two processes writing one stream).
        "interleaved": "".join(a + b for a, b in zip(lines, grow.splitlines(keepends=True))),
    }
    # Numbers past every field's range, and nesting past any parser's depth.
    first = json.loads(lines[0])
    header = dict(first)
    for key in ("ppid", "time_ms", "rlimit_soft", "open", "tracked", "tracked_peak"):
        header[key] = 18446744073709551615
    fd = next(json.loads(l) for l in lines if '"type":"fd"' in l)
    fd.update(fd=2147483648, time_ms=-9223372036854775808, age_ms=1e308, stack=4294967296)
    other = dict(first, pid=18446744073709551615, seq=-1)
    variants["huge-numbers"] = "".join(
        json.dumps(o, separators=(",", ":")) + "\n" for o in (header, fd, other)) + "".join(lines[1:])
    deep = '{"type":"stack","pid":%d,"seq":%d,"run":"%s","id":9,"frames":%s}\n' % (
        first["pid"], first["seq"], first["run"], "[" * 3000 + "]" * 3000)
    variants["deep-nesting"] = lines[0] + deep + "".join(lines[1:])
    for name, text in variants.items():
        put("dump_reader", name, text)
        put("report", name, text)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = pathlib.Path(sys.argv[1]).resolve()
    for t in ("options", "sockaddr", "json_string", "elf_image", "dump_reader", "report"):
        shutil.rmtree(CORPUS / t, ignore_errors=True)
    options()
    sockaddrs()
    json_strings()
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        elf_files(work)
        dump_variants(real_dumps(build, work))


if __name__ == "__main__":
    main()
