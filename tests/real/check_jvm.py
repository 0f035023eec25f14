#!/usr/bin/python3
"""A JVM (java 17, Debian's OpenJDK), plain and with libfdscope.so
preloaded (signal=SIGRTMIN+7: HotSpot takes SIGUSR2 for thread
suspend/resume):

- javac compiles java/RealJvm.java: the same output, exit status and
  class files, byte for byte;
- java runs it: 16+8 client threads against a blocking server with a
  thread pool and an NIO Selector server on 127.0.0.1, files through
  FileChannel from 4 threads, a child process, a Pipe; the same stdout,
  stderr and exit status (3, through System.exit);
- the exit dumps of javac and of the JVM (at System.exit) complete (the
  child shell, dash, ends with _exit: no exit dump).
"""

import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reallib  # noqa: E402

JAVA = "/usr/bin/java"
JAVAC = "/usr/bin/javac"


def read_tree(d):
    got = {}
    for dirpath, _, files in os.walk(d):
        for n in files:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                got[os.path.relpath(p, d)] = f.read()
    return got


def body(ck, args, tmp):
    for exe in (JAVA, JAVAC):
        ck.require(os.access(exe, os.X_OK), "%s is installed (openjdk-17-jdk-headless)" % exe)
    dumps = os.path.join(tmp, "dumps")
    os.mkdir(dumps)
    src = os.path.join(HERE, "java", "RealJvm.java")
    comp, runs = {}, {}
    for how in ("plain", "preloaded"):
        shim = args.shim if how == "preloaded" else None
        work = os.path.join(tmp, how)
        classes = os.path.join(work, "classes")
        os.makedirs(classes)
        env = reallib.preload_env(shim, reallib.options(dumps), {"TMPDIR": work})
        comp[how] = (reallib.run([JAVAC, "-d", classes, src], env, timeout=300, cwd=work), read_tree(classes))
        runs[how] = reallib.run([JAVA, "-Djava.io.tmpdir=" + work, "-cp", classes, "RealJvm"], env,
                                timeout=300, cwd=work)
    reallib.compare(ck, "javac", comp["plain"][0], comp["preloaded"][0], expect_code=0)
    a, b = comp["plain"][1], comp["preloaded"][1]
    ck.expect(a and a == b, "javac: the same class files preloaded (%d files, %d bytes)"
              % (len(a), sum(len(v) for v in a.values())),
              "plain: %s\npreloaded: %s" % (sorted(a), sorted(b)))
    p = runs["plain"]
    ck.expect("blocking echo: 4000 lines ok, 0 bad" in p.out and "nio echo: 160000 bytes" in p.out,
              "plain: the program did its work (%.1f s)" % p.seconds, p.out + p.err)
    reallib.compare(ck, "java", runs["plain"], runs["preloaded"], expect_code=3)
    ck.note("java: plain %.1f s, preloaded %.1f s; javac: plain %.1f s, preloaded %.1f s"
            % (runs["plain"].seconds, runs["preloaded"].seconds, comp["plain"][0].seconds,
               comp["preloaded"][0].seconds))
    dumps_read = reallib.check_dumps(ck, "jvm", args.fdscope, [dumps], min_dumps=2, reasons=("exit",),
                                     exes=("java", "javac"))
    java_exit = [d for d in dumps_read if d.pid == runs["preloaded"].pid and d.reason == "exit"]
    ck.expect(len(java_exit) == 1, "the JVM running RealJvm wrote its exit dump (at System.exit)")


if __name__ == "__main__":
    reallib.main("real.jvm", __doc__, body)
