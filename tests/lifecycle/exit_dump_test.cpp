// at_exit=1 with output=<dir>/fdscope.%p.jsonl: a forked child that calls
// exit(3) writes its own file, as itself (pid, ppid), with reason "exit",
// keeps the parent's records, and its exit status stays 3.
#include <unistd.h>

#include "lifecycle_util.h"

namespace {

using fdscope::test::Dump;

TEST(LifecycleExitDump, ForkedChildWritesItsOwnExitDumpAndKeepsItsExitStatus) {
  fdscope::test::TempDir tmp;
  auto r = lifecycle::run_program({LIFECYCLE_HELPER, "fork-exit"},
                                  "log=none:threshold=1000000:at_exit=1:output=" +
                                      tmp.path() + "/fdscope.%p.jsonl");
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(fdscope::test::describe_status(r.status), "exit 0") << r.out;
  auto parent = lifecycle::line_fields(r.out, "parent");  // parent PID X CHILD STATUS
  auto child = lifecycle::line_fields(r.out, "child");    // child PID PPID Y
  ASSERT_EQ(parent.size(), 5u) << r.out;
  ASSERT_EQ(child.size(), 4u) << r.out;
  const int parent_pid = std::stoi(parent[1]), x = std::stoi(parent[2]);
  const int child_pid = std::stoi(parent[3]), child_status = std::stoi(parent[4]);
  const int y = std::stoi(child[3]);
  EXPECT_EQ(parent_pid, r.pid);
  EXPECT_EQ(std::stoi(child[1]), child_pid);
  EXPECT_EQ(std::stoi(child[2]), parent_pid);
  EXPECT_EQ(child_status, 3);

  const std::string parent_file = "fdscope." + std::to_string(parent_pid) + ".jsonl";
  const std::string child_file = "fdscope." + std::to_string(child_pid) + ".jsonl";
  std::vector<std::string> want = {parent_file, child_file};
  std::sort(want.begin(), want.end());
  ASSERT_EQ(tmp.files(), want);

  auto cd = fdscope::test::read_dump_file(tmp.join(child_file));
  ASSERT_EQ(cd.size(), 1u);
  const Dump& c = cd[0];
  ASSERT_TRUE(c.complete);
  EXPECT_EQ(c.reason, "exit");
  EXPECT_EQ(c.pid, child_pid);
  EXPECT_EQ(c.seq, 1);
  EXPECT_EQ(c.header.at("ppid").get<int>(), parent_pid);
  const auto* cx = c.find(x);
  ASSERT_NE(cx, nullptr);
  ASSERT_TRUE(cx->tracked);
  EXPECT_EQ(cx->tid, parent_pid);  // created by the parent's main thread
  EXPECT_TRUE(c.stack_has(cx->stack, "helper_open_before_fork")) << c.describe_stack(cx->stack);
  const auto* cy = c.find(y);
  ASSERT_NE(cy, nullptr);
  ASSERT_TRUE(cy->tracked);
  EXPECT_EQ(cy->tid, child_pid);
  EXPECT_TRUE(c.stack_has(cy->stack, "helper_open_in_child")) << c.describe_stack(cy->stack);

  auto pd = fdscope::test::read_dump_file(tmp.join(parent_file));
  ASSERT_EQ(pd.size(), 1u);
  const Dump& p = pd[0];
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.reason, "exit");
  EXPECT_EQ(p.pid, parent_pid);
  EXPECT_EQ(p.header.at("ppid").get<int>(), getpid());
  const auto* px = p.find(x);
  ASSERT_NE(px, nullptr);
  EXPECT_TRUE(px->tracked);
  for (const auto* e : p.tracked())
    EXPECT_FALSE(p.stack_has(e->stack, "helper_open_in_child")) << "fd " << e->fd;
}

}  // namespace
