"""Shared helpers of the fdscope end-to-end checkers (stdlib only): one
import for all of them, re-exported from the modules beside this one:

  check_errors    CheckFailed, DumpFormatError
  dump_model      the dump format (FORMAT, line types and their keys, kinds,
                  reasons) and the parsed dump: Dump, FdRecord, Frame
  dump_parse      parse_lines/_file/_dir, dump_files, consistency_problems:
                  dumps grouped by identity (pid, run, seq), dumps cut short
                  detected, stack ids resolved to frame lists
  program_runner  run_program, clean_env, Run: real programs under
                  libfdscope.so, with a timeout
  checker         Checker, describe_fds, shim_arg_parser, check_shim_path,
                  work_dir, run_checker: a checker's frame
  runtime_sites   what Node.js and CPython keep open themselves
  elf_symtab      elf_has_symtab: does a binary name its local functions?

Every checker uses it the same way:

    ck = Checker("node leaks")
    run = run_program([...], shim, "at_exit=1:output=%s/fdscope.%%p.jsonl" % outdir)
    d = ck.single_exit_dump(outdir, run.pid)
    ck.expect(cond, "what must hold", details)
    ...
    ck.done()
"""

from check_errors import CheckFailed, DumpFormatError  # noqa: F401
from checker import (Checker, check_shim_path, describe_fds, run_checker,  # noqa: F401
                     shim_arg_parser, work_dir)
from dump_model import (FORMAT, IDENTITY_KEYS, KINDS, REASONS, REQUIRED_KEYS,  # noqa: F401
                        TRACKED_FD_KEYS, Dump, FdRecord, Frame, jit_frame_count)
from dump_parse import (consistency_problems, dump_files, parse_dir, parse_file,  # noqa: F401
                        parse_lines)
from elf_symtab import elf_has_symtab  # noqa: F401
from program_runner import DEFAULT_TIMEOUT, Run, clean_env, run_program  # noqa: F401
from runtime_sites import (NODE_RUNTIME_SITES, OPEN_CALLS, PYTHON_RUNTIME_SITES,  # noqa: F401
                           RuntimeSite, classify_runtime, expect_runtime_sites)
