// SPDX-License-Identifier: MIT
// Interned short byte strings: the peer addresses connect() was given and
// the names of the threads that created descriptors. Each distinct string is
// stored once and named by a small id, so a descriptor slot holds 4 bytes
// where it held a 112-byte sockaddr and a 16-byte name: most descriptors are
// not sockets, and a program has few threads and few peers.
//
// Lock-free, as stacks/stack_store.h: lookups only read; a new string is
// appended to an arena (one atomic bump) and published with a CAS into a
// tiered index (util/tiered_index.h). When it is full, new strings get id 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fdscope {

constexpr unsigned kMaxBlob = 128;

// The id (>= 1) of the bytes [data, data + len), len <= kMaxBlob; 0 when
// they could not be stored (or len is 0 or too long).
uint32_t intern_blob(const void* data, size_t len);

// The bytes of a stored blob; nullptr (and *len 0) for an unknown id.
const unsigned char* blob_bytes(uint32_t id, size_t* len);

}  // namespace fdscope
