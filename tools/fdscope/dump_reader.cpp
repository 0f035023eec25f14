#include "dump_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <simdjson.h>

namespace fdscope::tool {
namespace {

constexpr int64_t kFormatVersion = 1;

using Element = simdjson::dom::element;

std::string str_or(Element obj, const char* key, const char* fallback = "") {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) return fallback;
  return std::string(v);
}

int64_t int_or(Element obj, const char* key, int64_t fallback = 0) {
  int64_t v;
  if (obj[key].get(v) == simdjson::SUCCESS) return v;
  uint64_t u;
  if (obj[key].get(u) == simdjson::SUCCESS) return (int64_t)u;
  return fallback;
}

uint64_t hex_or(Element obj, const char* key) {
  std::string_view v;
  if (obj[key].get(v) != simdjson::SUCCESS) return 0;
  return std::strtoull(std::string(v).c_str(), nullptr, 16);
}

struct Identity {
  int64_t pid;
  std::string run;
  int64_t seq;
  bool operator<(const Identity& o) const {
    return std::tie(pid, run, seq) < std::tie(o.pid, o.run, o.seq);
  }
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  ReadResult read() {
    struct stat st{};
    if (stat(path_.c_str(), &st) != 0) {
      problem(0, fmt::format("cannot read: {}", std::strerror(errno)));
      return std::move(result_);
    }
    if (S_ISDIR(st.st_mode)) {
      problem(0, "is a directory, not a dump file");
      return std::move(result_);
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      problem(0, fmt::format("cannot open: {}", std::strerror(errno)));
      return std::move(result_);
    }
    std::string line;
    long lineno = 0;
    while (std::getline(in, line)) handle(++lineno, line);
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
  void problem(long line, std::string message) {
    result_.problems.push_back({path_, line, std::move(message)});
  }

  void handle(long lineno, const std::string& line) {
    // A JSON object may follow a prefix (a CloudWatch timestamp, a request
    // id): start at the first '{'. Lines without one are someone else's.
    size_t brace = line.find('{');
    if (brace == std::string::npos) return;
    Element obj;
    if (parser_.parse(line.data() + brace, line.size() - brace).get(obj) != simdjson::SUCCESS ||
        !obj.is_object()) {
      if (brace == 0) problem(lineno, "not valid JSON");
      return;
    }
    std::string_view type;
    if (obj["type"].get(type) != simdjson::SUCCESS) return;  // foreign JSON
    Identity id{int_or(obj, "pid"), str_or(obj, "run"), int_or(obj, "seq")};
    if (type == "header") {
      int64_t format = int_or(obj, "format", -1);
      if (format != kFormatVersion) {
        problem(lineno, fmt::format("unsupported dump format {} (this fdscope reads {})", format,
                                    kFormatVersion));
        return;
      }
      header(obj, id);
      return;
    }
    auto it = open_.find(id);
    if (it == open_.end()) {
      if (type == "module" || type == "stack" || type == "fd" || type == "end")
        problem(lineno, fmt::format("\"{}\" line of a dump whose header is missing", type));
      return;
    }
    Dump& d = result_.dumps[it->second];
    if (type == "module") {
      d.modules[(int)int_or(obj, "id", -1)] =
          Module{str_or(obj, "path"), hex_or(obj, "base"), str_or(obj, "build_id")};
    } else if (type == "stack") {
      std::vector<Frame>& frames = d.stacks[(uint32_t)int_or(obj, "id")];
      simdjson::dom::array arr;
      if (obj["frames"].get(arr) != simdjson::SUCCESS) {
        problem(lineno, "stack without frames");
        return;
      }
      for (Element f : arr)
        frames.push_back(Frame{hex_or(f, "addr"), (int)int_or(f, "module", -1),
                               hex_or(f, "offset"), str_or(f, "function")});
    } else if (type == "fd") {
      FdRecord r;
      r.fd = (int)int_or(obj, "fd", -1);
      r.kind = str_or(obj, "kind", "other");
      r.target = str_or(obj, "target");
      bool tracked = false;
      if (obj["tracked"].get(tracked) != simdjson::SUCCESS) tracked = false;
      r.tracked = tracked;
      if (tracked) {
        r.call = str_or(obj, "call");
        r.time_ms = int_or(obj, "time_ms");
        r.age_ms = int_or(obj, "age_ms");
        r.tid = int_or(obj, "tid");
        r.thread = str_or(obj, "thread");
        r.stack = (uint32_t)int_or(obj, "stack");
        r.connect_stack = (uint32_t)int_or(obj, "connect_stack");
      }
      d.fds.push_back(std::move(r));
    } else if (type == "end") {
      d.complete = true;
      open_.erase(it);
    }
  }

  void header(Element obj, const Identity& id) {
    if (auto it = open_.find(id); it != open_.end()) {
      Dump& old = result_.dumps[it->second];
      problem(0, fmt::format("dump {} of pid {} is truncated (a new dump began)", old.seq, old.pid));
      open_.erase(it);
    }
    Dump d;
    d.file = path_;
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
    open_[id] = result_.dumps.size();
    result_.dumps.push_back(std::move(d));
  }

  std::string path_;
  simdjson::dom::parser parser_;
  std::map<Identity, size_t> open_;
  ReadResult result_;
};

}  // namespace

ReadResult read_dumps(const std::string& path) { return Reader(path).read(); }

}  // namespace fdscope::tool
