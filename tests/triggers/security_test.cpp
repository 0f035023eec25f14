// What a hostile environment cannot make the library do: take options in a
// setuid process (AT_SECURE), or leave a descriptor of its own to a program
// it execs.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "trigger_util.h"

using fdscope::test::TempDir;
using namespace triggers;

// A setuid copy (owned by nobody, run by root: AT_SECURE) ignores
// FDSCOPE_OPTIONS, with one line saying so: an unprivileged user must not
// choose where a privileged process writes (output= a file of root's).
TEST(Security, SetuidProgramIgnoresTheOptions) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to make a setuid copy owned by nobody";
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Sanitizer runtimes do not run setuid: ASan ignores ASAN_OPTIONS there
  // and its leak check fails at exit; TSan's set-up crashes.
  GTEST_SKIP() << "a sanitizer-instrumented program cannot run setuid";
#endif
  TempDir tmp;
  chmod(tmp.path().c_str(), 0755);
  const std::string copy = tmp.join("linked_program");
  std::filesystem::copy_file(program("linked_program"), copy);
  ASSERT_EQ(chown(copy.c_str(), 65534, 65534), 0);
  ASSERT_EQ(chmod(copy.c_str(), 04755), 0);
  const std::string target = tmp.join("root-owned.jsonl");

  ChildSpec spec;
  spec.argv = {copy};
  spec.preload = false;  // linked, not preloaded
  spec.options = "at_exit=1:threshold=0:output=" + target;
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "ok 1\n");
  EXPECT_EQ(lines(r.err).at(0), "fdscope: FDSCOPE_OPTIONS ignored in a setuid/setgid process")
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(target));

  // The same program, not setuid: the options apply (the test can fail).
  const std::string plain = tmp.join("linked_plain");
  std::filesystem::copy_file(program("linked_program"), plain);
  spec.argv = {plain};
  r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_TRUE(std::filesystem::exists(target)) << r.describe();
}

// Every descriptor of the library's is close-on-exec: a program exec'd
// without the library sees only what the program gave it.
TEST(Security, NoDescriptorOfTheLibraryReachesAnExecdProgram) {
  TempDir tmp;
  ChildSpec spec;
  // sh (preloaded: it holds the reserve, and dumps at its threshold of 1)
  // execs env (preloaded), which execs ls without the library.
  spec.argv = {"/bin/sh", "-c",
               "exec 7</dev/null; exec /usr/bin/env -u LD_PRELOAD /bin/ls /proc/self/fd"};
  spec.options = "threshold=1:log=none:output=" + tmp.join("d.%p.jsonl");
  Result r = run(spec);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  // 0-2 from the test, 7 from the shell, 3 is ls's own listing.
  EXPECT_EQ(r.out, "0\n1\n2\n3\n7\n") << r.describe();
  EXPECT_FALSE(std::filesystem::is_empty(tmp.path())) << "the shell dumped";
}
