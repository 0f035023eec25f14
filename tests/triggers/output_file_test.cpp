// The dump file: a failure to write it costs the program nothing but one
// stderr line; an existing file or symlink at its path is never written
// through (O_EXCL, O_NOFOLLOW: the next free "<path>.N" is used); it is
// created with mode 0600; a device named on purpose is written to.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

// What leak_program prints for: say:hello files:3 say:bye
const char* const kProgramOut = "hello\nfile fd=3\nfile fd=4\nfile fd=5\nbye\n";

// Dumps at the third file (threshold=3), with $TMPDIR = tmp.
Result run_three(const TempDir& tmp, const std::string& options,
                 std::function<void(pid_t)> before_exec = nullptr, bool as_nobody = false,
                 const std::vector<std::string>& steps = {"say:hello", "files:3", "say:bye"}) {
  std::filesystem::create_directories(tmp.join("data"));
  chmod(tmp.join("data").c_str(), 0777);
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data")};
  spec.argv.insert(spec.argv.end(), steps.begin(), steps.end());
  spec.options = "threshold=3" + std::string(options.empty() ? "" : ":") + options;
  spec.env["TMPDIR"] = tmp.path();
  spec.nofile_soft = 200;
  spec.before_exec = std::move(before_exec);
  spec.drop_to_nobody = as_nobody;
  return run(spec);
}

std::string default_path(const TempDir& tmp, pid_t pid) {
  return tmp.join("fdscope." + std::to_string(pid) + ".jsonl");
}

unsigned mode_of(const std::string& path) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) return ~0u;
  return st.st_mode & 07777;
}

void expect_threshold_dump_in(const std::string& path, pid_t pid, size_t count = 1) {
  ASSERT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(path))) << path;
  std::vector<Dump> dumps = read_dump_file(path);
  ASSERT_EQ(dumps.size(), count) << path;
  for (const Dump& d : dumps) {
    expect_consistent(d);
    EXPECT_EQ(d.reason, "threshold");
    EXPECT_EQ(d.pid, pid);
  }
  EXPECT_EQ(dumps[0].header.at("tracked").get<int>(), 3);
  EXPECT_EQ(mode_of(path), 0600u) << path;
}

}  // namespace

// A full device: the program runs on untouched; one line says why the dump
// is missing.
TEST(OutputFile, DevFullCostsOneStderrLine) {
  TempDir tmp;
  Result r = run_three(tmp, "output=/dev/full");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  auto failed = lines_with(r.err, "cannot write dump");
  ASSERT_EQ(failed.size(), 1u) << r.err;
  EXPECT_EQ(failed[0], "fdscope: pid " + std::to_string(r.pid) +
                           " dump 1 (threshold): 6 open of limit 200, 3 tracked; "
                           "cannot write dump to /dev/full: no space left on device");
  // The rest of stderr is the log's list of sites (the leak is still named).
  auto all = lines(r.err);
  ASSERT_EQ(all.size(), 2u) << r.err;
  EXPECT_EQ(all[1], "fdscope: pid " + std::to_string(r.pid) + ":   3 x open_log_file (leak_program)  " +
                        tmp.join("data/app.log"));
}

