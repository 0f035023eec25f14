// fork: the child continues with the parent's table (a descriptor opened
// before the fork keeps its creating stack and thread), tracks its own, and
// dumps as itself; a fork while another thread is busy in the shim does not
// leave the child deadlocked.
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "lifecycle_util.h"
#include "raw_fd_scan.h"

namespace {

using fdscope::test::Dump;

using DumpFn = int (*)(const char*);

// Looked up before any fork: the child calls it directly.
DumpFn shim_dump_fn() {
  static DumpFn fn = reinterpret_cast<DumpFn>(dlsym(RTLD_DEFAULT, "fdscope_dump"));
  return fn;
}

__attribute__((noinline)) int fork_parent_open_before_fork() {
  return open("/dev/null", O_RDONLY);
}
__attribute__((noinline)) int fork_child_open_after_fork() {
  return open("/dev/null", O_WRONLY);
}

// /proc/self/fd in the child with raw system calls, written to `out` as
// "fd fd ...\n"; the shim's own (top of the soft limit) left out.
void child_report_fds(int out) {
  std::vector<int> own = fdscope::test::shim_own_fds();
  char line[8192];
  size_t len = 0;
  lifecycle::raw_scan_fds([&](int fd) {
    if (std::find(own.begin(), own.end(), fd) != own.end()) return;
    len += (size_t)snprintf(line + len, sizeof(line) - len, "%d ", fd);
  });
  line[len++] = '\n';
  (void)!write(out, line, len);
}

struct ChildResult {
  bool ok = false;
  std::string error;
  pid_t pid = 0;
  int opened = -1;
  std::set<int> fds;  // the child's /proc/self/fd, less the shim's own
};

// Forks a child that opens a descriptor, dumps to dir/child.<pid>.jsonl and
// reports its descriptors; waits for it with a timeout.
ChildResult fork_child_that_dumps(const std::string& dir) {
  ChildResult res;
  int rep[2];
  if (pipe2(rep, O_CLOEXEC) != 0) return res.error = "pipe2", res;
  std::string path_tmpl = dir + "/child.%p.jsonl";
  DumpFn dump = shim_dump_fn();
  if (!dump) return res.error = "libfdscope.so is not loaded", res;
  pid_t pid = fork();
  if (pid < 0) return res.error = "fork", res;
  if (pid == 0) {
    close(rep[0]);
    int fd = fork_child_open_after_fork();
    char msg[32];
    int n = snprintf(msg, sizeof(msg), "%d\n", fd);
    (void)!write(rep[1], msg, (size_t)n);
    int r = dump(path_tmpl.c_str());
    child_report_fds(rep[1]);
    _exit(r == 0 && fd >= 0 ? 0 : 1);
  }
  close(rep[1]);
  res.pid = pid;
  auto status = fdscope::test::wait_child(pid, std::chrono::seconds(5));
  std::string text;
  char buf[8192];
  for (ssize_t n; (n = read(rep[0], buf, sizeof(buf))) > 0;) text.append(buf, (size_t)n);
  close(rep[0]);
  if (!status) return res.error = "child " + std::to_string(pid) + " hung (deadlock?)", res;
  if (*status != 0) return res.error = "child " + fdscope::test::describe_status(*status), res;
  std::istringstream in(text);
  in >> res.opened;
  for (int fd; in >> fd;) res.fds.insert(fd);
  res.ok = true;
  return res;
}

TEST(LifecycleFork, ChildKeepsTheParentsTableAndDumpsAsItself) {
  lifecycle::Watchdog watchdog(std::chrono::seconds(9));
  fdscope::test::TempDir tmp;
  const int before_fork = fork_parent_open_before_fork();
  ASSERT_GE(before_fork, 0);

  ChildResult child = fork_child_that_dumps(tmp.path());
  ASSERT_TRUE(child.ok) << child.error;
  std::string file = tmp.join("child." + std::to_string(child.pid) + ".jsonl");
  auto dumps = fdscope::test::read_dump_file(file);
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  ASSERT_TRUE(d.complete);
  EXPECT_EQ(d.pid, child.pid);
  EXPECT_EQ(d.header.at("ppid").get<int>(), getpid());
  EXPECT_EQ(lifecycle::dump_fds(d), child.fds);

  const auto* inherited = d.find(before_fork);
  ASSERT_NE(inherited, nullptr);
  ASSERT_TRUE(inherited->tracked);
  EXPECT_EQ(inherited->tid, gettid());  // created by the parent's thread
  EXPECT_TRUE(d.stack_has(inherited->stack, "fork_parent_open_before_fork"))
      << d.describe_stack(inherited->stack);

  const auto* own = d.find(child.opened);
  ASSERT_NE(own, nullptr);
  ASSERT_TRUE(own->tracked);
  EXPECT_EQ(own->tid, child.pid);
  EXPECT_EQ(own->flags & O_ACCMODE, O_WRONLY);
  EXPECT_TRUE(d.stack_has(own->stack, "fork_child_open_after_fork"))
      << d.describe_stack(own->stack);

  // The parent's table is its own: the child's descriptor is not in it.
  const Dump mine = fdscope::test::dump_now();
  const auto* same_number = mine.find(child.opened);
  if (same_number && same_number->tracked) {
    EXPECT_FALSE(mine.stack_has(same_number->stack, "fork_child_open_after_fork"));
  }
  close(before_fork);
}

__attribute__((noinline)) void fork_busy_thread(std::atomic<bool>* stop, std::string dir) {
  while (!stop->load(std::memory_order_relaxed)) {
    int a = open("/dev/null", O_RDONLY);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) close(p[0]), close(p[1]);
    FILE* f = fopen("/dev/null", "r");
    DIR* d = opendir(dir.c_str());
    int e = eventfd(0, 0);
    if (f) fclose(f);
    if (d) closedir(d);
    close(e);
    close(s);
    close(a);
  }
}

