// A descriptor held in reserve so that a dump can be written at the moment
// it matters most: when the process has no descriptor left (EMFILE). It is
// /dev/null, close-on-exec, kept near the top of the soft limit (so the
// program's numbering is unchanged), and closed only to let the dump open
// its file, then taken again.
#pragma once

namespace fdscope {

void reserve_init();

// Calls open_fn(); if that fails for lack of descriptors (-EMFILE/-ENFILE)
// and the reserve is held, frees the reserve and calls it once more.
// Returns open_fn's result (an fd or -errno).
template <typename OpenFn>
long open_with_reserve(OpenFn open_fn);

// Takes the reserve again if it was given up (after the dump, or after the
// program closed it). Cheap when it is held.
void reserve_restore();

// Internal: frees the reserve; true if one was held.
bool reserve_release();

template <typename OpenFn>
long open_with_reserve(OpenFn open_fn) {
  long fd = open_fn();
  if ((fd == -24 /* EMFILE */ || fd == -23 /* ENFILE */) && reserve_release()) fd = open_fn();
  return fd;
}

}  // namespace fdscope
