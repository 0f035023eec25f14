// Parsing of command-line values shared by the subcommands.
#pragma once

#include <cstddef>

namespace fdscope::tool {

// A non-negative decimal count ("10"); false for anything else.
bool parse_count(const char* s, size_t* out);

}  // namespace fdscope::tool
