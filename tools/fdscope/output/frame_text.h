// SPDX-License-Identifier: MIT
// How one frame is named in the reports for people and in folded stacks.
#pragma once

#include <string>

#include "analysis/sites.h"

namespace fdscope::tool {

// The function, "(anonymous)" for a nameless language frame, "??" for an
// unresolved native one.
std::string frame_function(const ReportFrame& f);

// Where the frame's code is: "file:line:column" (JavaScript),
// "file:line" (Python, and native frames with debug information), or ""
// when unknown.
std::string frame_location(const ReportFrame& f);

// A native frame's "module+0xoffset", the module by its base name.
std::string frame_module_offset(const ReportFrame& f);

// Text from dumps (file names, function names) may hold control characters:
// shown escaped, so they can neither break lines nor drive the terminal.
std::string printable(const std::string& s);

}  // namespace fdscope::tool
