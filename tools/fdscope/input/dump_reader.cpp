// SPDX-License-Identifier: MIT
#include "input/dump_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <simdjson.h>

#include "input/flat_json.h"
#include "input/json_fields.h"

namespace fdscope::tool {
namespace {

using namespace json_fields;

// Format 2 is format 1 plus language frames (docs/dump-format.md).
constexpr int64_t kOldestFormat = 1;
constexpr int64_t kNewestFormat = 2;

struct Identity {
  int64_t pid;
  std::string run;
  int64_t seq;
  bool operator<(const Identity& o) const {
    return std::tie(pid, run, seq) < std::tie(o.pid, o.run, o.seq);
  }
};

// The fields of one line, read in one pass (fd lines are nearly all of a
// file, so they are taken from this pass; other types look fields up).
enum class LineType : uint8_t { kNone, kHeader, kModule, kStack, kFd, kPeak, kEnd, kOther };

LineType type_of(std::string_view t) {
  if (t == "fd") return LineType::kFd;
  if (t.empty()) return LineType::kNone;
  if (t == "stack") return LineType::kStack;
  if (t == "module") return LineType::kModule;
  if (t == "header") return LineType::kHeader;
  if (t == "peak") return LineType::kPeak;
  if (t == "end") return LineType::kEnd;
  return LineType::kOther;
}

struct Line {
  Element obj;  // set when the line was parsed by simdjson
  std::string_view type, run;
  LineType kind = LineType::kNone;  // of type
  int64_t pid = 0, seq = 0, end_fds = -1, end_stacks = -1;
  int64_t peak = 0, open = 0, native_stack = 0;  // peak lines
  DumpFd* fd = nullptr;  // where the record's fields go (Reader::handle)
  TextStore* text = nullptr;  // where its target is kept
};

// A field's value, from simdjson or from the flat fast path, converted the
// same way (json_fields: absent or mistyped fields take the fallback).
struct SimdValue {
  Element v;
  int64_t as_int(int64_t fallback = 0) const { return json_fields::as_int(v, fallback); }
  std::string_view as_view() const { return json_fields::as_view(v); }
  bool is_true() const { return v.is_bool() && bool(v); }
};

struct FlatValue {
  const flat_json::Value& v;
  int64_t as_int(int64_t fallback = 0) const {
    return v.type == flat_json::Value::Type::kInt ? v.i : fallback;
  }
  std::string_view as_view() const {
    return v.type == flat_json::Value::Type::kString ? v.str : std::string_view();
  }
  bool is_true() const { return v.type == flat_json::Value::Type::kTrue; }
};

// s = v (the usual case, an empty s, is an append: assign's general path
// cost more than the rest of a field).
inline void set(std::string& s, std::string_view v) {
  s.clear();
  s.append(v.data(), v.size());
}

template <typename V>
void read_field(Line& l, std::string_view k, const V& v) {
  DumpFd& r = *l.fd;
  switch (k.size()) {
    case 2:
      if (k == "fd") r.fd = (int)v.as_int(-1);
      break;
    case 3:
      if (k == "pid") l.pid = v.as_int();
      else if (k == "seq") l.seq = v.as_int();
      else if (k == "run") l.run = v.as_view();
      else if (k == "tid") r.tid = v.as_int();
      else if (k == "fds") l.end_fds = v.as_int(-1);
      break;
    case 4:
      if (k == "type") l.type = v.as_view();
      else if (k == "kind") set(r.kind, v.as_view());
      else if (k == "call") set(r.call, v.as_view());
      else if (k == "peak") l.peak = v.as_int();
      else if (k == "open") l.open = v.as_int();
      break;
    case 5:
      if (k == "stack") r.stack = (uint32_t)v.as_int();
      break;
    case 6:
      if (k == "target") r.target = l.text->keep(v.as_view());
      else if (k == "thread") set(r.thread, v.as_view());
      else if (k == "age_ms") r.age_ms = v.as_int();
      else if (k == "stacks") l.end_stacks = v.as_int(-1);
      break;
    case 7:
      if (k == "tracked") r.tracked = v.is_true();
      else if (k == "time_ms") r.time_ms = v.as_int();
      break;
    case 10:
      if (k == "lang_stack") r.lang_stack = (uint32_t)v.as_int();
      break;
    case 12:
      if (k == "native_stack") l.native_stack = v.as_int();
      break;
    case 13:
      if (k == "connect_stack") r.connect_stack = (uint32_t)v.as_int();
      break;
  }
}

void read_fields(Line& l) {
  for (simdjson::dom::key_value_pair field : simdjson::dom::object(l.obj))
    read_field(l, field.key, SimdValue{field.value});
}

// The library's order of an fd line's fields (shim/src/dump/dump.cpp,
// write_fd), for the flat fast path.
const flat_json::KeyOrder kFdOrder{"type",    "pid",    "seq",   "run",           "fd",
                                   "kind",    "target", "tracked", "call",        "flags",
                                   "time_ms", "age_ms", "tid",   "thread",        "stack",
                                   "connect_stack", "lang_stack"};

// Lines read from the fields of the flat fast path alone; the others look
// fields up in their simdjson document.
bool needs_document(LineType t) {
  return t == LineType::kHeader || t == LineType::kModule || t == LineType::kStack;
}

// The file's text with simdjson's padding after it, in a buffer each
// reading thread keeps from file to file (a fleet is many files: fresh
// memory for each would be page faults for each).
struct TextBuffer {
  std::unique_ptr<char[]> data;
  size_t cap = 0;
  void reserve(size_t n) {
    if (n + simdjson::SIMDJSON_PADDING <= cap) return;
    size_t want = std::max(n + simdjson::SIMDJSON_PADDING, cap * 2);
    std::unique_ptr<char[]> bigger(new char[want]);
    if (data) std::memcpy(bigger.get(), data.get(), cap);
    data = std::move(bigger);
    cap = want;
  }
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  ReadResult read_file() {
    static thread_local TextBuffer buffer;
    size_t size = 0;
    if (!load(buffer, &size)) return std::move(result_);
    return read(buffer.data.get(), size);
  }

