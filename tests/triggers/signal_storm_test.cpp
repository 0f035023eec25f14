// A storm of dump signals at a process whose threads open and close
// descriptors all the time: no deadlock, and every dump complete, consistent
// and made of plausible descriptors only.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "trigger_util.h"

using fdscope::test::Dump;
using fdscope::test::read_dump_file;
using fdscope::test::TempDir;
using namespace triggers;

namespace {

// Every dump complete and consistent, of this process, and made of
// plausible descriptors only. fd lines that do not describe a worker's
// /dev/null: the dump's own output file (a worker's number, closed after
// the /proc/self/fd listing and reused by the dump for its output), or
// nothing at all (closed between the listing and the fd line: kind
// "other", target ""), are collected in `implausible`.
void check_storm_dump(const Dump& d, const std::string& reason, const Result& r, const TempDir& tmp,
                      std::map<std::string, std::vector<std::string>>& implausible) {
  expect_consistent(d);
  EXPECT_EQ(d.reason, reason);
  EXPECT_EQ(d.pid, r.pid);
  // The five leaked files, always, as fds 3..7.
  auto leaked = created_in(d, "open_log_file");
  ASSERT_EQ(leaked.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(leaked[k]->fd, 3 + k);
    EXPECT_EQ(leaked[k]->target, tmp.join("app.log"));
  }
  // Anything else: 0, 1, 2 (untracked), a worker's /dev/null (tracked,
  // created in churn_worker, or without a stack when the signal came in
  // the middle of the library's own bookkeeping; untracked when its
  // record was busy or not yet written at the instant of the dump).
  size_t untracked = 0;
  for (const auto& e : d.fds) {
    if (e.fd <= 2) {
      EXPECT_FALSE(e.tracked) << e.fd;
      continue;
    }
    if (e.fd <= 7) continue;
    if (!e.tracked) ++untracked;
    if (e.kind != "chr" || e.target != "/dev/null") {
      const bool own = e.target.starts_with(tmp.path() + "/") && e.target.ends_with(".jsonl");
      const std::string what = own ? "the dump file itself"
                               : e.target.empty() ? "a closed descriptor (empty target)"
                                                  : e.kind + " " + e.target;
      implausible[what].push_back("dump " + std::to_string(d.seq) + " fd " + std::to_string(e.fd) +
                                  (e.tracked ? " tracked" : ""));
    }
    if (!e.tracked) continue;
    EXPECT_EQ(e.call, "open") << "fd " << e.fd;
    if (e.stack) EXPECT_TRUE(stack_names(d, e.stack, "churn_worker")) << d.describe_stack(e.stack);
  }
  // Four workers hold at most one descriptor each.
  EXPECT_LE(d.fds.size(), 3u + 5u + 4u);
  EXPECT_LE(d.end.at("skipped").get<size_t>(), untracked);
}

std::string describe(const std::map<std::string, std::vector<std::string>>& implausible) {
  std::ostringstream report;
  for (const auto& [what, where] : implausible) {
    report << "\n  " << where.size() << " x " << what << ": ";
    for (size_t i = 0; i < where.size() && i < 4; ++i) report << where[i] << "; ";
  }
  return report.str();
}

size_t headers_in(const std::string& path) {
  const std::string text = read_text(path);
  size_t n = 0;
  for (size_t at = 0; (at = text.find("\"type\":\"header\"", at)) != std::string::npos; ++at) ++n;
  return n;
}

// Sends SIGUSR2 to the child every 2 ms for two seconds, and on (up to
// twenty) until each of `paths` holds `want` dumps: a sanitizer build's
// dumps are slow, and signals that come during one are not answered. After
// every 25 signals it pauses 30 ms, so that a dump the program asks for
// itself can start between two signal dumps (back to back they leave it no
// gap in a sanitizer build on a loaded machine); the next signals still
// land in that dump. Past eight seconds it pauses after every 5: TSan on a
// loaded machine once let only 4 requested dumps through in eight.
// Returns how many were sent.
int storm(Child& child, const std::vector<std::string>& paths, size_t want) {
  int sent = 0;
  const auto start = std::chrono::steady_clock::now();
  auto enough = [&] {
    for (const auto& path : paths)
      if (headers_in(path) < want) return false;
    return true;
  };
  for (;;) {
    const auto ran = std::chrono::steady_clock::now() - start;
    if (ran >= std::chrono::seconds(20)) break;
    if (ran >= std::chrono::seconds(2) && sent % 50 == 0 && enough()) break;
    child.signal(SIGUSR2);
    ++sent;
    const int pause_every = ran >= std::chrono::seconds(8) ? 5 : 25;
    std::this_thread::sleep_for(std::chrono::milliseconds(sent % pause_every == 0 ? 30 : 2));
  }
  return sent;
}

}  // namespace

