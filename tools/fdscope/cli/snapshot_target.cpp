// SPDX-License-Identifier: MIT
#include "cli/snapshot_target.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "attach/library_state.h"
#include "fdscope_common/output_name.h"
#include "state/options.h"

namespace fdscope::tool {
namespace {

constexpr const char* kWho = "fdscope snapshot";

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// Environment variable `name` of a NUL-separated environ block.
std::string env_value(const std::string& environ, const std::string& name) {
  size_t pos = 0;
  std::string value;
  while (pos < environ.size()) {
    size_t end = environ.find('\0', pos);
    if (end == std::string::npos) end = environ.size();
    std::string entry = environ.substr(pos, end - pos);
    if (entry.rfind(name + "=", 0) == 0) value = entry.substr(name.size() + 1);
    pos = end + 1;
  }
  return value;
}

std::string expand(const std::string& tmpl, long pid) {
  std::vector<char> buf(tmpl.size() * 4 + 64);
  size_t n = common::expand_output_name(tmpl.c_str(), pid, 0, buf.data(), buf.size());
  return std::string(buf.data(), n);
}

// The process's output template as an absolute path; "" after saying why.
std::string absolute_output(long pid, const std::string& output, const std::string& environ) {
  std::string out = output;
  if (out.empty()) {
    std::string tmpdir = env_value(environ, "TMPDIR");
    char buf[4096];
    size_t n = common::default_output_template(tmpdir.c_str(), buf, sizeof(buf));
    out.assign(buf, n);
  }
  if (out[0] == '/') return out;
  // A relative name is relative to the process's working directory.
  char cwd[4096];
  ssize_t n = readlink(fmt::format("/proc/{}/cwd", pid).c_str(), cwd, sizeof(cwd) - 1);
  if (n <= 0) {
    fmt::print(stderr, "{}: output of process {} is relative ({}) and its working directory "
                       "cannot be read: {}\n", kWho, pid, out, std::strerror(errno));
    return "";
  }
  return std::string(cwd, (size_t)n) + "/" + out;
}

// Whether the process has the library loaded and dumps on a signal.
bool check_process(long pid, const std::string& maps, const Options& options) {
  if (maps.find("/libfdscope") == std::string::npos) {
    fmt::print(stderr,
               "{}: process {} has no libfdscope.so loaded (start it with "
               "LD_PRELOAD=.../libfdscope.so or under 'fdscope run', or use 'fdscope attach')\n", kWho, pid);
    return false;
  }
  if (options.signal == 0) {
    fmt::print(stderr, "{}: process {} runs with signal=0 (signal dumps off)\n", kWho, pid);
    return false;
  }
  return true;
}

}  // namespace

bool library_loaded(long pid) {
  std::string maps;
  const std::string path = fmt::format("/proc/{}/maps", pid);
  if (!read_file(path, &maps)) {
    fmt::print(stderr, "{}: cannot read {}: {}\n", kWho, path,
               errno == ENOENT ? "no such process" : std::strerror(errno));
    return false;
  }
  return check_process(pid, maps, Options{});
}

bool find_snapshot_target(long pid, SnapshotTarget* t, bool* to_stderr) {
  *to_stderr = false;
  const std::string proc = fmt::format("/proc/{}", pid);
  std::string maps, environ;
  if (!read_file(proc + "/maps", &maps) || !read_file(proc + "/environ", &environ)) {
    fmt::print(stderr, "{}: cannot read {}: {}\n", kWho, proc,
               errno == ENOENT ? "no such process" : std::strerror(errno));
    return false;
  }
  Options options;
  std::string options_text = env_value(environ, "FDSCOPE_OPTIONS");
  if (std::string why; !attach::attached_options(pid, &options_text, &why)) {
    fmt::print(stderr, "{}: process {} {}\n", kWho, pid, why);
    return false;
  }
  parse_options(options_text.c_str(), &options, [](const char*) {});
  if (!check_process(pid, maps, options)) return false;
  t->pid = pid;
  t->signal = options.signal;
  if (std::string(options.output) == "stderr") {
    *to_stderr = true;
    return false;
  }
  std::string output = absolute_output(pid, options.output, environ);
  if (output.empty()) return false;
  size_t slash = output.rfind('/');
  std::string dir = output.substr(0, slash);
  if (common::output_name_has_time(dir.c_str())) {
    fmt::print(stderr, "{}: the output directory of process {} has %t ({}); cannot tell which "
                       "directory the dump will go to\n", kWho, pid, output);
    return false;
  }
  t->dir = expand(dir, pid);
  t->name_template = output.substr(slash + 1);
  return true;
}

std::map<std::string, off_t> dump_file_sizes(const SnapshotTarget& t) {
  std::map<std::string, off_t> sizes;
  DIR* d = opendir(t.dir.empty() ? "/" : t.dir.c_str());
  if (!d) return sizes;
  while (dirent* e = readdir(d)) {
    if (!common::output_name_matches(t.name_template.c_str(), t.pid, e->d_name)) continue;
    std::string path = t.dir + "/" + e->d_name;
    struct stat st{};
    if (stat(path.c_str(), &st) == 0) sizes[path] = st.st_size;
  }
  closedir(d);
  return sizes;
}

}  // namespace fdscope::tool