  // text is followed by simdjson's padding: each line is parsed in place
  // (the bytes after a line are readable, as simdjson requires).
  ReadResult read(const char* text, size_t size) {
    long lineno = 0;
    const char* p = text;
    const char* end = p + size;
    text_end_ = end;
    while (p < end) {
      const char* eol = static_cast<const char*>(std::memchr(p, '\n', (size_t)(end - p)));
      if (!eol) eol = end;
      handle(++lineno, std::string_view(p, (size_t)(eol - p)));
      p = eol + 1;
    }
    for (auto& [id, index] : open_) {
      Dump& d = result_.dumps[index];
      problem(0, fmt::format("dump {} of pid {} is truncated (no \"end\" line)", d.seq, d.pid));
    }
    if (lineno == 0) problem(0, "empty file");
    else if (result_.dumps.empty() && result_.problems.empty())
      problem(0, "no fdscope dump in this file");
    return std::move(result_);
  }

 private:
  // The whole file with simdjson's padding after it.
  bool load(TextBuffer& text, size_t* size) {
    struct stat st{};
    if (stat(path_.c_str(), &st) != 0) {
      problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      problem(0, "is a directory, not a dump file");
      return false;
    }
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
      return false;
    }
    size_t len = 0;
    text.reserve((size_t)st.st_size + 1);
    for (;;) {
      if (len + 1 >= text.cap - simdjson::SIMDJSON_PADDING) text.reserve(len * 2 + 4096);
      ssize_t n = ::read(fd, text.data.get() + len, text.cap - simdjson::SIMDJSON_PADDING - len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        problem(0, fmt::format("cannot read: {}", std::strerror(err)));
        return false;
      }
      if (n == 0) break;
      len += (size_t)n;
    }
    ::close(fd);
    std::memset(text.data.get() + len, 0, simdjson::SIMDJSON_PADDING);
    *size = len;
    return true;
  }

  void problem(long line, std::string message) {
    result_.problems.push_back({path_, line, std::move(message)});
  }

