// SPDX-License-Identifier: MIT
#include "dump/frames_json.h"

#include <string.h>

#include "symbolize/demangle.h"
#include "fdscope_common/lang_frames.h"
#include "lang/lang_frames.h"

namespace fdscope {

static_assert((int)common::Lang::kJs == FDSCOPE_LANG_JS &&
                  (int)common::Lang::kPython == FDSCOPE_LANG_PYTHON,
              "common/lang_frames.h names the languages of fdscope_lang.h");

void write_frames(JsonWriter& w, StackView st, const Symbolizer& sym, bool module_paths) {
  w.raw("[");
  for (unsigned i = 0; i < st.depth; ++i) {
    if (i) w.raw(",");
    w.raw("{\"addr\":").hex(st.frames[i]);
    const ResolvedFrame* f = sym.find(st.frames[i]);
    if (f && f->module >= 0) {
      if (module_paths) w.key("module").str(sym.modules()[f->module].path);
      else w.key("module").i64(f->module);
      w.key("offset").hex(f->offset);
      if (f->name) {
        w.key("function").raw("\"");
        if (!demangle_to(f->name, w)) w.escaped(f->name, strlen(f->name));
        w.raw("\"").key("symbol_offset").u64(f->name_offset);
      }
    }
    w.raw("}");
  }
  w.raw("]");
}

void write_lang_frames(JsonWriter& w, StackView st) {
  w.raw("[");
  bool first = true;
  for (unsigned i = 0; i < st.depth; ++i) {
    lang::FrameInfo f;
    if (!lang::is_lang_word(st.frames[i]) || !lang::frame_info(lang::frame_id_of(st.frames[i]), &f))
      continue;
    if (!first) w.raw(",");
    first = false;
    // The names the tool reads back (common/lang_frames.h).
    w.raw("{\"lang\":").str(common::lang_name(f.lang));
    w.key("function").str(f.function, f.function_len);
    w.key("file").str(f.file, f.file_len);
    w.key("line").i64(f.line);
    if (f.column > 0) w.key("column").i64(f.column);
    if (lang::is_async_word(st.frames[i])) w.key("async").boolean(true);
    w.raw("}");
  }
  w.raw("]");
}

}  // namespace fdscope
