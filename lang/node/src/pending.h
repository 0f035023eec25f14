// SPDX-License-Identifier: MIT
// Hand-offs between threads that the async hooks cannot see across:
//
// - Threadpool opens. fs.open(path, cb) opens the descriptor on a libuv
//   threadpool thread, which runs no JavaScript; the request's context was
//   captured on the loop thread when the request was made. Each pending
//   open request leaves its context in a FIFO; an open on a thread without
//   an isolate takes the oldest one. libuv hands requests to the pool in
//   order, so the FIFO is exact while opens do not overlap; when several
//   are in flight, two of them can swap contexts (both are opens made by
//   the program, so the site is still a real fs.open call site). When the
//   request completes its entry is retired, taken or not, so a failed open
//   cannot shift the FIFO.
// - Worker threads. The Worker's creation context is recorded under the
//   worker's thread id; the worker's own preload picks it up as the root
//   context of everything it does.
#pragma once

#include <stdint.h>

namespace fdscope_node {

// Returns a token (non-zero) naming the entry.
uint32_t pending_open_push(uint32_t context);
// The context of the oldest pending open not yet taken, or 0.
uint32_t pending_open_take();
void pending_open_done(uint32_t token);

void worker_context_put(uint64_t thread_id, uint32_t context);
// The context recorded for this worker thread id (and forgets it), or 0.
uint32_t worker_context_take(uint64_t thread_id);

}  // namespace fdscope_node