TEST(SignalStorm, NoDeadlockAndEveryDumpComplete) {
  TempDir tmp;
  ChildSpec spec;
  spec.argv = {program("signal_storm_program"), tmp.path()};
  spec.options = "log=none:max_dumps=100000:threshold=0:output=" + tmp.join("dump.jsonl");
  Child child(spec);
  ASSERT_TRUE(child.wait_for_output("ready\n", std::chrono::seconds(10)));
  const int sent = storm(child, {tmp.join("dump.jsonl")}, 20);
  child.close_stdin();
  Result r = child.finish(std::chrono::seconds(20));
  ASSERT_FALSE(r.timed_out) << "deadlocked: " << r.describe();
  ASSERT_TRUE(r.exited(0)) << r.describe();
  ASSERT_TRUE(r.out.starts_with("ready\ndone opens=")) << r.out;
  EXPECT_GT(std::stol(r.out.substr(17)), 1000) << "the workers hardly ran: " << r.out;
  EXPECT_EQ(r.err, "");

  std::vector<Dump> dumps = read_dump_file(tmp.join("dump.jsonl"));
  ASSERT_GE(dumps.size(), 20u) << "hardly any signal was answered with a dump";
  ASSERT_LE(dumps.size(), (size_t)sent);
  std::map<std::string, std::vector<std::string>> implausible;
  for (size_t i = 0; i < dumps.size(); ++i) {
    SCOPED_TRACE("dump " + std::to_string(i + 1));
    EXPECT_EQ(dumps[i].seq, (int64_t)i + 1);
    check_storm_dump(dumps[i], "signal", r, tmp, implausible);
  }
  EXPECT_TRUE(implausible.empty()) << "of " << dumps.size()
                                   << " dumps, fd lines that are not a worker's /dev/null:"
                                   << describe(implausible);
}

// Signals arriving while a dump is being written: by another thread (the
// signal's dump finds it under way and is skipped) or by the very thread
// the signal interrupts. Every dump of both kinds is complete, each
// requested dump that succeeded is in its file, and the two files share
// one sequence without a gap or a repeat.
TEST(SignalStorm, SignalsDuringRequestedDumps) {
  TempDir tmp;
  ChildSpec spec;
  spec.argv = {program("signal_storm_program"), tmp.path(), tmp.join("requested.jsonl")};
  spec.options = "log=none:max_dumps=100000:threshold=0:output=" + tmp.join("dump.jsonl");
  Child child(spec);
  ASSERT_TRUE(child.wait_for_output("ready\n", std::chrono::seconds(10)));
  storm(child, {tmp.join("dump.jsonl"), tmp.join("requested.jsonl")}, 5);
  child.close_stdin();
  Result r = child.finish(std::chrono::seconds(20));
  ASSERT_FALSE(r.timed_out) << "deadlocked: " << r.describe();
  ASSERT_TRUE(r.exited(0)) << r.describe();
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  ASSERT_TRUE(out[2].starts_with("requested=")) << r.out;
  const size_t requested = std::stoul(out[2].substr(10));
  EXPECT_EQ(r.err, "");

  std::vector<Dump> by_signal = read_dump_file(tmp.join("dump.jsonl"));
  std::vector<Dump> by_request = read_dump_file(tmp.join("requested.jsonl"));
  EXPECT_GE(by_signal.size(), 5u) << "hardly any signal was answered with a dump";
  EXPECT_GE(by_request.size(), 5u);
  EXPECT_EQ(by_request.size(), requested);
  std::map<std::string, std::vector<std::string>> implausible;
  std::set<int64_t> seqs;
  for (const Dump& d : by_signal) {
    SCOPED_TRACE("signal dump " + std::to_string(d.seq));
    check_storm_dump(d, "signal", r, tmp, implausible);
    EXPECT_TRUE(seqs.insert(d.seq).second) << "seq " << d.seq << " twice";
  }
  for (const Dump& d : by_request) {
    SCOPED_TRACE("requested dump " + std::to_string(d.seq));
    check_storm_dump(d, "request", r, tmp, implausible);
    EXPECT_TRUE(seqs.insert(d.seq).second) << "seq " << d.seq << " twice";
  }
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), (int64_t)seqs.size()) << "a dump's sequence number was skipped";
  EXPECT_TRUE(implausible.empty()) << "fd lines that are not a worker's /dev/null:"
                                   << describe(implausible);
}
