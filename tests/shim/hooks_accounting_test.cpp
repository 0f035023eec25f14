// A dump accounts for every open descriptor: those created behind the
// shim's back appear untracked with their /proc target, and the only ones
// left out are the shim's own, which it keeps close-on-exec in the last 8
// numbers below the soft RLIMIT_NOFILE (the descriptor reserved for dumps
// at EMFILE; libunwind's memory-probe pipe in earlier versions).
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "hook_test_support.h"

namespace fdscope::test {

TEST(HooksAccounting, DescriptorsCreatedBehindTheShimsBackAreUntracked) {
  TempDir dir;
  std::string path = raw_create_file(dir.join("raw"));
  int fd = raw_open(path, O_RDONLY);
  int p[2];
  ASSERT_EQ(raw_syscall(SYS_pipe2, (long)p, O_CLOEXEC), 0);
  int s = (int)raw_syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  ASSERT_GE(s, 0);

  Dump d = dump_now();
  EXPECT_TRUE(IsUntracked(d, fd, "file", path));
  EXPECT_TRUE(IsUntracked(d, p[0], "pipe", pipe_target(p[0])));
  EXPECT_TRUE(IsUntracked(d, p[1], "pipe", pipe_target(p[1])));
  EXPECT_TRUE(IsUntracked(d, s, "socket", "unix"));
  for (int x : {fd, p[0], p[1], s}) {
    ASSERT_NE(d.find(x), nullptr);
    EXPECT_EQ(d.find(x)->call, "");
  }
  close_raw({fd, p[0], p[1], s});
}

TEST(HooksAccounting, EveryOpenDescriptorIsListedButTheShimsOwn) {
  TempDir dir;
  int tracked = open(raw_create_file(dir.join("tracked")).c_str(), O_RDONLY);
  int untracked = raw_open(raw_create_file(dir.join("untracked")), O_RDONLY);
  ASSERT_GE(tracked, 0);
  ASSERT_GE(untracked, 0);

  const std::vector<int> proc_before = open_fds();
  Dump d = dump_now();
  const std::vector<int> proc_after = open_fds();
  ASSERT_EQ(proc_before, proc_after) << "descriptors changed around the dump";

  std::set<int> in_proc(proc_before.begin(), proc_before.end());
  std::set<int> listed;
  for (const FdEntry& e : d.fds) listed.insert(e.fd);
  std::vector<int> not_listed, not_open;
  std::set_difference(in_proc.begin(), in_proc.end(), listed.begin(), listed.end(),
                      std::back_inserter(not_listed));
  std::set_difference(listed.begin(), listed.end(), in_proc.begin(), in_proc.end(),
                      std::back_inserter(not_open));
  EXPECT_TRUE(not_open.empty()) << "listed but not open: " << ::testing::PrintToString(not_open);

  // What is left out is exactly the shim's own (its reserve): close-on-exec,
  // at the top of the soft limit (at most 4095), out of the program's way.
  struct rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  std::vector<int> own = fdscope::test::shim_own_fds();
  std::sort(own.begin(), own.end());
  EXPECT_EQ(not_listed, own) << "not listed: " << ::testing::PrintToString(not_listed);
  ASSERT_EQ(own.size(), 1u) << "the reserve";
  const long top = lim.rlim_cur > 4096 ? 4095 : (long)lim.rlim_cur - 1;
  EXPECT_EQ(own[0], top);
  EXPECT_EQ(fcntl(own[0], F_GETFD), FD_CLOEXEC);
  // A memfd: its content is the state the library publishes for the tool.
  EXPECT_EQ(proc_link(own[0]), "/memfd:fdscope-state (deleted)");
  for (int fd : listed) EXPECT_NE(fd, own[0]) << "the shim's reserve is listed";

  // The header and end lines count the same descriptors.
  EXPECT_EQ(d.header.at("open").get<size_t>(), d.fds.size());
  EXPECT_EQ(d.header.at("tracked").get<size_t>(), d.tracked().size());
  EXPECT_EQ(d.end.at("fds").get<size_t>(), d.fds.size());
  EXPECT_TRUE(d.find(tracked) && d.find(tracked)->tracked);
  EXPECT_TRUE(d.find(untracked) && !d.find(untracked)->tracked);
  close(tracked);
  raw_close(untracked);
}

}  // namespace fdscope::test
