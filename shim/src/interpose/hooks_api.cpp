// The C API of hooks_api.h over the C++ core (tracker.h), and the public API
// of fdscope.h.
#include "hooks_api.h"

#include <dlfcn.h>
#include <errno.h>

#include "dump/dump.h"
#include "lang/lang.h"
#include "sys.h"
#include "thread_state.h"
#include "tracker.h"
#include "triggers.h"
#include "../include/fdscope.h"

using namespace fdscope;

// dlsym got a new default version in glibc 2.34; the original one is in
// every glibc, back to Amazon Linux 2's 2.26.
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

namespace {
__thread bool t_resolving __attribute__((tls_model("initial-exec")));
}

extern "C" {

void* fdscope_next(const char* name) {
  if (t_resolving) return nullptr;
  t_resolving = true;
  int saved = errno;
  void* f = dlsym(RTLD_NEXT, name);
  errno = saved;
  t_resolving = false;
  return f;
}

void* fdscope_lookup_global(const char* name) {
  if (t_resolving) return nullptr;
  t_resolving = true;
  int saved = errno;
  void* f = dlsym(RTLD_DEFAULT, name);
  errno = saved;
  t_resolving = false;
  return f;
}

// Called by the library constructor only: starting the language runtimes'
// support may allocate (setenv), which a hook must never do.
void fdscope_init(void) {
  ensure_init();
  fdscope::lang::start();
}
unsigned long long fdscope_now_ns(void) { return sys::coarse_monotonic_ns(); }

void fdscope_created(int fd, enum fdscope_call call, int flags) {
  ensure_init();
  if (owns_process()) on_created(fd, call, flags);
}
void fdscope_adopted(int fd, enum fdscope_call call) {
  ensure_init();
  if (owns_process()) on_adopted(fd, call);
}
// A vfork() child shares its parent's memory: it leaves the table alone
// (owns_process). The check comes first, before anything touches state.
void fdscope_create_failed(enum fdscope_call call) {
  if (owns_process()) on_create_failed(call);
}
void fdscope_failed_with(enum fdscope_call call, int err) {
  if (owns_process()) on_failed_with(call, err);
}
enum fdscope_sig_decision fdscope_signal_filter(int sig, const struct sigaction* act,
                                                struct sigaction* old) {
  ensure_init();
  if (!owns_process()) return FDSCOPE_SIG_PASS;
  return filter_sigaction(sig, act, old);
}
void fdscope_closing(int fd) {
  if (owns_process()) on_closing(fd);
}
void fdscope_close_result(int fd, int rc) {
  if (owns_process()) on_close_result(fd, rc, errno);
}
void fdscope_closed_range(unsigned first, unsigned last, unsigned long long began_ns) {
  if (owns_process()) on_closed_range(first, last, began_ns);
}
void fdscope_connect(int fd, const struct sockaddr* addr, socklen_t len) {
  if (owns_process()) on_connect(fd, addr, len);
}
void fdscope_received(const struct msghdr* msg, enum fdscope_call call) {
  ensure_init();
  if (owns_process()) on_received(msg, call);
}

__attribute__((visibility("default"))) int fdscope_own_fds(int* out, int max) {
  ensure_init();
  return list_own_fds(out, max);
}

__attribute__((visibility("default"))) int fdscope_dump(const char* path) {
  ensure_init();
  int r = write_dump(Reason::kRequest, path);
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return 0;
}

}  // extern "C"
