// SPDX-License-Identifier: MIT
#include "input/dump_selection.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace fdscope::tool {
namespace {

// Picks one dump per (pid, run) in each file: prefer(kept, next) says
// whether the next one replaces the one kept so far.
template <typename Prefer>
void one_per_process(const ReadResult& file, Prefer prefer, std::vector<const Dump*>& out) {
  std::vector<const Dump*> kept;
  for (const Dump& d : file.dumps) {
    bool seen = false;
    for (const Dump*& k : kept)
      if (k->pid == d.pid && k->run == d.run) {
        if (prefer(*k, d)) k = &d;
        seen = true;
      }
    if (!seen) kept.push_back(&d);
  }
  out.insert(out.end(), kept.begin(), kept.end());
}

template <typename Prefer>
std::vector<const Dump*> one_per_process(const LoadedDumps& loaded, Prefer prefer) {
  std::vector<const Dump*> out;
  for (const ReadResult& file : loaded.files) one_per_process(file, prefer, out);
  return out;
}

// A later complete dump wins; a truncated one only replaces a truncated one.
bool prefer_last(const Dump& kept, const Dump& next) { return next.complete || !kept.complete; }
bool prefer_first(const Dump& kept, const Dump& next) { return !kept.complete && next.complete; }

// A file read ahead of its turn, kept until the calling thread takes it.
struct Slot {
  ReadResult file;
  unsigned reader = 0;  // the thread that read it (0: the calling one)
  bool ready = false;
};

}  // namespace

bool read_files_in_order(const std::vector<std::string>& paths, const char* who,
                         const std::function<void(size_t, ReadResult&)>& take) {
  std::vector<Slot> slots(paths.size());
  std::mutex mu;
  std::condition_variable done;
  // Files are independent: read them on every core (fleets are many files).
  std::atomic<size_t> next{0};
  unsigned n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), paths.size());
  // A file taken goes back to the thread that read it, to be freed there:
  // its records' strings came from that thread's malloc arena, and freeing
  // them in this one contended for the arena's lock with the reader's next
  // file (a fifth of a fleet report's time went to malloc and free).
  std::vector<std::vector<ReadResult>> taken(n);
  auto read_one = [&](unsigned self) -> bool {
    std::vector<ReadResult> to_free;
    {
      std::lock_guard<std::mutex> lock(mu);
      to_free.swap(taken[self]);
    }
    to_free.clear();
    size_t i = next.fetch_add(1);
    if (i >= paths.size()) return false;
    ReadResult r = read_dumps(paths[i]);
    {
      std::lock_guard<std::mutex> lock(mu);
      slots[i].file = std::move(r);
      slots[i].reader = self;
      slots[i].ready = true;
    }
    done.notify_all();
    return true;
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t)
    threads.emplace_back([&read_one, t] {
      while (read_one(t)) {
      }
    });
  bool problems = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    // This thread reads too while the file whose turn it is is not read yet.
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu);
        if (slots[i].ready) break;
        if (next.load() >= paths.size()) {
          done.wait(lock, [&] { return slots[i].ready; });
          break;
        }
      }
      read_one(0);
    }
    ReadResult& file = slots[i].file;
    for (const ReadProblem& p : file.problems) {
      problems = true;
      if (p.line > 0) fmt::print(stderr, "{}: {}:{}: {}\n", who, p.file, p.line, p.message);
      else fmt::print(stderr, "{}: {}: {}\n", who, p.file, p.message);
    }
    take(i, file);
    // What the caller left of it goes now, in the thread that read it.
    if (slots[i].reader == 0) {
      file = ReadResult();
    } else {
      std::lock_guard<std::mutex> lock(mu);
      taken[slots[i].reader].push_back(std::move(file));
      file = ReadResult();
    }
  }
  for (std::thread& t : threads) t.join();
  return problems;
}

LoadedDumps load_dump_files(const std::vector<std::string>& paths, const char* who) {
  LoadedDumps loaded;
  loaded.files.resize(paths.size());
  loaded.problems = read_files_in_order(
      paths, who, [&](size_t i, ReadResult& file) { loaded.files[i] = std::move(file); });
  return loaded;
}

std::vector<const Dump*> last_dump_per_process(const LoadedDumps& loaded) {
  return one_per_process(loaded, prefer_last);
}

std::vector<const Dump*> first_dump_per_process(const LoadedDumps& loaded) {
  return one_per_process(loaded, prefer_first);
}

std::vector<const Dump*> select_dumps(const ReadResult& file, Pick pick) {
  std::vector<const Dump*> out;
  switch (pick) {
    case Pick::kFirst:
      one_per_process(file, prefer_first, out);
      break;
    case Pick::kEvery:
      for (const Dump& d : file.dumps) out.push_back(&d);
      break;
    case Pick::kLast:
      one_per_process(file, prefer_last, out);
      break;
  }
  return out;
}

std::vector<const Dump*> every_dump(const LoadedDumps& loaded) {
  std::vector<const Dump*> out;
  for (const ReadResult& file : loaded.files)
    for (const Dump& d : file.dumps) out.push_back(&d);
  return out;
}

std::vector<const Dump*> select_dumps(const LoadedDumps& loaded, Pick pick) {
  switch (pick) {
    case Pick::kFirst: return first_dump_per_process(loaded);
    case Pick::kEvery: return every_dump(loaded);
    case Pick::kLast: break;
  }
  return last_dump_per_process(loaded);
}

}  // namespace fdscope::tool
