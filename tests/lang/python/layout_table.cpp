// Prints the frame reader's layout row of CPython 3.<argv[1]> in
// layout_probe.c's `name value` format, for the layout test to compare with
// what that version's headers say. Exit status 2: no row for that version.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "lang/python/python_layouts.h"

using namespace fdscope::lang::py;

static void p(const char* name, long value) { printf("%s %ld\n", name, value); }

int main(int argc, char** argv) {
  if (argc != 2) return fprintf(stderr, "usage: layout_table MINOR\n"), 2;
  const Layout* l = layout_for(3, unsigned(atoi(argv[1])));
  if (!l) return 2;
  p("minor", l->minor);
  p("ob_type", kObType);
  p("ob_size", kObSize);
  p("tstate_thread_id", l->tstate_thread_id);
  p("tstate_frame", l->tstate_frame);
  if (l->cframe_current != kNone) p("cframe_current", l->cframe_current);
  p("frame_previous", l->frame_previous);
  p("frame_code", l->frame_code);
  p("frame_instr", l->frame_instr);
  if (l->frame_owner != kNone) {
    p("frame_owner", l->frame_owner);
    p("owner_generator", 1);  // python_walk.cpp's kOwnedByGenerator
  }
  if (l->owner_cstack != kNone) p("owner_cstack", l->owner_cstack);
  if (l->code_qualname != kNone) p("code_qualname", l->code_qualname);
  if (l->code_adaptive != kNone) p("code_adaptive", l->code_adaptive);
  if (l->code_firsttraceable != kNone) p("code_firsttraceable", l->code_firsttraceable);
  p("code_filename", l->code_filename);
  p("code_name", l->code_name);
  p("code_firstlineno", l->code_firstlineno);
  p("str_length", kStrLength);
  p("str_state", kStrState);
  p("ascii_size", l->ascii_size);
  p("compact_utf8_length", l->compact_utf8_length);
  p("compact_utf8", l->compact_utf8);
  p("compact_size", l->compact_size);
  p("state_kind_shift", kStateKindShift);
  p("state_compact_shift", kStateCompactShift);
  p("state_ascii_shift", kStateAsciiShift);
  if (l->state_ready_shift != kNone) p("state_ready_shift", l->state_ready_shift);
  if (l->minor >= 13) {
    p("debug_free_threaded", offsetof(DebugOffsets313, free_threaded));
    p("debug_tstate_current_frame", offsetof(DebugOffsets313, thread_state.current_frame));
    p("debug_tstate_thread_id", offsetof(DebugOffsets313, thread_state.thread_id));
    p("debug_frame_previous", offsetof(DebugOffsets313, interpreter_frame.previous));
    p("debug_frame_executable", offsetof(DebugOffsets313, interpreter_frame.executable));
    p("debug_frame_instr_ptr", offsetof(DebugOffsets313, interpreter_frame.instr_ptr));
    p("debug_frame_owner", offsetof(DebugOffsets313, interpreter_frame.owner));
    p("debug_code_filename", offsetof(DebugOffsets313, code_object.filename));
    p("debug_code_name", offsetof(DebugOffsets313, code_object.name));
    p("debug_code_qualname", offsetof(DebugOffsets313, code_object.qualname));
  }
  return 0;
}
