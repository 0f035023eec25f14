#!/usr/bin/python3
"""The CPython layout table agrees with an interpreter's own headers.

layout_probe (built against the headers of one installed CPython) prints
the offsets, sizes and bit positions the frame reader relies on, as the
compiler computes them; layout_table prints the reader's row for the same
minor version. Every value must be equal, and the probe's version must be
the interpreter's.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e"))
from dumplib import Checker  # noqa: E402


def values(argv):
    out = subprocess.run(argv, stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return dict((k, int(v)) for k, v in (line.split() for line in out.splitlines()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--python", required=True)
    args = ap.parse_args()
    ck = Checker("CPython layout table vs the headers of %s" % args.python)
    probe = values([args.probe])
    minor = subprocess.run([args.python, "-c", "import sys; print(sys.version_info[1])"],
                           stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    ck.expect_equal(probe["minor"], int(minor), "the headers are those of the interpreter (3.%s)" % minor)
    table = values([args.table, str(probe["minor"])])
    for key in sorted(set(probe) | set(table)):
        ck.expect_equal(table.get(key), probe.get(key), "3.%d %s" % (probe["minor"], key))
    ck.done()


if __name__ == "__main__":
    main()
