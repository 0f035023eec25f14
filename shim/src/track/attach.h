// SPDX-License-Identifier: MIT
// The library's state as fdscope attach/detach see it (preloaded, loaded,
// attached, detached), published in fdscope_attach_info
// (include/fdscope_attach.h), and what attaching and detaching start and
// stop in the core. Redirecting the calls (the GOT entries) is the
// interposer layer's part (interpose/attach_api.cpp).
#pragma once

#include <stdint.h>

namespace fdscope {

// From the constructor of a preloaded library.
void mark_preloaded();

// The first step of fdscope_attach_start(): checks the state and starts
// (or, after a detach, restarts) tracking with `options`. Returns an
// fdscope_attach_status; FDSCOPE_ATTACH_OK means the state is attached and
// the caller now redirects the calls and then calls attach_done().
int attach_begin(const char* options);
void attach_done(uint32_t patched);
// The calls could not be redirected: tracking stops again, and the state
// is what it was.
void attach_failed();

// fdscope_detach(): FDSCOPE_ATTACH_OK when attached, and the state is
// detached from then on; the caller then puts the calls back and calls
// detach_done(), which stops tracking.
int detach_begin();
void detach_done();

// Whether the hooks must not record: a library loaded late that is not
// attached (detached, or a hook that was under way when it was detached
// returns only now).
bool recording_paused();

}  // namespace fdscope
