#!/usr/bin/python3
"""fdscope's usage text lists every option of every command.

For each command, every option (`-o`, `--top`...) that `fdscope COMMAND
--help` names must appear in that command's line of `fdscope --help`, and
both exit 0.
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402

COMMANDS = ("run", "report", "diff", "snapshot")


def options_of(text):
    return set(re.findall(r"(?<![\w-])(-[a-z]|--[a-z][a-z-]*)\b", text)) - {"--help"}


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    top = toollib.run([args.fdscope, "--help"], env)
    ck.require(top.returncode == 0, "fdscope --help exits 0", top.describe())
    for cmd in COMMANDS:
        r = toollib.run([args.fdscope, cmd, "--help"], env)
        ck.expect(r.returncode == 0, "fdscope %s --help exits 0" % cmd, r.describe())
        usage_line = [l for l in top.stdout.splitlines() if l.strip().startswith(cmd + " ")]
        listed = options_of(usage_line[0]) if usage_line else set()
        wanted = options_of(r.stdout)
        ck.expect(wanted and wanted <= listed,
                  "fdscope --help lists every option of %s (%s)" % (cmd, " ".join(sorted(wanted))),
                  "missing: %s\n%s" % (" ".join(sorted(wanted - listed)), top.stdout))


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope usage text", lambda ck, tmp: check(ck, tmp, args), args)


if __name__ == "__main__":
    main()
