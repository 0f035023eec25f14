// SPDX-License-Identifier: MIT
// The Node-API addon the preload script loads: per environment state, the
// functions the async hooks call, and the capturer given to the library.
//
// Only Node-API functions available since Node 12 (NAPI_VERSION 8) and the
// V8 symbols of v8_api.cpp are used, so one binary serves Node 18, 20, 22.
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>

#include <new>

#include "capture.h"
#include "capturer.h"
#include "env_state.h"
#include "lib_api.h"
#include "pending.h"
#include "v8_api.h"

namespace fdscope_node {
namespace {

// Argument helpers: the preload script is ours, so bad arguments mean a
// bug; they read as 0 rather than throwing into the host.
uint32_t arg_u32(napi_env env, napi_value v) {
  uint32_t out = 0;
  if (napi_get_value_uint32(env, v, &out) != napi_ok) return 0;
  return out;
}

double arg_double(napi_env env, napi_value v) {
  double out = 0;
  if (napi_get_value_double(env, v, &out) != napi_ok) return 0;
  return out;
}

template <size_t N>
bool get_args(napi_env env, napi_callback_info info, napi_value (&argv)[N], EnvState** st) {
  size_t argc = N;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) return false;
  for (size_t i = argc; i < N; i++) napi_get_undefined(env, &argv[i]);
  *st = static_cast<EnvState*>(data);
  return true;
}

napi_value u32(napi_env env, uint32_t v) {
  napi_value out;
  napi_create_uint32(env, v, &out);
  return out;
}

// capture(parent): the stack of the code creating an async resource,
// chained to `parent`; sets the open-token slot for fs requests that open.
napi_value js_capture(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  EnvState* st;
  if (!get_args(env, info, argv, &st) || !st) return nullptr;
  uint32_t parent = arg_u32(env, argv[0]);
  CaptureResult r = capture(*st, parent);
  st->slots[kSlotOpenToken] = r.fs_open ? pending_open_push(r.stack) : 0;
  return u32(env, r.stack);
}

// openDone(token): the fs request holding that token completed.
napi_value js_open_done(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  EnvState* st;
  if (get_args(env, info, argv, &st)) pending_open_done(arg_u32(env, argv[0]));
  return nullptr;
}

// attribute(fd, stack): a descriptor learnt after the fact (a FileHandle).
napi_value js_attribute(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  EnvState* st;
  const LibApi* lib = lib_api();
  if (lib && get_args(env, info, argv, &st)) {
    int32_t fd = -1;
    if (napi_get_value_int32(env, argv[0], &fd) == napi_ok && fd >= 0)
      lib->attribute(fd, arg_u32(env, argv[1]));
  }
  return nullptr;
}

// workerCreated(threadId, stack) in the parent; workerContext(threadId) in
// the worker, once.
napi_value js_worker_created(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  EnvState* st;
  if (get_args(env, info, argv, &st))
    worker_context_put(uint64_t(arg_double(env, argv[0])), arg_u32(env, argv[1]));
  return nullptr;
}

napi_value js_worker_context(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  EnvState* st;
  if (!get_args(env, info, argv, &st)) return nullptr;
  return u32(env, worker_context_take(uint64_t(arg_double(env, argv[0]))));
}

// nodeOptions(): NODE_OPTIONS as it was before the library added the
// preload; null when it was unset; undefined when the library cannot say.
napi_value js_node_options(napi_env env, napi_callback_info) {
  bool known = false;
  const char* s = original_node_options(&known);
  napi_value out;
  if (!known)
    napi_get_undefined(env, &out);
  else if (!s)
    napi_get_null(env, &out);
  else
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

// onMainThread(): whether this is the process's first thread, where
// node's main() runs its main environment; a worker environment runs on a
// thread of its own. It spares the preload require('worker_threads'),
// ~3 ms of every start-up, in the main thread.
napi_value js_on_main_thread(napi_env env, napi_callback_info) {
  napi_value out;
  napi_get_boolean(env, syscall(SYS_gettid) == getpid(), &out);
  return out;
}

void cleanup(void* arg) {
  auto* st = static_cast<EnvState*>(arg);
  unregister_env(st);
  st->~EnvState();
  free(st);
}

bool add_function(napi_env env, napi_value obj, const char* name, napi_callback cb, EnvState* st) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, st, &fn) == napi_ok &&
         napi_set_named_property(env, obj, name, fn) == napi_ok;
}

// start(preloadPath) -> Uint32Array of the shared slots, or undefined when
// language stacks cannot be recorded here (no library, lang=off, another
// V8 ABI, too many isolates).
napi_value js_start(napi_env env, napi_callback_info info) {
  napi_value argv[1], undef;
  napi_get_undefined(env, &undef);
  EnvState* unused;
  if (!get_args(env, info, argv, &unused)) return undef;
  const V8Api* v8 = v8_api();
  const LibApi* lib = lib_api();
  if (!v8 || !lib) return undef;
  void* isolate = v8->try_get_current();
  if (!isolate || find_env(isolate)) return undef;

  void* mem = calloc(1, sizeof(EnvState));
  if (!mem) return undef;
  auto* st = new (mem) EnvState();
  st->isolate = isolate;
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], st->preload_path, sizeof st->preload_path, &len);
  st->preload_path_len = len;

  // The slots live in an ArrayBuffer's off-heap backing store, which does
  // not move; the Uint32Array over it is held by the preload script for
  // the life of the environment.
  napi_value buffer, slots;
  void* data = nullptr;
  if (napi_create_arraybuffer(env, kSlotCount * sizeof(uint32_t), &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_uint32_array, kSlotCount, buffer, 0, &slots) != napi_ok) {
    cleanup(st);
    return undef;
  }
  st->slots = static_cast<uint32_t*>(data);
  napi_value exports;
  if (napi_create_object(env, &exports) != napi_ok || !add_function(env, exports, "capture", js_capture, st) ||
      !add_function(env, exports, "openDone", js_open_done, st) ||
      !add_function(env, exports, "attribute", js_attribute, st) ||
      !add_function(env, exports, "workerCreated", js_worker_created, st) ||
      !add_function(env, exports, "workerContext", js_worker_context, st) ||
      napi_set_named_property(env, exports, "slots", slots) != napi_ok ||
      napi_add_env_cleanup_hook(env, cleanup, st) != napi_ok) {
    cleanup(st);
    return undef;
  }
  if (!register_env(st)) {
    napi_remove_env_cleanup_hook(env, cleanup, st);
    cleanup(st);
    return undef;
  }
  install_fork_guard();
  lib->set_capturer(capture_for_descriptor);
  return exports;
}

}  // namespace
}  // namespace fdscope_node

NAPI_MODULE_INIT() {
  using namespace fdscope_node;
  add_function(env, exports, "start", js_start, nullptr);
  add_function(env, exports, "nodeOptions", js_node_options, nullptr);
  add_function(env, exports, "onMainThread", js_on_main_thread, nullptr);
  return exports;
}
