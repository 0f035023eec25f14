// SPDX-License-Identifier: MIT
// A descriptor held in reserve so that a dump can be written at the moment
// it matters most: when the process has no descriptor left (EMFILE). It is
// close-on-exec, kept at the top of the soft limit (so the program's
// numbering is unchanged; the program can open one descriptor fewer), and
// closed only to let the dump open its files, then taken again.
//
// It is a memfd named `name` (common/process_state.h: the library's
// published state is its content), or /dev/null where memfd_create is
// refused (a seccomp filter, a kernel before 3.17).
#pragma once

namespace fdscope {

void reserve_init(const char* name);

// The reserve's number, or -1 when none is held (given up for a dump,
// closed by the program) or it is /dev/null.
int reserve_memfd();

// In a fork child: the inherited reserve is the parent's open file; the
// child takes a memfd of its own at the same number.
void reserve_after_fork();

// Gives the reserve up for good (fdscope detach); reserve_init() takes it again.
void reserve_release();

// Makes room for one more descriptor of the dump's, after an open failed
// with EMFILE/ENFILE: first by giving up the reserve; if that cannot help
// (none held, or the program lowered its limit below it), by raising the
// soft limit a little until reserve_restore(), when the hard limit allows.
// Returns false when nothing more can be done.
bool reserve_make_room();

// Calls open_fn() (an fd or -errno), making room and retrying while it
// fails for lack of descriptors.
template <typename OpenFn>
long open_with_reserve(OpenFn open_fn) {
  long fd = open_fn();
  while ((fd == -24 /* EMFILE */ || fd == -23 /* ENFILE */) && reserve_make_room()) fd = open_fn();
  return fd;
}

// After a dump: puts back the soft limit if it was raised, and takes the
// reserve again if it was given up, closed by the program, or is no longer
// under the soft limit.
void reserve_restore();

}  // namespace fdscope