  void handle(long lineno, std::string_view text) {
    text_pos_ = text.data();
    // A JSON object may follow a prefix (a CloudWatch timestamp, a request
    // id): start at the first '{'. Lines without one are someone else's.
    size_t brace = text.find('{');
    if (brace == std::string::npos) return;
    std::string_view json = text.substr(brace);
    // An fd line's fields go straight into the record it will be: the next
    // one of the last line's dump (nearly every line is one), else a spare.
    std::vector<DumpFd>* into = has_last_ ? &result_.dumps[last_->second].fds : nullptr;
    // Every reading of the line starts from a blank one aimed at the same
    // record and text store.
    auto blank_line = [this](DumpFd* fd) {
      Line fresh;
      fresh.fd = fd;
      fresh.text = text_.get();
      return fresh;
    };
    Line l = blank_line(into ? &into->emplace_back() : &(spare_ = DumpFd{}));
    bool flat = flat_json::parse(
        json, [&l](std::string_view k, const flat_json::Value& v) { read_field(l, k, FlatValue{v}); },
        &kFdOrder);
    if (flat) l.kind = type_of(l.type);
    if (!flat || needs_document(l.kind)) {
      *l.fd = DumpFd{};
      l = blank_line(l.fd);
      if (parser_.parse(json.data(), json.size(), false).get(l.obj) != simdjson::SUCCESS ||
          !l.obj.is_object()) {
        if (into) into->pop_back();
        if (brace == 0) problem(lineno, "not valid JSON");
        return;
      }
      read_fields(l);
      l.kind = type_of(l.type);
    }
    if (into && l.kind != LineType::kFd) {  // not a record: its fields move to the spare
      spare_ = std::move(into->back());
      into->pop_back();
      l.fd = &spare_;
      into = nullptr;
    }
    if (!handle_object(lineno, l, into) && into) into->pop_back();
  }

  // into: the records the line's fields were read into the back of, or
  // nullptr. Returns whether that record stays (the line is an fd line of
  // that dump).
  bool handle_object(long lineno, Line& l, const std::vector<DumpFd>* into) {
    if (l.kind == LineType::kNone) return false;  // foreign JSON
    if (l.kind == LineType::kHeader) {
      has_last_ = false;
      header(lineno, l.obj, Identity{l.pid, std::string(l.run), l.seq});
      return false;
    }
    // A dump's lines follow each other: most lines are of the last line's
    // dump, found without building its identity.
    size_t index;
    if (has_last_ && last_->first.pid == l.pid && last_->first.seq == l.seq &&
        last_->first.run == l.run) {
      index = last_->second;
    } else {
      Identity id{l.pid, std::string(l.run), l.seq};
      auto it = open_.find(id);
      if (it == open_.end()) {
        if (rejected_.count(id)) return false;
        if (l.kind != LineType::kOther)
          problem(lineno, fmt::format("\"{}\" line of a dump whose header is missing", l.type));
        return false;
      }
      last_ = it;
      has_last_ = true;
      index = it->second;
    }
    Dump& d = result_.dumps[index];
    if (l.kind == LineType::kFd) {
      if (l.fd->kind.empty()) l.fd->kind = "other";
      if (into == &d.fds) return true;
      d.fds.push_back(std::move(*l.fd));
    } else if (l.kind == LineType::kModule) {
      d.modules[(int)int_or(l.obj, "id", -1)] =
          DumpModule{str_or(l.obj, "path"), hex_or(l.obj, "base"), str_or(l.obj, "build_id")};
    } else if (l.kind == LineType::kStack) {
      stack(lineno, l.obj, d);
    } else if (l.kind == LineType::kPeak) {
      d.peaks.push_back(DumpPeak{l.fd->stack, (uint32_t)l.native_stack, (long)l.peak,
                                 (long)l.open, std::move(l.fd->call), l.fd->time_ms});
    } else if (l.kind == LineType::kEnd) {
      end(lineno, l, d);
      open_.erase(last_);
      has_last_ = false;
      // What the header reserved beyond the dump's records (more dumps follow).
      if (d.fds.capacity() > 2 * d.fds.size() + 64) d.fds.shrink_to_fit();
    }
    return false;
  }

