// Source lines read the module files a dump names, from this machine: a
// path that is not a regular file (a FIFO, a device) is passed over, not
// opened for reading. Before, a FIFO's open waited for a writer for ever:
// `fdscope report` hung on a dump that named one.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "symbols/source_lines.h"

namespace fdscope::tool {
namespace {

TEST(SourceLines, ModulePathThatIsNotARegularFileIsPassedOver) {
  char dir[] = "/tmp/fdscope-source-lines.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/module.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);

  // On a thread of its own, so that a hang fails the test instead of the run.
  auto done = std::async(std::launch::async, [&] {
    SourceLines lines;
    return lines.lookup(fifo, "", 0x1234).size() + lines.lookup("/dev/zero", "", 0x1234).size() +
           lines.lookup(dir, "", 0x1234).size();
  });
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "lookup blocked opening a FIFO";
  EXPECT_EQ(done.get(), 0u);
  unlink(fifo.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace fdscope::tool
