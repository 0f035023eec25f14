// SPDX-License-Identifier: MIT
// The strings of one dump file's records, kept in large blocks and freed
// together: a descriptor's target is usually longer than std::string's
// inline buffer, and one malloc and free per record were a fifth of
// `fdscope report`'s time on a fleet.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace fdscope::tool {

class TextStore {
 public:
  // A copy of s that lives as long as the store, with a NUL after it (so
  // its data() is also a C string).
  std::string_view keep(std::string_view s) {
    if (s.empty()) return "";  // data() a C string too
    if (s.size() + 1 > left_) grow(s.size() + 1);
    char* out = pos_;
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    pos_ += s.size() + 1;
    left_ -= s.size() + 1;
    return {out, s.size()};
  }

 private:
  static constexpr size_t kBlock = 64 * 1024;

  void grow(size_t need) {
    size_t size = std::max(kBlock, need);
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    pos_ = blocks_.back().get();
    left_ = size;
  }

  std::vector<std::unique_ptr<char[]>> blocks_;
  char* pos_ = nullptr;
  size_t left_ = 0;
};

}  // namespace fdscope::tool
