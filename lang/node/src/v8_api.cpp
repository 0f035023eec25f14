// SPDX-License-Identifier: MIT
#include "v8_api.h"

#include "dlsym_compat.h"

namespace fdscope_node {
namespace {

V8Api resolve(bool& ok) {
  V8Api a{};
  ok = find_symbol(a.try_get_current, "_ZN2v87Isolate13TryGetCurrentEv") &&
       find_symbol(a.handle_scope_ctor, "_ZN2v811HandleScopeC1EPNS_7IsolateE") &&
       find_symbol(a.handle_scope_dtor, "_ZN2v811HandleScopeD1Ev") &&
       find_symbol(a.current_stack_trace,
            "_ZN2v810StackTrace17CurrentStackTraceEPNS_7IsolateEiNS0_17StackTraceOptionsE") &&
       find_symbol(a.frame_count, "_ZNK2v810StackTrace13GetFrameCountEv") &&
       find_symbol(a.get_frame, "_ZNK2v810StackTrace8GetFrameEPNS_7IsolateEj") &&
       find_symbol(a.script_id, "_ZNK2v810StackFrame11GetScriptIdEv") &&
       find_symbol(a.script_name, "_ZNK2v810StackFrame24GetScriptNameOrSourceURLEv") &&
       find_symbol(a.function_name, "_ZNK2v810StackFrame15GetFunctionNameEv") &&
       find_symbol(a.utf8_length, "_ZNK2v86String10Utf8LengthEPNS_7IsolateE") &&
       find_symbol(a.write_utf8, "_ZNK2v86String9WriteUtf8EPNS_7IsolateEPciPii");
  // V8 >= 9.9 has GetLocation and inlines GetLineNumber/GetColumn; older
  // ones export the two getters.
  if (!find_symbol(a.location, "_ZNK2v810StackFrame11GetLocationEv"))
    ok = ok && find_symbol(a.line_number, "_ZNK2v810StackFrame13GetLineNumberEv") &&
         find_symbol(a.column, "_ZNK2v810StackFrame9GetColumnEv");
  return a;
}

}  // namespace

const V8Api* v8_api() {
  static bool ok = false;
  static const V8Api api = resolve(ok);
  return ok ? &api : nullptr;
}

}  // namespace fdscope_node
