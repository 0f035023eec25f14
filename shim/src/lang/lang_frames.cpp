// SPDX-License-Identifier: MIT
#include "lang/lang_frames.h"

#include <string.h>

#include <atomic>

#include "platform/lazy_map.h"
#include "util/tiered_index.h"

namespace fdscope::lang {
namespace {

// A record: Header, then function bytes, then file bytes, padded to 8.
struct Header {
  uint64_t hash;
  int32_t line;
  int32_t column;
  uint16_t function_len;
  uint16_t file_len;
  uint8_t lang;
  uint8_t pad[3];
};
static_assert(sizeof(Header) == 24);

constexpr uint64_t kArenaBytes = uint64_t(64) << 20;  // address space; pages touched on use
// Index tiers of 4 KiB, 64 KiB and 512 KiB (util/tiered_index.h): a
// script's first frames fit in one page.
constinit TieredIndex<10, 14, 17> g_index;

std::atomic<unsigned char*> g_arena{nullptr};
std::atomic<uint64_t> g_top{8};  // offset 0 unused: id 0 means "none"

// A cut name must stay valid UTF-8 (the dump is JSON): never end inside a
// multi-byte sequence.
size_t cut_utf8(const char* s, size_t n, size_t max) {
  if (n <= max) return n;
  n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return n;
}

uint64_t mix(uint64_t h, const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

uint64_t hash_frame(uint8_t lang, const char* fn, size_t fn_len, const char* file,
                    size_t file_len, int32_t line, int32_t column) {
  uint64_t h = 0xcbf29ce484222325ull ^ lang;
  h = mix(h, &line, sizeof(line));
  h = mix(h, &column, sizeof(column));
  h = mix(h, fn, fn_len);
  h = mix(h ^ 0xff, file, file_len);
  return h ? h : 1;
}

bool same(const Header* r, uint64_t hash, uint8_t lang, const char* fn, size_t fn_len,
          const char* file, size_t file_len, int32_t line, int32_t column) {
  if (r->hash != hash || r->lang != lang || r->line != line || r->column != column ||
      r->function_len != fn_len || r->file_len != file_len)
    return false;
  const char* bytes = reinterpret_cast<const char*>(r + 1);
  return memcmp(bytes, fn, fn_len) == 0 && memcmp(bytes + fn_len, file, file_len) == 0;
}

}  // namespace

uint32_t intern_frame(fdscope_lang lang, const char* fn, size_t fn_len, const char* file,
                      size_t file_len, int32_t line, int32_t column) {
  if (!fn) fn_len = 0;
  if (!file) file_len = 0;
  fn_len = cut_utf8(fn, fn_len, kMaxName);
  file_len = cut_utf8(file, file_len, kMaxFile);
  unsigned char* arena = lazy_map(g_arena, kArenaBytes);
  if (!arena) return 0;

  const uint8_t l = (uint8_t)lang;
  const uint64_t h = hash_frame(l, fn, fn_len, file, file_len, line, column);
  return g_index.find_or_add(
      h,
      [&](uint32_t id) {
        return same(reinterpret_cast<const Header*>(arena + uint64_t(id) * 8), h, l, fn, fn_len,
                    file, file_len, line, column);
      },
      [&]() -> uint32_t {
        uint64_t size = (sizeof(Header) + fn_len + file_len + 7) & ~uint64_t(7);
        uint64_t at = g_top.fetch_add(size, std::memory_order_relaxed);
        if (at + size > kArenaBytes) return 0;
        Header* r = reinterpret_cast<Header*>(arena + at);
        *r = Header{h, line, column, (uint16_t)fn_len, (uint16_t)file_len, l, {}};
        char* bytes = reinterpret_cast<char*>(r + 1);
        if (fn_len) memcpy(bytes, fn, fn_len);
        if (file_len) memcpy(bytes + fn_len, file, file_len);
        return (uint32_t)(at / 8);
      });
}

bool frame_info(uint32_t id, FrameInfo* out) {
  unsigned char* arena = g_arena.load(std::memory_order_acquire);
  if (!arena || id == 0 || uint64_t(id) * 8 >= g_top.load(std::memory_order_relaxed)) return false;
  const Header* r = reinterpret_cast<const Header*>(arena + uint64_t(id) * 8);
  const char* bytes = reinterpret_cast<const char*>(r + 1);
  *out = FrameInfo{(common::Lang)r->lang, bytes, r->function_len, bytes + r->function_len,
                   r->file_len, r->line, r->column, false};
  return true;
}

uint32_t intern_lang_stack(const uint32_t* frames, unsigned n) {
  uintptr_t words[kMaxDepth];
  unsigned k = 0;
  for (unsigned i = 0; i < n && k < kMaxDepth; ++i)
    if (frame_id_of(frames[i])) words[k++] = kFrameTag | frames[i];
  return intern_stack(words, k);
}

bool is_lang_stack(StackView st) { return st.depth > 0 && is_lang_word(st.frames[0]); }

}  // namespace fdscope::lang
