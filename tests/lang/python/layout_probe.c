/* Prints, as `name value` lines, the offsets and sizes that the CPython
 * frame reader's table (shim/src/lang/python/python_layouts.h) hard-codes,
 * as the compiler computes them from one CPython's own headers. The layout
 * test builds it against every installed interpreter's headers and compares
 * its output with layout_table's: the table is right for a version only
 * where its headers agree. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#endif
#if PY_VERSION_HEX >= 0x030D0000
#include "internal/pycore_runtime.h"
#endif

#define P(name, value) printf("%s %ld\n", name, (long)(value))

/* Bit position of a one-bit field, or of the lowest bit of a wider one, of
 * PyASCIIObject.state: set it to all ones in a zeroed object, look at the word. */
#define STATE_SHIFT(name, field)                                       \
  do {                                                                 \
    PyASCIIObject o;                                                   \
    unsigned w;                                                        \
    memset(&o, 0, sizeof o);                                           \
    o.state.field = 7;                                                 \
    memcpy(&w, (char*)&o + offsetof(PyASCIIObject, state), sizeof w); \
    P(name, __builtin_ctz(w));                                         \
  } while (0)

int main(void) {
  P("minor", PY_MINOR_VERSION);
  P("ob_type", offsetof(PyObject, ob_type));
  P("ob_size", offsetof(PyVarObject, ob_size));
  P("tstate_thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX < 0x030B0000
  P("tstate_frame", offsetof(PyThreadState, frame));
  P("frame_previous", offsetof(PyFrameObject, f_back));
  P("frame_code", offsetof(PyFrameObject, f_code));
  P("frame_instr", offsetof(PyFrameObject, f_lasti));
#else
#if PY_VERSION_HEX < 0x030D0000
  P("tstate_frame", offsetof(PyThreadState, cframe));
  P("cframe_current", offsetof(_PyCFrame, current_frame));
  P("frame_code", offsetof(_PyInterpreterFrame, f_code));
  P("frame_instr", offsetof(_PyInterpreterFrame, prev_instr));
#else
  P("tstate_frame", offsetof(PyThreadState, current_frame));
  P("frame_code", offsetof(_PyInterpreterFrame, f_executable));
  P("frame_instr", offsetof(_PyInterpreterFrame, instr_ptr));
#endif
  P("frame_previous", offsetof(_PyInterpreterFrame, previous));
  P("frame_owner", offsetof(_PyInterpreterFrame, owner));
  P("owner_generator", FRAME_OWNED_BY_GENERATOR);
  P("code_qualname", offsetof(PyCodeObject, co_qualname));
  P("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
  P("code_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#endif
#if PY_VERSION_HEX >= 0x030C0000
  P("owner_cstack", FRAME_OWNED_BY_CSTACK);
#endif
  P("code_filename", offsetof(PyCodeObject, co_filename));
  P("code_name", offsetof(PyCodeObject, co_name));
  P("code_firstlineno", offsetof(PyCodeObject, co_firstlineno));
  P("str_length", offsetof(PyASCIIObject, length));
  P("str_state", offsetof(PyASCIIObject, state));
  P("ascii_size", sizeof(PyASCIIObject));
  P("compact_utf8_length", offsetof(PyCompactUnicodeObject, utf8_length));
  P("compact_utf8", offsetof(PyCompactUnicodeObject, utf8));
  P("compact_size", sizeof(PyCompactUnicodeObject));
  STATE_SHIFT("state_kind_shift", kind);
  STATE_SHIFT("state_compact_shift", compact);
  STATE_SHIFT("state_ascii_shift", ascii);
#if PY_VERSION_HEX < 0x030C0000
  STATE_SHIFT("state_ready_shift", ready);
#endif
#if PY_VERSION_HEX >= 0x030D0000
  P("debug_free_threaded", offsetof(_Py_DebugOffsets, free_threaded));
  P("debug_tstate_current_frame", offsetof(_Py_DebugOffsets, thread_state.current_frame));
  P("debug_tstate_thread_id", offsetof(_Py_DebugOffsets, thread_state.thread_id));
  P("debug_frame_previous", offsetof(_Py_DebugOffsets, interpreter_frame.previous));
  P("debug_frame_executable", offsetof(_Py_DebugOffsets, interpreter_frame.executable));
  P("debug_frame_instr_ptr", offsetof(_Py_DebugOffsets, interpreter_frame.instr_ptr));
  P("debug_frame_owner", offsetof(_Py_DebugOffsets, interpreter_frame.owner));
  P("debug_code_filename", offsetof(_Py_DebugOffsets, code_object.filename));
  P("debug_code_name", offsetof(_Py_DebugOffsets, code_object.name));
  P("debug_code_qualname", offsetof(_Py_DebugOffsets, code_object.qualname));
#endif
  return 0;
}
