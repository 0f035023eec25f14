// A fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput once on
// each file named (or each file of each directory named), so that an
// ordinary build's test suite replays the seed corpus and the reproducers
// of past findings (fuzz/CMakeLists.txt adds one test per target). A
// target's checks abort on a broken promise; the exit status is 0 only
// when every input ran.
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

std::vector<std::string> inputs_of(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return {};
  if (!S_ISDIR(st.st_mode)) return {path};
  std::vector<std::string> out;
  if (DIR* d = opendir(path.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(path + "/" + e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize && LLVMFuzzerInitialize(&argc, &argv) != 0) return 1;
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::string> files = inputs_of(argv[i]);
    if (files.empty()) {
      fprintf(stderr, "replay: nothing to run in %s\n", argv[i]);
      return 1;
    }
    for (const std::string& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      // A copy of exactly its size: a read past the input is a sanitizer's report.
      std::vector<uint8_t> exact(data.begin(), data.end());
      LLVMFuzzerTestOneInput(exact.data(), exact.size());
      ++ran;
    }
  }
  printf("replay: %zu inputs\n", ran);
  return 0;
}