// The one line names the file that could not be created, and why.
TEST(OutputFile, MissingDirectoryCostsOneStderrLine) {
  TempDir tmp;
  const std::string path = tmp.join("missing/dump.jsonl");
  Result r = run_three(tmp, "output=" + path);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  EXPECT_EQ(r.err, "fdscope: pid " + std::to_string(r.pid) + ": cannot write dump to " + path +
                       ": no such file or directory\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.join("missing")));
}

// The one line of a dump that fell back from `refused` (its directory left
// empty) to the private file in tmp, the dump whole there and owned by uid.
void expect_fallback(const Result& r, const TempDir& tmp, const std::string& refused_dir,
                     const std::string& refused, uid_t uid) {
  const std::string fallback = default_path(tmp, r.pid);
  auto all = lines(r.err);
  ASSERT_EQ(all.size(), 2u) << r.err;
  EXPECT_EQ(all[0], "fdscope: pid " + std::to_string(r.pid) +
                        " dump 1 (threshold): 6 open of limit 200, 3 tracked -> " + fallback +
                        " (cannot write to " + refused + ": permission denied)");
  EXPECT_TRUE(std::filesystem::is_empty(refused_dir));
  expect_threshold_dump_in(fallback, r.pid);
  struct stat st{};
  ASSERT_EQ(stat(fallback.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, uid) << "the dump is the process's own";
}

// A process that can no longer write where it was told (a worker that
// dropped privileges: nginx's run as nobody) falls back to a private file
// in its $TMPDIR, and says so in one line naming both files. Run as nobody
// when the tests run as root (root writes anywhere).
TEST(OutputFile, RefusedDirectoryFallsBackToTmpdirAndSaysWhere) {
  TempDir tmp;
  chmod(tmp.path().c_str(), 0777);
  const std::string ro = tmp.join("ro");
  ASSERT_EQ(mkdir(ro.c_str(), 0555), 0);
  chmod(ro.c_str(), 0555);
  const std::string path = ro + "/dump.jsonl";
  Result r = run_three(tmp, "output=" + path, nullptr, true);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  expect_fallback(r, tmp, ro, path, getuid() == 0 ? 65534u : getuid());
}

// The same for a process that starts as root, where it may write, and
// drops to nobody later, as nginx's workers do: its dumps after the drop
// fall back too (the library cannot know in advance).
TEST(OutputFile, ProgramThatDropsPrivilegesLaterFallsBackToTmpdir) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  TempDir tmp;
  chmod(tmp.path().c_str(), 0777);
  const std::string own = tmp.join("root-only");
  ASSERT_EQ(mkdir(own.c_str(), 0700), 0);
  const std::string path = own + "/dump.jsonl";
  Result r = run_three(tmp, "output=" + path, nullptr, false,
                       {"say:hello", "nobody", "files:3", "say:bye"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "hello\nnobody rc=0\nfile fd=3\nfile fd=4\nfile fd=5\nbye\n");
  expect_fallback(r, tmp, own, path, 65534u);  // written after the drop, by nobody
}

// $TMPDIR refused as well: /tmp.
TEST(OutputFile, RefusedDirectoryAndTmpdirFallBackToSlashTmp) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to run the program as nobody";
  TempDir tmp;
  chmod(tmp.path().c_str(), 0755);
  const std::string path = tmp.join("dump.jsonl");
  Result r = run_three(tmp, "output=" + path, nullptr, true);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  auto first = lines(r.err).at(0);
  const std::string head = "fdscope: pid " + std::to_string(r.pid) +
                           " dump 1 (threshold): 6 open of limit 200, 3 tracked -> ";
  ASSERT_EQ(first.rfind(head, 0), 0u) << r.err;
  const std::string rest = first.substr(head.size());
  const std::string fallback = rest.substr(0, rest.find(' '));
  EXPECT_EQ(fallback.rfind("/tmp/fdscope." + std::to_string(r.pid) + ".jsonl", 0), 0u) << first;
  EXPECT_EQ(rest.substr(fallback.size()), " (cannot write to " + path + ": permission denied)");
  expect_threshold_dump_in(fallback, r.pid);
  std::filesystem::remove(fallback);
}

// A symlink planted at the default path (a predictable name in a shared
// /tmp) is not followed: its target keeps its content and the dump goes to
// "<path>.1".
TEST(OutputFile, SymlinkAtTheDefaultPathIsNotFollowed) {
  TempDir tmp;
  const std::string precious = tmp.join("precious.txt");
  write_text(precious, "precious\n");
  chmod(precious.c_str(), 0644);
  Result r = run_three(tmp, "log=stderr", [&](pid_t pid) {
    std::filesystem::create_symlink(precious, default_path(tmp, pid));
  });
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  EXPECT_EQ(read_text(precious), "precious\n");
  EXPECT_EQ(mode_of(precious), 0644u);
  EXPECT_TRUE(std::filesystem::is_symlink(default_path(tmp, r.pid)));
  EXPECT_EQ(std::filesystem::read_symlink(default_path(tmp, r.pid)), precious);
  expect_threshold_dump_in(default_path(tmp, r.pid) + ".1", r.pid);
  EXPECT_EQ(lines_with(r.err, " -> " + default_path(tmp, r.pid) + ".1").size(), 1u) << r.err;
}

// The attack the rules are for: in the real /tmp (sticky, world-writable),
// another user plants a symlink at the predictable default name, pointing
// at a file of the victim's. The dump goes to "<name>.1"; the file is
// untouched.
TEST(OutputFile, SymlinkPlantedByAnotherUserInStickyTmpIsNotFollowed) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to plant a link owned by nobody";
  struct stat st{};
  ASSERT_EQ(stat("/tmp", &st), 0);
  ASSERT_TRUE(st.st_mode & S_ISVTX) << "/tmp is not sticky here";
  TempDir tmp;
  const std::string precious = tmp.join("precious.txt");
  write_text(precious, "precious\n");
  std::string planted;
  std::filesystem::create_directories(tmp.join("data"));
  ChildSpec spec;
  spec.argv = {program("leak_program"), tmp.join("data"), "say:hello", "files:3", "say:bye"};
  spec.options = "threshold=3:log=stderr";
  spec.env["TMPDIR"] = "/tmp";
  spec.nofile_soft = 200;
  spec.before_exec = [&](pid_t pid) {
    planted = "/tmp/fdscope." + std::to_string(pid) + ".jsonl";
    std::filesystem::remove(planted);
    std::filesystem::create_symlink(precious, planted);
    lchown(planted.c_str(), 65534, 65534);
  };
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, kProgramOut);
  EXPECT_EQ(read_text(precious), "precious\n");
  EXPECT_TRUE(std::filesystem::is_symlink(planted));
  expect_threshold_dump_in(planted + ".1", r.pid);
  EXPECT_EQ(lines_with(r.err, " -> " + planted + ".1").size(), 1u) << r.err;
  std::filesystem::remove(planted);
  std::filesystem::remove(planted + ".1");
}

