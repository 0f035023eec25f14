// SPDX-License-Identifier: MIT
// Dump file names: the `output` option's template (%p pid, %t unix time in
// seconds), the default one, and the ".N" suffixes a process's file gets
// when the plain name already exists (pid reuse, someone else's file in a
// shared /tmp). The library creates files by these rules; `fdscope
// snapshot` finds them by the same rules.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fdscope::common {

// The default `output`, in $TMPDIR (or /tmp when it is unset or empty).
inline constexpr char kDefaultOutputName[] = "fdscope.%p.jsonl";
// A process's file is NAME, or NAME.1 ... NAME.(kOutputAttempts - 1).
inline constexpr int kOutputAttempts = 100;

// Writes tmpl with %p and %t expanded into out (always NUL-terminated, cut
// at cap - 1 bytes); other '%' sequences stay as they are. Returns the
// length written.
size_t expand_output_name(const char* tmpl, long pid, uint64_t unix_seconds, char* out,
                          size_t cap);

// "$TMPDIR/fdscope.%p.jsonl" for tmpdir (null or "" -> /tmp) into out, as
// expand_output_name writes. Returns the length written.
size_t default_output_template(const char* tmpdir, char* out, size_t cap);

// Appends ".N" for attempt N > 0 to the name in buf (of length len,
// capacity cap); returns the new length.
size_t add_output_suffix(char* buf, size_t len, size_t cap, int attempt);

// True when tmpl contains %t: the file name depends on the moment of the
// dump.
bool output_name_has_time(const char* tmpl);

// True when `path` is a file name that tmpl gives process pid at some time
// (%t: one or more digits), with or without a ".N" suffix.
bool output_name_matches(const char* tmpl, long pid, const char* path);

}  // namespace fdscope::common
