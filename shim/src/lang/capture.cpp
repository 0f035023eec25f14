// SPDX-License-Identifier: MIT
// Who names the language stack of a new descriptor: the CPython frame
// reader inside the library, or the capturer a runtime integration (the
// Node.js addon) registered.
#include <atomic>

#include "fdscope_lang.h"
#include "state/options.h"
#include "lang/lang.h"
#include "lang/lang_frames.h"
#include "lang/node_inject.h"
#include "lang/python/python_frames.h"

namespace fdscope::lang {
namespace {

std::atomic<fdscope_lang_capture_fn> g_capturer{nullptr};
std::atomic<bool> g_python{false};
std::atomic<bool> g_started{false};

fdscope_lang_call kind_of(Call call) {
  switch (call) {
    case FDSCOPE_CALL_socket:
    case FDSCOPE_CALL_socketpair: return FDSCOPE_LANG_CALL_SOCKET;
    case FDSCOPE_CALL_accept:
    case FDSCOPE_CALL_accept4: return FDSCOPE_LANG_CALL_ACCEPT;
    case FDSCOPE_CALL_open: case FDSCOPE_CALL_open64: case FDSCOPE_CALL_openat:
    case FDSCOPE_CALL_openat64: case FDSCOPE_CALL_creat: case FDSCOPE_CALL_creat64:
    case FDSCOPE_CALL___open_2: case FDSCOPE_CALL___open64_2: case FDSCOPE_CALL___openat_2:
    case FDSCOPE_CALL___openat64_2: case FDSCOPE_CALL_mkstemp: case FDSCOPE_CALL_mkostemp:
    case FDSCOPE_CALL_mkstemps: case FDSCOPE_CALL_mkostemps: case FDSCOPE_CALL_mkstemp64:
    case FDSCOPE_CALL_mkostemp64: case FDSCOPE_CALL_mkstemps64: case FDSCOPE_CALL_mkostemps64:
    case FDSCOPE_CALL_fopen: case FDSCOPE_CALL_fopen64: case FDSCOPE_CALL_freopen:
    case FDSCOPE_CALL_freopen64: case FDSCOPE_CALL_tmpfile: case FDSCOPE_CALL_tmpfile64:
    case FDSCOPE_CALL_opendir: case FDSCOPE_CALL_shm_open: return FDSCOPE_LANG_CALL_OPEN;
    default: return FDSCOPE_LANG_CALL_OTHER;
  }
}

}  // namespace

void start(bool process_starting) {
  bool expected = false;
  if (!g_started.compare_exchange_strong(expected, true)) return;
  if (options().lang == LangMode::kOff) return;
  if (python_init()) {
    g_python.store(true, std::memory_order_release);
    return;
  }
  if (process_starting) inject_node_preload();
}

bool enabled() { return options().lang != LangMode::kOff; }

uint32_t capture(Call call, int fd) {
  if (!enabled()) return 0;
  if (g_python.load(std::memory_order_acquire)) return python_capture();
  fdscope_lang_capture_fn fn = g_capturer.load(std::memory_order_acquire);
  return fn ? fn(kind_of(call), fd) : 0;
}

void after_fork() { g_capturer.store(nullptr, std::memory_order_release); }

void set_capturer(fdscope_lang_capture_fn fn) {
  g_capturer.store(fn, std::memory_order_release);
}

}  // namespace fdscope::lang
