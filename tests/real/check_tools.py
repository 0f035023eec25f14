#!/usr/bin/python3
"""Everyday programs, plain and with libfdscope.so preloaded in the whole
process tree (bash, and everything it starts), each script run twice in
the same fresh directory so that paths match:

- tools/make_project.sh: make -j2 of a generated C project (gcc, as, ar,
  ld), the same digests of every object, archive and program built, and a
  build that fails;
- tools/tar_gzip.sh: tar and gzip pipelines through pipes and tee, tar -z
  (gzip as tar's child), extraction, errors;
- tools/sqlite.sh: sqlite3 scripts on a WAL database (20,000 rows, an
  index, a trigger, ATTACH, VACUUM INTO, .backup, .dump), a failing query;
- tools/git_repo.sh: a generated repository with a merge, git gc
  --aggressive, git fsck --full --strict, a clone over file://, a repack,
  a failing command.

Each: the same stdout, stderr (fdscope's lines aside: dump summaries,
and the double-close reports of bash, which closes each end of a
pipeline's pipes twice; git passes upload-pack's lines on as "remote: ")
and exit status; every dump (one per process that exits through exit())
complete.
"""

import os
import shutil
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reallib  # noqa: E402

# script, programs it needs, executables whose dumps must be there
CASES = [
    ("make_project.sh", ["make", "gcc", "ar"], ["make", "bash"]),
    ("tar_gzip.sh", ["tar", "gzip"], ["tar", "gzip"]),
    ("sqlite.sh", ["sqlite3"], ["sqlite3"]),
    ("git_repo.sh", ["git"], ["git"]),
]


def body(ck, args, tmp):
    for script, needs, exes in CASES:
        name = script[:-3]
        missing = [n for n in needs if not shutil.which(n)]
        if not ck.expect(not missing, "%s: %s installed" % (name, ", ".join(needs)), "missing: %s" % missing):
            continue
        work = os.path.join(tmp, name)
        dumps = os.path.join(tmp, "dumps-" + name)
        os.mkdir(dumps)
        runs = {}
        for how, shim in (("plain", None), ("preloaded", args.shim)):
            shutil.rmtree(work, ignore_errors=True)
            os.mkdir(work)
            env = reallib.preload_env(shim, reallib.options(dumps), {"TMPDIR": work, "HOME": work, "TZ": "UTC"})
            runs[how] = reallib.run(["/bin/bash", os.path.join(HERE, "tools", script)], env, timeout=300, cwd=work)
        ours = reallib.compare(ck, name, runs["plain"], runs["preloaded"], expect_code=0,
                               allowed=reallib.DOUBLE_CLOSE, relays=("remote: ",))
        doubles = [l for l in ours if reallib.DOUBLE_CLOSE[0].match(l)]
        if doubles:
            ck.note("%s: %d double-close reports on stderr (bash closes its pipes' ends twice: "
                    "EBADF plain too)" % (name, len(doubles)))
        ck.note("%s: plain %.1f s, preloaded %.1f s" % (name, runs["plain"].seconds, runs["preloaded"].seconds))
        reallib.check_dumps(ck, name, args.fdscope, [dumps], min_dumps=2, reasons=("exit",), exes=exes)


if __name__ == "__main__":
    reallib.main("real.tools", __doc__, body)
