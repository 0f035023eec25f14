#include "frames_json.h"

#include <string.h>

#include "demangle.h"

namespace fdscope {

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

}  // namespace fdscope
