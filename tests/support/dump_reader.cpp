#include "dump_reader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fdscope::test {
namespace {

uint64_t hex_value(const nlohmann::json& v) {
  return std::stoull(v.get<std::string>(), nullptr, 16);
}

Frame parse_frame(const nlohmann::json& j) {
  Frame f;
  if (j.contains("lang")) {
    f.lang = j.at("lang").get<std::string>();
    f.function = j.at("function").get<std::string>();
    f.file = j.at("file").get<std::string>();
    f.line = j.at("line").get<int>();
    if (j.contains("column")) f.column = j.at("column").get<int>();
    if (j.contains("async")) f.async = j.at("async").get<bool>();
    return f;
  }
  f.addr = hex_value(j.at("addr"));
  if (j.contains("module")) f.module = j.at("module").get<int>();
  if (j.contains("offset")) f.offset = hex_value(j.at("offset"));
  if (j.contains("function")) f.function = j.at("function").get<std::string>();
  return f;
}

FdEntry parse_fd(const nlohmann::json& j) {
  FdEntry e;
  e.fd = j.at("fd").get<int>();
  e.kind = j.at("kind").get<std::string>();
  e.target = j.at("target").get<std::string>();
  e.tracked = j.at("tracked").get<bool>();
  if (e.tracked) {
    e.call = j.at("call").get<std::string>();
    e.flags = j.at("flags").get<int>();
    e.time_ms = j.at("time_ms").get<int64_t>();
    e.age_ms = j.at("age_ms").get<int64_t>();
    e.tid = j.at("tid").get<int64_t>();
    e.thread = j.at("thread").get<std::string>();
    e.stack = j.at("stack").get<uint32_t>();
    if (j.contains("connect_stack")) e.connect_stack = j.at("connect_stack").get<uint32_t>();
    if (j.contains("lang_stack")) e.lang_stack = j.at("lang_stack").get<uint32_t>();
  }
  return e;
}

}  // namespace

const FdEntry* Dump::find(int fd) const {
  for (const FdEntry& e : fds)
    if (e.fd == fd) return &e;
  return nullptr;
}

std::vector<const FdEntry*> Dump::tracked() const {
  std::vector<const FdEntry*> out;
  for (const FdEntry& e : fds)
    if (e.tracked) out.push_back(&e);
  return out;
}

const std::vector<Frame>& Dump::frames(uint32_t stack) const {
  static const std::vector<Frame> kNone;
  auto it = stacks.find(stack);
  return it == stacks.end() ? kNone : it->second;
}

bool Dump::stack_has(uint32_t stack, std::string_view needle) const {
  for (const Frame& f : frames(stack))
    if (f.function.find(needle) != std::string::npos) return true;
  return false;
}

std::string Dump::describe_stack(uint32_t stack) const {
  std::ostringstream out;
  for (const Frame& f : frames(stack)) out << (f.function.empty() ? "?" : f.function) << " < ";
  return out.str();
}

std::vector<Dump> parse_dumps(std::istream& in, bool skip_foreign) {
  std::vector<Dump> dumps;
  std::map<std::string, size_t> open;  // identity -> index of a dump not yet ended
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (line.empty()) continue;
    size_t brace = line.find('{');
    nlohmann::json j;
    try {
      if (brace == std::string::npos) throw std::runtime_error("no JSON object");
      j = nlohmann::json::parse(line.substr(skip_foreign ? brace : 0));
      if (!j.is_object() || !j.contains("type")) throw std::runtime_error("no \"type\"");
    } catch (const std::exception& e) {
      if (skip_foreign) continue;
      throw std::runtime_error("dump line " + std::to_string(lineno) + ": " + e.what());
    }
    const std::string type = j.at("type").get<std::string>();
    const std::string id = std::to_string(j.value("pid", 0)) + "/" + j.value("run", "") + "/" +
                           std::to_string(j.value("seq", 0));
    if (type == "header") {
      Dump d;
      d.header = j;
      d.pid = j.at("pid").get<int64_t>();
      d.seq = j.at("seq").get<int64_t>();
      d.run = j.value("run", "");
      d.reason = j.at("reason").get<std::string>();
      open[id] = dumps.size();
      dumps.push_back(std::move(d));
      continue;
    }
    // Events that stand alone (double_close) share the file with dumps.
    if (type != "module" && type != "stack" && type != "fd" && type != "end") continue;
    auto it = open.find(id);
    if (it == open.end()) {
      if (skip_foreign) continue;
      throw std::runtime_error("dump line " + std::to_string(lineno) + ": " + type +
                               " record outside a dump");
    }
    Dump& d = dumps[it->second];
    if (type == "module") {
      d.modules[j.at("id").get<int>()] = Module{j.at("path").get<std::string>(),
                                                hex_value(j.at("base")),
                                                j.value("build_id", "")};
    } else if (type == "stack") {
      std::vector<Frame> frames;
      for (const auto& f : j.at("frames")) frames.push_back(parse_frame(f));
      d.stacks[j.at("id").get<uint32_t>()] = std::move(frames);
    } else if (type == "fd") {
      d.fds.push_back(parse_fd(j));
    } else if (type == "end") {
      d.end = j;
      d.complete = true;
      open.erase(it);
    }
  }
  return dumps;
}

std::vector<Dump> read_dump_file(const std::string& path, bool skip_foreign) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open dump file " + path);
  return parse_dumps(in, skip_foreign);
}

bool shim_loaded() { return dlsym(RTLD_DEFAULT, "fdscope_dump") != nullptr; }

Dump dump_now() {
  using DumpFn = int (*)(const char*);
  auto fn = reinterpret_cast<DumpFn>(dlsym(RTLD_DEFAULT, "fdscope_dump"));
  if (!fn) throw std::runtime_error("libfdscope.so is not loaded (LD_PRELOAD)");
  const char* tmp = getenv("TMPDIR");
  static int counter = 0;
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/fdscope-test." +
                     std::to_string(getpid()) + "." + std::to_string(++counter) + ".jsonl";
  unlink(path.c_str());
  if (fn(path.c_str()) != 0) throw std::runtime_error("fdscope_dump(" + path + ") failed");
  std::vector<Dump> dumps = read_dump_file(path);
  unlink(path.c_str());
  if (dumps.size() != 1 || !dumps[0].complete)
    throw std::runtime_error("expected one complete dump in " + path);
  return dumps[0];
}

std::vector<int> shim_own_fds() {
  using OwnFn = int (*)(int*, int);
  auto fn = reinterpret_cast<OwnFn>(dlsym(RTLD_DEFAULT, "fdscope_own_fds"));
  std::vector<int> fds(16);
  if (!fn) return {};
  int n = fn(fds.data(), (int)fds.size());
  fds.resize(n < 16 ? n : 16);
  return fds;
}

std::vector<int> open_fds() {
  std::vector<int> fds;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return fds;
  int self = dirfd(d);
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = atoi(e->d_name);
    if (fd != self) fds.push_back(fd);
  }
  closedir(d);
  return fds;
}

}  // namespace fdscope::test