// The file of the first dump replaced by a symlink before the second: the
// second is not written through it (O_NOFOLLOW on the reopen), and says so.
TEST(OutputFile, SymlinkSwappedInAfterTheFirstDumpIsNotFollowed) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.join("data"));
  const std::string precious = tmp.join("precious.txt");
  write_text(precious, "precious\n");
  const std::string path = tmp.join("dump.jsonl");
  ChildSpec spec;
  // threshold=3 at a soft limit of 200: dumps at 3 and 23.
  spec.argv = {program("leak_program"), tmp.join("data"), "files:3", "wait", "files:20"};
  spec.options = "threshold=3:log=none:output=" + path;
  spec.nofile_soft = 200;
  Child child(spec);
  ASSERT_TRUE(child.wait_for_output("file fd=5\n", std::chrono::seconds(10)));
  ASSERT_EQ(read_dump_file(path).size(), 1u);
  std::filesystem::rename(path, tmp.join("first.jsonl"));
  std::filesystem::create_symlink(precious, path);
  child.send("\n");
  Result r = child.finish();
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(lines_with(r.out, "file fd=").size(), 23u);
  EXPECT_EQ(read_text(precious), "precious\n");
  EXPECT_TRUE(std::filesystem::is_symlink(path));
  EXPECT_EQ(read_dump_file(tmp.join("first.jsonl")).size(), 1u);
  EXPECT_EQ(r.err, "fdscope: pid " + std::to_string(r.pid) + ": cannot write dump to " + path +
                       ": refusing to follow a symbolic link\n");
}

// A dangling symlink: following it would create the file it names.
TEST(OutputFile, DanglingSymlinkIsNotFollowed) {
  TempDir tmp;
  const std::string target = tmp.join("would-be-created.jsonl");
  Result r = run_three(tmp, "", [&](pid_t pid) {
    std::filesystem::create_symlink(target, default_path(tmp, pid));
  });
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(target)));
  expect_threshold_dump_in(default_path(tmp, r.pid) + ".1", r.pid);
}

// A file left by an earlier process with the same pid is not clobbered or
// appended to; later dumps of this process follow its first in "<path>.1".
TEST(OutputFile, ExistingFileIsNotClobbered) {
  TempDir tmp;
  const std::string old_text = "{\"type\":\"header\",\"note\":\"an earlier process\"}\n";
  // threshold=3 with a soft limit of 200: dumps at 3 and 23.
  Result r = run_three(
      tmp, "log=none",
      [&](pid_t pid) {
        write_text(default_path(tmp, pid), old_text);
        chmod(default_path(tmp, pid).c_str(), 0644);
      },
      false, {"files:23"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(read_text(default_path(tmp, r.pid)), old_text);
  EXPECT_EQ(mode_of(default_path(tmp, r.pid)), 0644u);
  expect_threshold_dump_in(default_path(tmp, r.pid) + ".1", r.pid, 2);
  EXPECT_EQ(read_dump_file(default_path(tmp, r.pid) + ".1")[1].header.at("tracked").get<int>(), 23);
  EXPECT_FALSE(std::filesystem::exists(default_path(tmp, r.pid) + ".2"));
}

TEST(OutputFile, ExistingFileAndFirstSuffixTakenUsesTheNext) {
  TempDir tmp;
  Result r = run_three(tmp, "log=none", [&](pid_t pid) {
    write_text(default_path(tmp, pid), "zero\n");
    write_text(default_path(tmp, pid) + ".1", "one\n");
  });
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(read_text(default_path(tmp, r.pid)), "zero\n");
  EXPECT_EQ(read_text(default_path(tmp, r.pid) + ".1"), "one\n");
  expect_threshold_dump_in(default_path(tmp, r.pid) + ".2", r.pid);
}

// Created 0600 whatever the umask allows (the child runs with umask 022,
// under which a 0666 request would give 0644).
TEST(OutputFile, CreatedWithMode0600) {
  TempDir tmp;
  Result r = run_three(tmp, "log=none");
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(tmp.files(), (std::vector<std::string>{"data", "fdscope." + std::to_string(r.pid) + ".jsonl"}));
  expect_threshold_dump_in(default_path(tmp, r.pid), r.pid);
}
