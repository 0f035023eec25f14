#include "trigger_util.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "child_wait.h"

extern char** environ;

namespace triggers {

std::string program(const std::string& name) { return std::string(TRIGGER_PROGRAM_DIR) + "/" + name; }
std::string shim_path() { return FDSCOPE_SHIM_PATH; }
std::string preload_value() { return FDSCOPE_PRELOAD; }
std::string tool_path() { return FDSCOPE_TOOL_PATH; }
std::string node_path() { return NODE_EXECUTABLE; }

bool Result::exited(int code) const {
  return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

bool Result::killed_by(int sig) const {
  return !timed_out && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

std::string Result::describe() const {
  std::ostringstream o;
  o << (timed_out ? "timed out (killed)" : fdscope::test::describe_status(status));
  o << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err;
  return o.str();
}

Child::Child(const ChildSpec& spec) {
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (key == "LD_PRELOAD" || key == "FDSCOPE_OPTIONS" || spec.env.count(key)) continue;
    env_store.push_back(kv);
  }
  if (spec.preload) env_store.push_back("LD_PRELOAD=" + preload_value());
  if (spec.options) env_store.push_back("FDSCOPE_OPTIONS=" + *spec.options);
  for (const auto& [k, v] : spec.env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = spec.argv;
  for (auto& s : argv_store) args.push_back(s.data());
  args.push_back(nullptr);

  int in[2], out[2], err[2], go[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
    throw std::runtime_error("pipe2 failed");
  const bool have_soft = spec.nofile_soft.has_value(), have_hard = spec.nofile_hard.has_value();
  struct rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (have_soft) lim.rlim_cur = *spec.nofile_soft;
  if (have_hard) lim.rlim_max = *spec.nofile_hard;
  const bool drop = spec.drop_to_nobody && geteuid() == 0;

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(126);
    syscall(SYS_close_range, 3, ~0U, 0);  // nothing else is inherited
    umask(022);
    struct rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // abort() tests leave no core files
    if ((have_soft || have_hard) && setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(125);
    if (drop && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) _exit(124);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  pid_ = pid;
  close(in[0]);
  close(out[1]);
  close(err[1]);
  close(go[0]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  if (spec.before_exec) {
    try {
      spec.before_exec(pid);
    } catch (...) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      for (int fd : {in_, out_, err_, go[1]}) close(fd);
      throw;
    }
  }
  if (write(go[1], "g", 1) != 1) throw std::runtime_error("cannot release the child");
  close(go[1]);
  reader_ = std::thread([this] { drain(); });
}

Child::~Child() {
  if (!finished_) finish(std::chrono::milliseconds(1));
}

void Child::drain() {
  pollfd p[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[8192];
      ssize_t n = read(p[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        p[i].fd = -1;
        --open;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      (i == 0 ? out_text_ : err_text_).append(buf, (size_t)n);
      cv_.notify_all();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  eof_ = true;
  cv_.notify_all();
}

bool Child::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout,
                      [&] { return eof_ || out_text_.find(text) != std::string::npos; }) &&
         out_text_.find(text) != std::string::npos;
}

void Child::signal(int sig) { kill(pid_, sig); }

void Child::send(const std::string& text) {
  if (in_ >= 0 && write(in_, text.data(), text.size()) != (ssize_t)text.size())
    throw std::runtime_error("cannot write to the child's stdin");
}

void Child::close_stdin() {
  if (in_ >= 0) close(in_);
  in_ = -1;
}

Result Child::finish(std::chrono::milliseconds timeout) {
  Result r;
  r.pid = pid_;
  if (finished_) return r;
  finished_ = true;
  close_stdin();
  std::optional<int> status = fdscope::test::wait_child(pid_, timeout);
  r.timed_out = !status;
  r.status = status.value_or(0);
  // The child is gone; its pipes reach end of file unless it left a
  // grandchild holding them (none of these programs does).
  reader_.join();
  close(out_);
  close(err_);
  std::lock_guard<std::mutex> lock(mu_);
  r.out = out_text_;
  r.err = err_text_;
  return r;
}

Result run(const ChildSpec& spec, std::chrono::milliseconds timeout) {
  Child c(spec);
  c.close_stdin();
  return c.finish(timeout);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  for (const std::string& l : lines(text))
    if (l.find(needle) != std::string::npos) out.push_back(l);
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (const std::string& l : lines(read_text(path)))
    if (!l.empty()) out.push_back(nlohmann::json::parse(l));
  return out;
}

bool stack_names(const fdscope::test::Dump& d, uint32_t stack, const std::string& function) {
  for (const auto& f : d.frames(stack))
    if (f.function == function) return true;
  return false;
}

std::vector<const fdscope::test::FdEntry*> created_in(const fdscope::test::Dump& d,
                                                      const std::string& function) {
  std::vector<const fdscope::test::FdEntry*> out;
  for (const auto* e : d.tracked())
    if (stack_names(d, e->stack, function)) out.push_back(e);
  return out;
}

void expect_consistent(const fdscope::test::Dump& d) {
  ASSERT_TRUE(d.complete) << "dump " << d.seq << " of pid " << d.pid << " has no end line";
  EXPECT_EQ(d.header.at("format").get<int>(), 2);
  EXPECT_EQ(d.header.at("open").get<size_t>(), d.fds.size());
  EXPECT_EQ(d.header.at("tracked").get<size_t>(), d.tracked().size());
  EXPECT_EQ(d.end.at("fds").get<size_t>(), d.fds.size());
  EXPECT_EQ(d.end.at("stacks").get<size_t>(), d.stacks.size());
  EXPECT_EQ(d.end.at("modules").get<size_t>(), d.modules.size());
  for (const auto* e : d.tracked()) {
    if (e->stack) EXPECT_TRUE(d.stacks.count(e->stack)) << "fd " << e->fd << ": stack " << e->stack;
    if (e->connect_stack) EXPECT_TRUE(d.stacks.count(e->connect_stack)) << "fd " << e->fd;
  }
  std::vector<int> numbers;
  for (const auto& e : d.fds) numbers.push_back(e.fd);
  std::sort(numbers.begin(), numbers.end());
  EXPECT_EQ(std::adjacent_find(numbers.begin(), numbers.end()), numbers.end())
      << "a descriptor is listed twice";
}

}  // namespace triggers
