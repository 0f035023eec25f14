// SPDX-License-Identifier: MIT
#include "cli/process_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "fdscope_common/process_state.h"

namespace fdscope::tool {
namespace {

bool to_number(const std::string& s, unsigned long* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The number after "gen=" at the end of line, or false.
bool gen_of(const std::string& line, const std::string& prefix, unsigned long* gen) {
  if (line.rfind(prefix, 0) != 0) return false;
  return to_number(line.substr(prefix.size()), gen);
}

// The process's descriptor numbers, highest first: the library keeps its
// reserve at the top.
std::vector<int> descriptors(long pid) {
  std::vector<int> fds;
  DIR* d = opendir(fmt::format("/proc/{}/fd", pid).c_str());
  if (!d) return fds;
  while (dirent* e = readdir(d)) {
    unsigned long n;
    if (to_number(e->d_name, &n)) fds.push_back((int)n);
  }
  closedir(d);
  std::sort(fds.rbegin(), fds.rend());
  return fds;
}

bool read_all(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[common::kStateMaxBytes];
  ssize_t n = pread(fd, buf, sizeof(buf), 0);
  close(fd);
  if (n < 0) return false;
  out->assign(buf, (size_t)n);
  return true;
}

}  // namespace

std::optional<ProcessState> parse_process_state(const std::string& text) {
  ProcessState s;
  unsigned long gen = 0, end_gen = 0;
  size_t pos = 0;
  bool first = true, ended = false;
  while (pos < text.size() && !ended) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;  // cut mid-line
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      if (!gen_of(line, fmt::format("fdscope-state {} gen=", common::kStateVersion), &gen))
        return std::nullopt;
      first = false;
      continue;
    }
    if (line.rfind("end ", 0) == 0) {
      if (!gen_of(line, "end gen=", &end_gen) || end_gen != gen) return std::nullopt;
      ended = true;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) return std::nullopt;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    unsigned long n = 0;
    bool numeric = to_number(value, &n);
    if (key == "pid" && numeric) s.pid = (long)n;
    else if (key == "signal" && numeric) s.signal = (int)n;
    else if (key == "signal_owner") s.signal_owner = value;
    else if (key == "output") s.output = value;
    else if (key == "options") s.options = value;
    else if (key == "dumps" && numeric) s.dumps = n;
    else if (key == "last_seq" && numeric) s.last_seq = n;
    else if (key == "last_reason") s.last_reason = value;
    else if (key == "last_path") s.last_path = value;
    else if (key == "last_error" && numeric) s.last_error = (int)n;
    // Keys a later library adds are skipped.
  }
  if (!ended || s.pid <= 0 || s.signal_owner.empty()) return std::nullopt;
  return s;
}

std::optional<ProcessState> read_process_state(long pid, std::string* why) {
  *why = "no fdscope-state descriptor";
  for (int fd : descriptors(pid)) {
    const std::string link = fmt::format("/proc/{}/fd/{}", pid, fd);
    char target[256];
    ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (std::strncmp(target, common::kStateLinkPrefix, std::strlen(common::kStateLinkPrefix)))
      continue;
    // A read that overlaps a rewrite shows two generations: read again.
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::string text;
      if (!read_all(link, &text)) {
        *why = fmt::format("cannot read {}: {}", link, std::strerror(errno));
        return std::nullopt;
      }
      std::optional<ProcessState> s = parse_process_state(text);
      // A child's inherited copy before it wrote its own names its parent.
      if (s && s->pid == pid) return s;
      usleep(1000);
    }
    *why = "its fdscope-state could not be read whole";
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace fdscope::tool
