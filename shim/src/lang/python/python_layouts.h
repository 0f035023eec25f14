// SPDX-License-Identifier: MIT
// Where CPython 3.8-3.13 keep what the frame reader walks: the current
// thread's frame chain, each frame's code object and instruction, the code
// object's names, and the text of a str. One row per minor version (the
// layouts do not change within one), 64-bit builds with the GIL only.
//
// Every value is offsetof()/sizeof() of the field named in its comment, in
// the headers of that version (Include/cpython/pystate.h, frameobject.h,
// code.h, unicodeobject.h, Include/internal/pycore_frame.h).
// tests/lang/python/layout_probe.c computes them from an installed
// interpreter's headers and the layout test compares them with this table.
#pragma once

#include <stdint.h>

namespace fdscope::lang::py {

// How a frame says which instruction it is at.
enum class Instr : uint8_t {
  kLastiBytes,  // int f_lasti: byte offset of the last instruction (3.8, 3.9)
  kLastiUnits,  // int f_lasti: index of the last code unit (3.10)
  kPrevInstr,   // _Py_CODEUNIT* prev_instr: the unit before the next one (3.11, 3.12)
  kInstrPtr,    // _Py_CODEUNIT* instr_ptr: the unit being executed (3.13)
};

constexpr int16_t kNone = -1;

struct Layout {
  uint8_t minor;  // 3.<minor>
  // PyThreadState (cpython/pystate.h)
  uint16_t tstate_thread_id;  // unsigned long thread_id: pthread_self() of its thread
  uint16_t tstate_frame;      // frame, cframe or current_frame (see cframe_current)
  int16_t cframe_current;     // _PyCFrame.current_frame; kNone: tstate_frame is the frame
  // Frames: PyFrameObject (3.8-3.10) or _PyInterpreterFrame (3.11+)
  bool frame_objects;         // frames are PyFrameObjects (ob_type == &PyFrame_Type)
  uint16_t frame_previous;    // f_back / previous
  uint16_t frame_code;        // f_code / f_executable
  uint16_t frame_instr;       // f_lasti / prev_instr / instr_ptr
  Instr instr;
  int16_t frame_owner;        // char owner (enum _frameowner); kNone before 3.11
  int8_t owner_cstack;        // FRAME_OWNED_BY_CSTACK, kNone where there is none
  int8_t owner_max;           // largest owner value of the version
  // PyCodeObject (cpython/code.h)
  uint16_t code_filename;     // co_filename
  uint16_t code_name;         // co_name
  int16_t code_qualname;      // co_qualname (3.11+)
  uint16_t code_firstlineno;  // int co_firstlineno
  int16_t code_adaptive;      // co_code_adaptive[]: the code units (3.11+)
  int16_t code_firsttraceable;  // int _co_firsttraceable (3.11+)
  // PyASCIIObject / PyCompactUnicodeObject (cpython/unicodeobject.h)
  uint16_t ascii_size;        // sizeof(PyASCIIObject): ASCII text follows
  uint16_t compact_size;      // sizeof(PyCompactUnicodeObject): other text follows
  uint16_t compact_utf8_length;  // Py_ssize_t utf8_length
  uint16_t compact_utf8;      // char* utf8 (NULL until someone asked for it)
  int8_t state_ready_shift;   // state.ready (until 3.11); kNone when always ready
};

// Common to every row: PyObject.ob_type at 8, PyVarObject.ob_size at 16
// (object.h), PyASCIIObject.length at 16 and .state at 32, state bits
// interned:2, kind:3, compact:1, ascii:1 from bit 0 (unicodeobject.h).
constexpr unsigned kObType = 8;
constexpr unsigned kObSize = 16;
constexpr unsigned kStrLength = 16;
constexpr unsigned kStrState = 32;
constexpr unsigned kStateKindShift = 2;
constexpr unsigned kStateCompactShift = 5;
constexpr unsigned kStateAsciiShift = 6;

constexpr Layout kLayouts[] = {
    {/*3.*/ 8,
     /*tstate thread_id*/ 176, /*tstate frame*/ 24, /*cframe*/ kNone,
     /*frame objects*/ true, /*f_back*/ 24, /*f_code*/ 32, /*f_lasti*/ 104, Instr::kLastiBytes,
     /*owner*/ kNone, kNone, kNone,
     /*co_filename*/ 104, /*co_name*/ 112, /*co_qualname*/ kNone, /*co_firstlineno*/ 40,
     /*co_code_adaptive*/ kNone, /*_co_firsttraceable*/ kNone,
     /*ascii*/ 48, /*compact*/ 72, /*utf8_length*/ 48, /*utf8*/ 56, /*ready*/ 7},
    {/*3.*/ 9,
     /*tstate thread_id*/ 176, /*tstate frame*/ 24, /*cframe*/ kNone,
     /*frame objects*/ true, /*f_back*/ 24, /*f_code*/ 32, /*f_lasti*/ 104, Instr::kLastiBytes,
     /*owner*/ kNone, kNone, kNone,
     /*co_filename*/ 104, /*co_name*/ 112, /*co_qualname*/ kNone, /*co_firstlineno*/ 40,
     /*co_code_adaptive*/ kNone, /*_co_firsttraceable*/ kNone,
     /*ascii*/ 48, /*compact*/ 72, /*utf8_length*/ 48, /*utf8*/ 56, /*ready*/ 7},
    // 3.10: f_stackdepth replaced f_stacktop, so f_lasti moved up; it now
    // counts code units (PyFrame_GetLineNumber passes f_lasti * 2).
    {/*3.*/ 10,
     /*tstate thread_id*/ 176, /*tstate frame*/ 24, /*cframe*/ kNone,
     /*frame objects*/ true, /*f_back*/ 24, /*f_code*/ 32, /*f_lasti*/ 96, Instr::kLastiUnits,
     /*owner*/ kNone, kNone, kNone,
     /*co_filename*/ 104, /*co_name*/ 112, /*co_qualname*/ kNone, /*co_firstlineno*/ 40,
     /*co_code_adaptive*/ kNone, /*_co_firsttraceable*/ kNone,
     /*ascii*/ 48, /*compact*/ 72, /*utf8_length*/ 48, /*utf8*/ 56, /*ready*/ 7},
    // 3.11: frames live in the thread's data stack (pycore_frame.h), reached
    // through tstate->cframe->current_frame; owners THREAD, GENERATOR,
    // FRAME_OBJECT (0-2).
    {/*3.*/ 11,
     /*tstate thread_id*/ 152, /*tstate cframe*/ 56, /*cframe current_frame*/ 8,
     /*frame objects*/ false, /*previous*/ 48, /*f_code*/ 32, /*prev_instr*/ 56, Instr::kPrevInstr,
     /*owner*/ 69, /*cstack*/ kNone, /*max*/ 2,
     /*co_filename*/ 112, /*co_name*/ 120, /*co_qualname*/ 128, /*co_firstlineno*/ 72,
     /*co_code_adaptive*/ 184, /*_co_firsttraceable*/ 168,
     /*ascii*/ 48, /*compact*/ 72, /*utf8_length*/ 48, /*utf8*/ 56, /*ready*/ 7},
    // 3.12: f_code first; FRAME_OWNED_BY_CSTACK (3) marks the C entry frames
    // to skip; str lost wstr (smaller headers) and the ready bit.
    {/*3.*/ 12,
     /*tstate thread_id*/ 136, /*tstate cframe*/ 56, /*cframe current_frame*/ 0,
     /*frame objects*/ false, /*previous*/ 8, /*f_code*/ 0, /*prev_instr*/ 56, Instr::kPrevInstr,
     /*owner*/ 70, /*cstack*/ 3, /*max*/ 3,
     /*co_filename*/ 112, /*co_name*/ 120, /*co_qualname*/ 128, /*co_firstlineno*/ 68,
     /*co_code_adaptive*/ 192, /*_co_firsttraceable*/ 176,
     /*ascii*/ 40, /*compact*/ 56, /*utf8_length*/ 40, /*utf8*/ 48, /*ready*/ kNone},
    // 3.13: no _PyCFrame: tstate->current_frame; f_executable (a code
    // object, or None in C entry frames); instr_ptr is the current unit.
    {/*3.*/ 13,
     /*tstate thread_id*/ 152, /*tstate current_frame*/ 72, /*cframe*/ kNone,
     /*frame objects*/ false, /*previous*/ 8, /*f_executable*/ 0, /*instr_ptr*/ 56,
     Instr::kInstrPtr,
     /*owner*/ 70, /*cstack*/ 3, /*max*/ 3,
     /*co_filename*/ 112, /*co_name*/ 120, /*co_qualname*/ 128, /*co_firstlineno*/ 68,
     /*co_code_adaptive*/ 200, /*_co_firsttraceable*/ 184,
     /*ascii*/ 40, /*compact*/ 56, /*utf8_length*/ 40, /*utf8*/ 48, /*ready*/ kNone},
};

// The start of 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h),
// the first member of _PyRuntime: the interpreter's own statement of the
// offsets debuggers need. Mirrored field by field for the part read here.
struct DebugOffsets313 {
  char cookie[8];  // "xdebugpy"
  uint64_t version;
  uint64_t free_threaded;
  uint64_t runtime_state[3];
  uint64_t interpreter_state[13];
  struct {
    uint64_t size, prev, next, interp, current_frame, thread_id;
  } thread_state;
  uint64_t thread_state_rest[3];
  struct {
    uint64_t size, previous, executable, instr_ptr, localsplus, owner;
  } interpreter_frame;
  struct {
    uint64_t size, filename, name, qualname, linetable, firstlineno;
  } code_object;
};

// The row of 3.<minor>, or nullptr for a version the reader does not know.
inline const Layout* layout_for(unsigned major, unsigned minor) {
  if (major != 3) return nullptr;
  for (const Layout& l : kLayouts)
    if (l.minor == minor) return &l;
  return nullptr;
}

}  // namespace fdscope::lang::py