TEST(LifecycleFork, ForkWhileAnotherThreadOpensAndClosesDoesNotDeadlockTheChild) {
  lifecycle::Watchdog watchdog(std::chrono::seconds(15));
  fdscope::test::TempDir tmp;
  const int before_fork = fork_parent_open_before_fork();
  std::atomic<bool> stop{false};
  std::thread busy(fork_busy_thread, &stop, tmp.path());
  std::thread busy2(fork_busy_thread, &stop, tmp.path());

  std::vector<ChildResult> children;
  // Count-bound: 40 forks, or as many as 6 s give (and at least 10 however
  // slow a fork is: a sanitizer build's large shadow memory makes each slow).
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  while ((std::chrono::steady_clock::now() < end || children.size() < 10) && children.size() < 40) {
    children.push_back(fork_child_that_dumps(tmp.path()));
    if (!children.back().ok) break;
  }
  stop = true;
  busy.join();
  busy2.join();

  ASSERT_GE(children.size(), 10u);
  for (const ChildResult& c : children) {
    ASSERT_TRUE(c.ok) << c.error;
    auto dumps = fdscope::test::read_dump_file(
        tmp.join("child." + std::to_string(c.pid) + ".jsonl"));
    ASSERT_EQ(dumps.size(), 1u);
    const Dump& d = dumps[0];
    ASSERT_TRUE(d.complete) << c.pid;
    EXPECT_EQ(d.pid, c.pid);
    EXPECT_EQ(lifecycle::dump_fds(d), c.fds)
        << "dump: " << lifecycle::join(lifecycle::dump_fds(d)) << "\nopen: " << lifecycle::join(c.fds);
    const auto* own = d.find(c.opened);
    ASSERT_NE(own, nullptr);
    ASSERT_TRUE(own->tracked) << c.pid;
    EXPECT_EQ(own->tid, c.pid);
    EXPECT_TRUE(d.stack_has(own->stack, "fork_child_open_after_fork")) << d.describe_stack(own->stack);
    const auto* inherited = d.find(before_fork);
    ASSERT_NE(inherited, nullptr);
    ASSERT_TRUE(inherited->tracked);
    EXPECT_TRUE(d.stack_has(inherited->stack, "fork_parent_open_before_fork"));
  }
  close(before_fork);
}

}  // namespace
