// The library's ELF reader (symbolize/elf_image) on files that are not
// what a linker writes: program headers at a misaligned offset are not
// read (a valid file never has them; read as structures they are
// undefined behaviour: found by fuzzing).
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "symbolize/elf_image.h"

namespace fdscope {
namespace {

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string write_temp(const std::vector<char>& bytes) {
  char path[] = "/tmp/fdscope-elf.XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), (ssize_t)bytes.size());
  close(fd);
  return path;
}

TEST(ElfImage, ProgramHeadersAtAMisalignedOffsetAreNotRead) {
  std::vector<char> exe = read_file("/proc/self/exe");
  ASSERT_GT(exe.size(), sizeof(ElfW(Ehdr)));
  ElfW(Ehdr) eh;
  memcpy(&eh, exe.data(), sizeof(eh));

  // As built: the build-id is found through the program headers.
  const std::string good = write_temp(exe);
  ElfImage image;
  ASSERT_TRUE(image.open(good.c_str()));
  char hex[129];
  ASSERT_GT(image.build_id(hex, sizeof(hex)), 0u) << "the test binary has no build-id";
  image.close();

  // The same program headers, copied to an odd offset at the end.
  const size_t table = (size_t)eh.e_phnum * sizeof(ElfW(Phdr));
  std::vector<char> moved = exe;
  moved.resize((exe.size() + 7) / 8 * 8 + 1);
  const size_t odd = moved.size();
  moved.insert(moved.end(), exe.begin() + eh.e_phoff, exe.begin() + eh.e_phoff + table);
  eh.e_phoff = odd;
  memcpy(moved.data(), &eh, sizeof(eh));
  const std::string bad = write_temp(moved);
  ASSERT_TRUE(image.open(bad.c_str()));
  EXPECT_EQ(image.build_id(hex, sizeof(hex)), 0u);
  uint64_t vaddr = 0;
  EXPECT_FALSE(image.vaddr_of_offset(0, &vaddr));
  image.close();
  unlink(good.c_str());
  unlink(bad.c_str());
}

}  // namespace
}  // namespace fdscope
