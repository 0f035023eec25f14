// exec: the new image starts afresh with the preload still in its
// environment. Descriptors inherited across exec show as untracked with
// their target; close-on-exec ones are gone; new ones are tracked.
#include <sys/socket.h>
#include <unistd.h>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

void check_exec(bool via_shell) {
  fdscope::test::TempDir tmp;
  const std::string kept_path = tmp.join("inherited.txt");
  const std::string gone_path = tmp.join("cloexec.txt");
  int kept = open(kept_path.c_str(), O_CREAT | O_RDWR, 0600);
  int gone = open(gone_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  int p[2];
  ASSERT_EQ(pipe(p), 0);  // both ends inherited
  int gone_sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(kept, 0);
  ASSERT_GE(gone, 0);
  ASSERT_GE(gone_sock, 0);

  // In this process all of them are tracked.
  const Dump here = fdscope::test::dump_now();
  for (int fd : {kept, gone, p[0], p[1], gone_sock}) {
    ASSERT_NE(here.find(fd), nullptr);
    ASSERT_TRUE(here.find(fd)->tracked);
  }

  const std::string dump_path = tmp.join("exec.jsonl");
  std::vector<std::string> argv = {LIFECYCLE_HELPER, "exec-dump", dump_path};
  if (via_shell)
    argv = {"/bin/sh", "-c", std::string("\"$0\" exec-dump \"$1\"; exit $?"), LIFECYCLE_HELPER,
            dump_path};
  auto r = lifecycle::run_program(argv, "log=none:threshold=1000000");
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  EXPECT_EQ(lifecycle::line_fields(r.out, "preload"), (std::vector<std::string>{"preload", "yes"}));
  auto opened = lifecycle::line_fields(r.out, "opened");
  ASSERT_EQ(opened.size(), 2u) << r.out;
  const int helper_fd = std::stoi(opened[1]);
  auto listed = lifecycle::line_fields(r.out, "fds");
  ASSERT_FALSE(listed.empty()) << r.out;
  std::set<int> helper_fds;
  for (size_t i = 1; i < listed.size(); ++i) helper_fds.insert(std::stoi(listed[i]));

  auto dumps = fdscope::test::read_dump_file(dump_path);
  ASSERT_EQ(dumps.size(), 1u);
  const Dump& d = dumps[0];
  ASSERT_TRUE(d.complete);
  EXPECT_NE(d.pid, getpid());
  EXPECT_EQ(lifecycle::dump_fds(d), helper_fds)
      << "dump: " << lifecycle::join(lifecycle::dump_fds(d)) << "\nopen: " << lifecycle::join(helper_fds);

  const auto* k = d.find(kept);
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->tracked);
  EXPECT_EQ(k->kind, "file");
  EXPECT_EQ(k->target, kept_path);
  for (int fd : {p[0], p[1]}) {
    const auto* e = d.find(fd);
    ASSERT_NE(e, nullptr) << fd;
    EXPECT_FALSE(e->tracked) << fd;
    EXPECT_EQ(e->kind, "pipe") << fd;
  }
  // Close-on-exec descriptors did not survive (their numbers may have been
  // reused by the new image, never for the same file).
  for (const auto& e : d.fds) {
    EXPECT_NE(e.target, gone_path) << e.fd;
    if (e.fd == gone_sock) {
      EXPECT_TRUE(e.tracked) << "fd " << e.fd << " " << e.target;
    }
  }
  // The new image tracks what it creates itself, and nothing else.
  const auto* h = d.find(helper_fd);
  ASSERT_NE(h, nullptr);
  ASSERT_TRUE(h->tracked);
  EXPECT_TRUE(d.stack_has(h->stack, "helper_open_after_exec")) << d.describe_stack(h->stack);
  for (const auto* e : d.tracked())
    EXPECT_EQ(e->fd, helper_fd) << "fd " << e->fd << " tracked in the new image: " << e->target;

  close(kept);
  close(gone);
  close(p[0]);
  close(p[1]);
  close(gone_sock);
}

TEST(LifecycleExec, InheritedDescriptorsAreUntrackedAndCloexecOnesGone) { check_exec(false); }

TEST(LifecycleExec, SameThroughAShellThatForksAndExecs) { check_exec(true); }

}  // namespace
