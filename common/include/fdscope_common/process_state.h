// SPDX-License-Identifier: MIT
// The state a process under the library publishes for `fdscope snapshot`
// (and attach): the content of a memfd named kStateName that the library
// holds as its reserve descriptor. Another process reads it through
// /proc/PID/fd/N, which needs the same permission as /proc/PID/environ and
// no ptrace; it goes away with the process.
//
// The content is text, one "key=value" per line, between a first line
// "fdscope-state 1 gen=G" and a line "end gen=G" with the same G. The
// library rewrites it in place; a reader that finds the two G differ, or no
// end line, read it mid-write and reads again. Bytes after the end line are
// left over from a longer earlier version.
//
// Keys (values never contain a newline):
//   pid            the process that wrote it (a fork child writes its own)
//   signal         the dump signal's number, 0 when signal dumps are off
//   signal_owner   "library" when the library's handler takes the signal;
//                  "program" when the program installed its own handler or
//                  SIG_IGN (the library then never sees it); "none" when
//                  the disposition was not the default at start-up
//   output         the output template in effect ("stderr" or a path)
//   options        the option text the library was started with
//   dumps          dumps written so far
//   last_seq       the sequence number of the latest dump (0: none)
//   last_reason    its reason (threshold, emfile, signal, exit, request)
//   last_path      the file it went to ("stderr" for output=stderr)
//   last_error     0, or the errno of a dump that could not be written
#pragma once

namespace fdscope::common {

inline constexpr char kStateName[] = "fdscope-state";
inline constexpr char kStateLinkPrefix[] = "/memfd:fdscope-state";
inline constexpr unsigned kStateVersion = 1;
// The library's rendering never exceeds this.
inline constexpr unsigned kStateMaxBytes = 4096;

}  // namespace fdscope::common
