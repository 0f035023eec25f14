// The tests' temporary directory: one fresh directory per TempDir, removed
// with its contents at the end. Creating files in it is left to each suite
// (the interposer tests must do it behind the shim's back, others use libc
// or let the program under test create them).
#pragma once

#include <string>
#include <vector>

namespace fdscope::test {

class TempDir {
 public:
  // $TMPDIR (or /tmp)/fdscope-test.XXXXXX, canonical (symbolic links
  // resolved), as /proc/self/fd and so a dump's targets name it.
  TempDir();
  // Removes the directory and everything in it, read-only subdirectories
  // included.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name; creates nothing.
  std::string join(const std::string& name) const { return path_ + "/" + name; }
  // Names of the directory's entries, sorted.
  std::vector<std::string> files() const;

 private:
  std::string path_;
};

}  // namespace fdscope::test
