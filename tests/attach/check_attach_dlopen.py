#!/usr/bin/python3
"""fdscope attach and modules: those loaded before the attach, and those
dlopen()ed after it.

`plugin_host` dlopens libattach_plugin_NAME.so by name, found through its
own RUNPATH ($ORIGIN/plugins), and calls the plugin's plugin_NAME_open(),
which opens /etc/hostname. Checked:

- plugin a is loaded and opens one file before the attach;
- attach: exit 0, one line, stopped for less than MAX_STOP_MS;
- plugin a opens another (its GOT was redirected at the attach); plugin b
  is loaded after the attach, through the library's dlopen hook, and the
  dynamic linker still finds it through the host's RUNPATH (the hook
  keeps the caller); a plugin that does not exist fails with dlerror()'s
  own message; plugin b opens a file (its GOT was redirected when it was
  loaded);
- snapshot: exactly two tracked descriptors, created by open in
  plugin_a_open and plugin_b_open; the one opened before is untracked;
- detach; the host answers on and quits with status 0; its stdout is
  exactly the answers expected.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attachlib  # noqa: E402
from attachlib import toollib  # noqa: E402


def main():
    ap = attachlib.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    args = ap.parse_args()
    toollib.run_checker("fdscope attach: modules loaded before and after", lambda ck, tmp: check(ck, tmp, args),
                        args)


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    dumps = os.path.join(tmp, "dumps")
    os.mkdir(dumps)
    p = attachlib.Proc([args.host], env, tmp, "host", stdin=True)
    try:
        ck.expect_equal([p.ask("load a"), p.ask("open a")], ["loaded a", "opened a"],
                        "before the attach: plugin a loaded, one file opened")
        attachlib.attach(ck, args.fdscope, p.pid, "output=%s/f.%%p.jsonl:log=none" % dumps, env, "attach")
        ck.expect_equal(p.ask("open a"), "opened a", "after the attach: plugin a opens another")
        ck.expect_equal(p.ask("load b"), "loaded b",
                        "plugin b, loaded after the attach, found through the host's RUNPATH")
        ck.expect_equal(p.ask("load nosuch"),
                        "dlopen failed: libattach_plugin_nosuch.so: cannot open shared object file: No such file "
                        "or directory", "a missing plugin: dlopen fails with dlerror()'s message, as without fdscope")
        ck.expect_equal(p.ask("open b"), "opened b", "plugin b opens a file")
        r = attachlib.snapshot(ck, args.fdscope, p.pid, env, "snapshot")
        d = attachlib.snapshot_dump(r)
        files = [rec for rec in d.fds if rec["target"] == "/etc/hostname"]
        ck.expect_equal(sorted((rec["tracked"], rec.get("call"),
                                d.functions(rec["stack"])[0] if rec["tracked"] else None) for rec in files),
                        [(False, None, None), (True, "open", "plugin_a_open"), (True, "open", "plugin_b_open")],
                        "snapshot: the file from before untracked, one tracked from each plugin's function")
        attachlib.detach(ck, args.fdscope, p.pid, env, "detach")
        ck.expect_equal(p.ask("open b"), "opened b", "after the detach: plugin b opens on")
        p.p.stdin.write(b"quit\n")
        p.p.stdin.flush()
        status, out = p.finish()
        ck.expect_equal((status, out),
                        (0, "loaded a\nopened a\nopened a\nloaded b\ndlopen failed: libattach_plugin_nosuch.so: "
                            "cannot open shared object file: No such file or directory\nopened b\nopened b\n"),
                        "the host's whole stdout and its status 0")
    finally:
        p.kill()


if __name__ == "__main__":
    main()
