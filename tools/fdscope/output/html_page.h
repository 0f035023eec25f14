// SPDX-License-Identifier: MIT
// The fixed text of the html report's page: what comes before its JSON
// data blob (a <script type="application/json"> element is left open) and
// what comes after it (the script that draws the chart, table and flame
// graph from the data). No external resource: one self-contained file.
#pragma once

namespace fdscope::tool {

extern const char* const kHtmlPageHead;
extern const char* const kHtmlPageTail;

}  // namespace fdscope::tool
