// SPDX-License-Identifier: MIT
// The registry of the library's own descriptors (the dump reserve, an open
// dump file, libunwind's): excluded from dumps and from the host's count,
// and forgotten as soon as the host closes or reuses their numbers (daemons
// close every descriptor at start-up). Lock-free, a handful of slots.
#pragma once

namespace fdscope {

bool is_own_fd(int fd);
void add_own_fd(int fd);
void drop_own_fd(int fd);
// Forgets the ones in [first, last] (close_range/closefrom by the host).
void drop_own_fds_in(unsigned first, unsigned last);
// Lists them (up to max); returns how many there are.
int list_own_fds(int* out, int max);

}  // namespace fdscope
