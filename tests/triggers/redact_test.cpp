// redact=argv,paths: a dump to send outside the team keeps what finds the
// leak (call sites, counts, kinds, network peers) and leaves out the
// program's arguments and the file system paths it opened; the log lines
// too.
#include <gtest/gtest.h>

#include <algorithm>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::FdEntry;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

struct Redacted {
  Result result;
  Dump dump;
};

Redacted run_leak(const TempDir& tmp, const std::string& redact) {
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data"), "listen", "sockets:1", "files:3"};
  const std::string out = tmp.join("d.jsonl");
  spec.options = "threshold=0:at_exit=1:output=" + out + (redact.empty() ? "" : ":redact=" + redact);
  Redacted r{run(spec), {}};
  std::vector<Dump> dumps = read_dump_file(out);
  if (dumps.size() == 1) r.dump = dumps[0];
  return r;
}

std::vector<std::string> targets_of_kind(const Dump& d, const std::string& kind) {
  std::vector<std::string> t;
  for (const FdEntry& e : d.fds)
    if (e.kind == kind) t.push_back(e.target);
  return t;
}

}  // namespace

TEST(Redact, ArgvAndPathsAreLeftOutOfTheDumpAndTheLog) {
  TempDir tmp;
  Redacted r = run_leak(tmp, "argv,paths");
  ASSERT_TRUE(r.result.exited(0)) << r.result.describe();
  ASSERT_TRUE(r.dump.complete);
  EXPECT_EQ(r.dump.header.at("argv"), nlohmann::json::array({program("leak_program")}));
  EXPECT_EQ(r.dump.header.at("redacted"), nlohmann::json::array({"argv", "paths"}));
  EXPECT_EQ(targets_of_kind(r.dump, "file"), std::vector<std::string>(3, "(path redacted)"));
  // What finds the leak stays: the sites, and the network peers.
  EXPECT_EQ(created_in(r.dump, "open_log_file").size(), 3u);
  std::vector<std::string> sockets = targets_of_kind(r.dump, "socket");
  EXPECT_TRUE(std::any_of(sockets.begin(), sockets.end(), [](const std::string& t) {
    return t.rfind("tcp 127.0.0.1:", 0) == 0 && t.find(" -> 127.0.0.1:") != std::string::npos;
  })) << ::testing::PrintToString(sockets);
  // The log's site lines name the same targets (its first line names the
  // dump file, the user's own choice).
  EXPECT_EQ(r.result.err.find(tmp.join("data")), std::string::npos) << r.result.err;
  EXPECT_NE(r.result.err.find("3 x open_log_file (leak_program)  (path redacted)"), std::string::npos)
      << r.result.err;
}

TEST(Redact, WithoutItTheDumpHasThemAll) {
  TempDir tmp;
  Redacted r = run_leak(tmp, "");
  ASSERT_TRUE(r.result.exited(0)) << r.result.describe();
  ASSERT_TRUE(r.dump.complete);
  EXPECT_EQ(r.dump.header.at("argv").size(), 5u);
  EXPECT_FALSE(r.dump.header.contains("redacted"));
  EXPECT_EQ(targets_of_kind(r.dump, "file"), std::vector<std::string>(3, tmp.join("data/app.log")));
}

TEST(Redact, ArgvAloneKeepsThePaths) {
  TempDir tmp;
  Redacted r = run_leak(tmp, "argv");
  ASSERT_TRUE(r.dump.complete) << r.result.describe();
  EXPECT_EQ(r.dump.header.at("argv").size(), 1u);
  EXPECT_EQ(r.dump.header.at("redacted"), nlohmann::json::array({"argv"}));
  EXPECT_EQ(targets_of_kind(r.dump, "file"), std::vector<std::string>(3, tmp.join("data/app.log")));
}
