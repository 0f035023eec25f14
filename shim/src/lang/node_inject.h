// SPDX-License-Identifier: MIT
// Node.js: the library adds its preload script (lang/node/preload.js, built
// next to it as fdscope/node/preload.js) to NODE_OPTIONS before node reads
// it, and keeps the original value for the script to put back, so that
// process.env looks as it did. Children get the original NODE_OPTIONS and
// the library, which adds the script again.
#pragma once

#include "fdscope_lang.h"

namespace fdscope::lang {

// Once, from the library constructor: does nothing unless this process is
// Node.js (it exports napi_module_register), the script exists next to the
// library, and node would accept a --require (no permission model).
void inject_node_preload();

// The NODE_OPTIONS the process had before, or nullptr when it was unset.
const char* original_node_options();

void set_capturer(fdscope_lang_capture_fn fn);

}  // namespace fdscope::lang