  void stack(long lineno, Element obj, Dump& d) {
    std::vector<DumpFrame>& frames = d.stacks[(uint32_t)int_or(obj, "id")];
    simdjson::dom::array arr;
    if (obj["frames"].get(arr) != simdjson::SUCCESS) {
      problem(lineno, "stack without frames");
      return;
    }
    for (Element f : arr) frames.push_back(frame(f));
  }

  // The end line counts what was written: a line lost on the way (a log
  // export that dropped one) must not become a silently wrong count.
  void end(long lineno, const Line& l, Dump& d) {
    d.complete = true;
    if (l.end_fds >= 0 && (size_t)l.end_fds != d.fds.size())
      problem(lineno, fmt::format("dump {} of pid {} is missing lines: its end counts {} fd "
                                  "lines, {} were read", d.seq, d.pid, l.end_fds, d.fds.size()));
    if (l.end_stacks >= 0 && (size_t)l.end_stacks != d.stacks.size())
      problem(lineno, fmt::format("dump {} of pid {} is missing lines: its end counts {} stack "
                                  "lines, {} were read", d.seq, d.pid, l.end_stacks, d.stacks.size()));
  }

  void header(long lineno, Element obj, const Identity& id) {
    int64_t format = int_or(obj, "format", -1);
    if (format < kOldestFormat || format > kNewestFormat) {
      problem(lineno, fmt::format("unsupported dump format {} (this fdscope reads {} to {})",
                                  format, kOldestFormat, kNewestFormat));
      rejected_.insert(id);  // its other lines are skipped quietly
      return;
    }
    if (auto it = open_.find(id); it != open_.end()) {
      Dump& old = result_.dumps[it->second];
      problem(0, fmt::format("dump {} of pid {} is truncated (a new dump began)", old.seq, old.pid));
      open_.erase(it);
    }
    Dump d;
    d.file = path_;
    d.text = text_;
    d.format = format;
    d.pid = id.pid;
    d.run = id.run;
    d.seq = id.seq;
    d.ppid = int_or(obj, "ppid");
    d.reason = str_or(obj, "reason");
    d.exe = str_or(obj, "exe");
    d.host = str_or(obj, "host");
    d.time = str_or(obj, "time");
    d.time_ms = int_or(obj, "time_ms");
    d.rlimit_soft = int_or(obj, "rlimit_soft");
    d.open = int_or(obj, "open");
    d.tracked = int_or(obj, "tracked");
    d.tracked_peak = int_or(obj, "tracked_peak");
    d.tracked_peak_time_ms = int_or(obj, "tracked_peak_time_ms");
    // Room for its fd lines: the library writes one per open descriptor,
    // and they are most of the bytes that follow (one is 200-400 bytes, and
    // none shorter than 64); the end line gives back what was too much.
    const int64_t left = text_end_ - text_pos_;
    d.fds.reserve((size_t)std::min(std::max<int64_t>(d.open, left / 256), left / 64 + 1));
    open_[id] = result_.dumps.size();
    result_.dumps.push_back(std::move(d));
  }

  std::string path_;
  std::shared_ptr<TextStore> text_ = std::make_shared<TextStore>();
  simdjson::dom::parser parser_;
  std::map<Identity, size_t> open_;
  std::set<Identity> rejected_;  // dumps of a format this reader does not know
  std::map<Identity, size_t>::iterator last_;  // the dump of the last line, if has_last_
  bool has_last_ = false;
  DumpFd spare_;  // the fields of a line that is no record of the last line's dump
  const char* text_pos_ = nullptr;  // the line being read
  const char* text_end_ = nullptr;
  ReadResult result_;
};

}  // namespace

ReadResult read_dumps(const std::string& path) { return Reader(path).read_file(); }

ReadResult read_dumps_text(const std::string& name, std::string_view text) {
  TextBuffer buffer;
  buffer.reserve(text.size());
  if (!text.empty()) std::memcpy(buffer.data.get(), text.data(), text.size());
  std::memset(buffer.data.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return Reader(name).read(buffer.data.get(), text.size());
}

}  // namespace fdscope::tool
