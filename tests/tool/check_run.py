#!/usr/bin/python3
"""fdscope run: exit statuses, --error-exitcode, bad command lines, the report.

`fdscope run [-o OPTIONS] [--error-exitcode N] -- CMD ARGS...` runs CMD with
the library preloaded and at_exit=1, and reports on stderr what it left open.
Checked here, with leaky_service (tests/tool/programs):

- the program's exit status is passed on: 0, 3, and 128+15 when SIGTERM
  kills it;
- --error-exitcode 42 gives 42 when the program leaves descriptors it
  created open at exit (also when its own status is not 0, and when the leak
  is in a child process), and the program's own status when it leaves none
  (only the inherited stdin/stdout/stderr, which are not its own);
- a command that does not exist gives 127 (by path and by PATH lookup), one
  that cannot be executed 126, each with a line naming it;
- bad command lines give 2, with one line naming the problem (followed by
  nothing but the usage text), nothing on stdout, and the command not run;
- the report on stderr names the leaking function with its source file and
  line (from the markers in leaky_service.c), and the dump directory, which
  holds the dump;
- the program's stdout is untouched: byte for byte what it writes without
  fdscope, also for 2000 lines through a pipe;
- -o adds options (-o at_exit=0: no dump, and the report says so);
- run as root, a program that drops its privileges (setpriv to nobody)
  still leaves its dump in the run's directory, and the report names its
  leak.
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import toollib  # noqa: E402


def main():
    args = toollib.arg_parser(__doc__.splitlines()[0]).parse_args()
    toollib.run_checker("fdscope run", lambda ck, tmp: check(ck, tmp, args), args)


def usage_or_blank(line):
    return line.startswith("usage:") or line.startswith("  ") or line == ""


def check(ck, tmp, args):
    env = toollib.base_env(tmp)
    marks = toollib.markers(args.source)
    prog = args.program
    fd = args.fdscope

    def run(*argv, **kw):
        return toollib.run([fd, "run"] + list(argv), kw.pop("env", env), **kw)

    # --- exit statuses ----------------------------------------------------
    for status in (0, 3):
        r = run("--", prog, "exit", str(status))
        ck.expect_equal(r.returncode, status, "run passes exit status %d on" % status, r.describe())
        ck.expect_equal(r.stdout, "leaky_service: exiting with %d\n" % status,
                        "run: stdout of 'exit %d' is the program's" % status)
        ck.expect("exited with status %d;" % status in r.stderr and
                  "0 descriptors open from 0 call sites" in r.stderr,
                  "run: the report says status %d and no descriptors of its own" % status, r.describe())

    r = run("--", prog, "sigterm")
    ck.expect_equal(r.returncode, 128 + 15, "run gives 128+15 when SIGTERM kills the program", r.describe())
    ck.expect_equal(r.stdout, "leaky_service: killing myself\n", "run: stdout of 'sigterm' is the program's")
    ck.expect("exited with status 143;" in r.stderr, "run: the report says status 143", r.describe())

    # --- --error-exitcode ---------------------------------------------------
    for argv, expected, what in (
            (["leak-exit", "0"], 42, "42 when the program exits 0 with a descriptor of its own open"),
            (["leak-exit", "5"], 42, "42 when the program exits 5 with a descriptor of its own open"),
            (["exit", "0"], 0, "the program's 0 when it leaves nothing of its own open"),
            (["exit", "3"], 3, "the program's 3 when it leaves nothing of its own open")):
        r = run("--error-exitcode", "42", "--", prog, *argv)
        ck.expect_equal(r.returncode, expected, "--error-exitcode 42: " + what, r.describe())
    r = run("--error-exitcode", "42", "--", "/bin/sh", "-c", '"$0" exit 4; "$0" leak-exit 0; exit 6', prog)
    ck.expect_equal(r.returncode, 42, "--error-exitcode 42: 42 when a child process of the command leaks",
                    r.describe())
    ck.expect(re.search(r"open_cache_file  \S*leaky_service\.c:%d " % marks["open_cache_file"], r.stderr),
              "run: the report covers the child process's leak", r.describe())
    r = run("--", "/bin/sh", "-c", '"$0" leak-exit 0; exit 6', prog)
    ck.expect_equal(r.returncode, 6, "run: the shell's status 6 without --error-exitcode", r.describe())

    # --- the command cannot run -------------------------------------------
    for cmd, status, what in (("/nonexistent/fdscope-test-cmd", 127, "a missing path"),
                              ("fdscope-test-no-such-command", 127, "a name not found on PATH"),
                              (args.source, 126, "a file that is not executable")):
        r = run("--", cmd, "arg")
        ck.expect_equal(r.returncode, status, "run gives %d for %s" % (status, what), r.describe())
        first = r.stderr_lines()[:1]
        ck.expect(first and first[0].startswith("fdscope run: cannot run '%s': " % cmd),
                  "run: %s: the first stderr line names the command" % what, r.describe())
        ck.expect_equal(r.stdout, "", "run: %s: nothing on stdout" % what)

    # --- bad command lines -------------------------------------------------
    witness = os.path.join(tmp, "witness")
    os.mkdir(witness)
    cmd = [prog, "golden", witness]
    for argv, needle in ((["--bogus", "--"] + cmd, "--bogus"),
                         (["--error-exitcode", "abc", "--"] + cmd, "abc"),
                         (["--error-exitcode", "256", "--"] + cmd, "256"),
                         (["--error-exitcode", "-1", "--"] + cmd, "-1"),
                         ([], "no command"),
                         (["--"], "no command"),
                         (["--js"], "no command")):
        r = run(*argv)
        what = "run %s" % " ".join(argv[:2]) if argv else "run without a command"
        ck.expect_equal(r.returncode, 2, "%s: exit status 2" % what, r.describe())
        lines = r.stderr.split("\n")
        ck.expect(lines[0].startswith("fdscope run: ") and needle in lines[0]
                  and all(usage_or_blank(l) for l in lines[1:]),
                  "%s: one line naming the problem (%r), then only the usage" % (what, needle), r.describe())
        ck.expect_equal(r.stdout, "", "%s: nothing on stdout" % what)
    ck.expect_equal(os.listdir(witness), [], "no bad command line ran the command")
    # A known option missing its value is not an unknown option.
    for opt in ("--error-exitcode", "-o"):
        r = run(opt)
        lines = r.stderr.split("\n")
        ck.expect(r.returncode == 2 and opt in lines[0] and "unknown option" not in lines[0]
                  and all(usage_or_blank(l) for l in lines[1:]),
                  "run %s (no value): exit 2, one line saying the option needs a value "
                  "(not that it is unknown)" % opt, r.describe())

    # --- the report on stderr ------------------------------------------------
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    r = run("--", prog, "golden", work)
    ck.expect_equal(r.returncode, 0, "run golden: status 0", r.describe())
    ck.expect_equal(r.stdout, "leaky_service: 7 backend connections, 3 notify pipes, 4 cache handles, "
                              "2 audit logs\n", "run golden: stdout is the program's, nothing added")
    src = re.escape(os.path.realpath(args.source))
    m = re.search(r"^fdscope: (\S+) exited with status 0; dumps in (\S+)$", r.stderr, re.M)
    ck.expect(m and m.group(1) == prog, "run: the report names the command and its status", r.describe())
    if m:
        dump_dir = m.group(2)
        files = os.listdir(dump_dir) if os.path.isdir(dump_dir) else []
        ck.expect(os.path.dirname(dump_dir) == tmp and len(files) == 1
                  and re.fullmatch(r"fdscope\.\d+\.jsonl", files[0]),
                  "run: the dumps are in a fresh directory under $TMPDIR: one dump file", "%s: %s"
                  % (dump_dir, files))
    ck.expect("20 descriptors open from 5 call sites (1 dump, 1 process; 3 untracked)" in r.stderr,
              "run: the report counts 20 descriptors in 5 sites", r.describe())
    for fn, caller in (("connect_backend", "run_golden->connect_backend"),
                       ("make_notify_pipe", "run_golden->make_notify_pipe"),
                       ("open_cache_file", "run_golden->open_cache_file")):
        pat = r"#0  %s  %s:%d  \(leaky_service\+0x[0-9a-f]+\)\n    #1  run_golden  %s:%d " % (
            fn, src, marks[fn], src, marks[caller])
        ck.expect(re.search(pat, r.stderr),
                  "run: the report names %s at leaky_service.c:%d, called from line %d"
                  % (fn, marks[fn], marks[caller]), r.describe())
    ck.expect(r.stderr.index("connect_backend") < r.stderr.index("make_notify_pipe")
              < r.stderr.index("open_cache_file"), "run: the largest site comes first")
    ck.expect("\033[" not in r.stderr, "run: no colour when stderr is not a terminal")

    # --- stdout untouched ------------------------------------------------------
    plain = toollib.run([prog, "chatter", "2000"], env)
    under = run("--", prog, "chatter", "2000")
    ck.expect(plain.returncode == 0 and under.returncode == 0 and under.stdout == plain.stdout
              and len(plain.stdout) > 100000,
              "run: 2000 lines of the program's stdout arrive byte for byte as without fdscope",
              "plain %d bytes, under run %d bytes" % (len(plain.stdout), len(under.stdout)))

    # --- -o ----------------------------------------------------------------------
    r = run("-o", "at_exit=0", "--", prog, "leak-exit", "0")
    ck.expect(r.returncode == 0 and "no dumps were written" in r.stderr,
              "run -o at_exit=0: the option reaches the library (no exit dump, and the report says so)",
              r.describe())

    # --- a program that drops privileges -----------------------------------------
    if os.getuid() == 0:
        work_nobody = os.path.join(tmp, "work-nobody")
        os.mkdir(work_nobody)
        os.chmod(work_nobody, 0o777)
        os.chmod(tmp, 0o755)
        r = run("--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", prog, "golden",
                work_nobody)
        ck.expect_equal(r.returncode, 0, "run setpriv nobody golden: status 0", r.describe())
        ck.expect("20 descriptors open from 5 call sites (1 dump, 1 process; 3 untracked)" in r.stderr
                  and "cannot write" not in r.stderr,
                  "run: the dump of a program that dropped privileges is in the run's directory "
                  "and reported", r.describe())


if __name__ == "__main__":
    main()
