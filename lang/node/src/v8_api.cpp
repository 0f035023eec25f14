// SPDX-License-Identifier: MIT
#include "v8_api.h"

#include "dlsym_compat.h"

namespace fdscope_node {
namespace {

template <typename F>
bool find(F& out, const char* name) {
  out = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
  return out != nullptr;
}

V8Api resolve(bool& ok) {
  V8Api a{};
  ok = find(a.try_get_current, "_ZN2v87Isolate13TryGetCurrentEv") &&
       find(a.handle_scope_ctor, "_ZN2v811HandleScopeC1EPNS_7IsolateE") &&
       find(a.handle_scope_dtor, "_ZN2v811HandleScopeD1Ev") &&
       find(a.current_stack_trace,
            "_ZN2v810StackTrace17CurrentStackTraceEPNS_7IsolateEiNS0_17StackTraceOptionsE") &&
       find(a.frame_count, "_ZNK2v810StackTrace13GetFrameCountEv") &&
       find(a.get_frame, "_ZNK2v810StackTrace8GetFrameEPNS_7IsolateEj") &&
       find(a.script_id, "_ZNK2v810StackFrame11GetScriptIdEv") &&
       find(a.script_name, "_ZNK2v810StackFrame24GetScriptNameOrSourceURLEv") &&
       find(a.function_name, "_ZNK2v810StackFrame15GetFunctionNameEv") &&
       find(a.utf8_length, "_ZNK2v86String10Utf8LengthEPNS_7IsolateE") &&
       find(a.write_utf8, "_ZNK2v86String9WriteUtf8EPNS_7IsolateEPciPii");
  // V8 >= 9.9 has GetLocation and inlines GetLineNumber/GetColumn; older
  // ones export the two getters.
  if (!find(a.location, "_ZNK2v810StackFrame11GetLocationEv"))
    ok = ok && find(a.line_number, "_ZNK2v810StackFrame13GetLineNumberEv") &&
         find(a.column, "_ZNK2v810StackFrame9GetColumnEv");
  return a;
}

}  // namespace

const V8Api* v8_api() {
  static bool ok = false;
  static const V8Api api = resolve(ok);
  return ok ? &api : nullptr;
}

}  // namespace fdscope_node
