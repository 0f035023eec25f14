// SPDX-License-Identifier: MIT
#include "input/dump_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <simdjson.h>

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
struct Line {
  Element obj;
  std::string_view type, run;
  int64_t pid = 0, seq = 0, end_fds = -1, end_stacks = -1;
  int64_t peak = 0, open = 0, native_stack = 0;  // peak lines
  DumpFd fd;
};

void read_fields(Line& l) {
  for (simdjson::dom::key_value_pair field : simdjson::dom::object(l.obj)) {
    std::string_view k = field.key;
    Element v = field.value;
    DumpFd& r = l.fd;
    if (k == "type") l.type = as_view(v);
    else if (k == "pid") l.pid = as_int(v);
    else if (k == "seq") l.seq = as_int(v);
    else if (k == "run") l.run = as_view(v);
    else if (k == "fd") r.fd = (int)as_int(v, -1);
    else if (k == "kind") r.kind = as_str(v);
    else if (k == "target") r.target = as_str(v);
    else if (k == "tracked") r.tracked = v.is_bool() && bool(v);
    else if (k == "call") r.call = as_str(v);
    else if (k == "time_ms") r.time_ms = as_int(v);
    else if (k == "age_ms") r.age_ms = as_int(v);
    else if (k == "tid") r.tid = as_int(v);
    else if (k == "thread") r.thread = as_str(v);
    else if (k == "stack") r.stack = (uint32_t)as_int(v);
    else if (k == "connect_stack") r.connect_stack = (uint32_t)as_int(v);
    else if (k == "lang_stack") r.lang_stack = (uint32_t)as_int(v);
    else if (k == "peak") l.peak = as_int(v);
    else if (k == "open") l.open = as_int(v);
    else if (k == "native_stack") l.native_stack = as_int(v);
    else if (k == "fds") l.end_fds = as_int(v, -1);
    else if (k == "stacks") l.end_stacks = as_int(v, -1);
  }
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  ReadResult read_file() {
    simdjson::padded_string text;
    if (!load(&text)) return std::move(result_);
    return read(text);
  }

  // Each line is parsed in place: the bytes after a line are readable up to
  // simdjson's padding after the text, as it requires.
  ReadResult read(const simdjson::padded_string& text) {
    long lineno = 0;
    const char* p = text.data();
    const char* end = p + text.size();
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
  // The whole file, with simdjson's padding after it.
  bool load(simdjson::padded_string* text) {
    struct stat st{};
    if (stat(path_.c_str(), &st) != 0) {
      problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      problem(0, "is a directory, not a dump file");
      return false;
    }
    if (simdjson::padded_string::load(path_).get(*text) != simdjson::SUCCESS) {
      problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
      return false;
    }
    return true;
  }

  void problem(long line, std::string message) {
    result_.problems.push_back({path_, line, std::move(message)});
  }

  void handle(long lineno, std::string_view text) {
    // A JSON object may follow a prefix (a CloudWatch timestamp, a request
    // id): start at the first '{'. Lines without one are someone else's.
    size_t brace = text.find('{');
    if (brace == std::string::npos) return;
    Line l;
    if (parser_.parse(text.data() + brace, text.size() - brace, false).get(l.obj) !=
            simdjson::SUCCESS ||
        !l.obj.is_object()) {
      if (brace == 0) problem(lineno, "not valid JSON");
      return;
    }
    handle_object(lineno, l);
  }

  void handle_object(long lineno, Line& l) {
    read_fields(l);
    if (l.type.empty()) return;  // foreign JSON
    if (l.type == "header") {
      has_last_ = false;
      return header(lineno, l.obj, Identity{l.pid, std::string(l.run), l.seq});
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
        if (rejected_.count(id)) return;
        if (l.type == "module" || l.type == "stack" || l.type == "fd" || l.type == "peak" ||
            l.type == "end")
          problem(lineno, fmt::format("\"{}\" line of a dump whose header is missing", l.type));
        return;
      }
      last_ = it;
      has_last_ = true;
      index = it->second;
    }
    Dump& d = result_.dumps[index];
    if (l.type == "module") {
      d.modules[(int)int_or(l.obj, "id", -1)] =
          DumpModule{str_or(l.obj, "path"), hex_or(l.obj, "base"), str_or(l.obj, "build_id")};
    } else if (l.type == "stack") {
      stack(lineno, l.obj, d);
    } else if (l.type == "fd") {
      if (l.fd.kind.empty()) l.fd.kind = "other";
      d.fds.push_back(std::move(l.fd));
    } else if (l.type == "peak") {
      d.peaks.push_back(DumpPeak{l.fd.stack, (uint32_t)l.native_stack, (long)l.peak,
                                 (long)l.open, std::move(l.fd.call), l.fd.time_ms});
    } else if (l.type == "end") {
      end(lineno, l, d);
      open_.erase(last_);
      has_last_ = false;
    }
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
    open_[id] = result_.dumps.size();
    result_.dumps.push_back(std::move(d));
  }

  std::string path_;
  simdjson::dom::parser parser_;
  std::map<Identity, size_t> open_;
  std::set<Identity> rejected_;  // dumps of a format this reader does not know
  std::map<Identity, size_t>::iterator last_;  // the dump of the last line, if has_last_
  bool has_last_ = false;
  ReadResult result_;
};

}  // namespace

ReadResult read_dumps(const std::string& path) { return Reader(path).read_file(); }

ReadResult read_dumps_text(const std::string& name, std::string_view text) {
  return Reader(name).read(simdjson::padded_string(text));
}

}  // namespace fdscope::tool
