// SPDX-License-Identifier: MIT
#include "input/dump_selection.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

namespace fdscope::tool {
namespace {

// Picks one dump per (pid, run) in each file: prefer(kept, next) says
// whether the next one replaces the one kept so far.
template <typename Prefer>
std::vector<const Dump*> one_per_process(const LoadedDumps& loaded, Prefer prefer) {
  std::vector<const Dump*> out;
  for (const ReadResult& file : loaded.files) {
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
  return out;
}

}  // namespace

LoadedDumps load_dump_files(const std::vector<std::string>& paths, const char* who) {
  LoadedDumps loaded;
  loaded.files.resize(paths.size());
  // Files are independent: read them on every core (fleets are many files).
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) loaded.files[i] = read_dumps(paths[i]);
  };
  unsigned n = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), paths.size());
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  for (const ReadResult& file : loaded.files) {
    for (const ReadProblem& p : file.problems) {
      loaded.problems = true;
      if (p.line > 0) fmt::print(stderr, "{}: {}:{}: {}\n", who, p.file, p.line, p.message);
      else fmt::print(stderr, "{}: {}: {}\n", who, p.file, p.message);
    }
  }
  return loaded;
}

std::vector<const Dump*> last_dump_per_process(const LoadedDumps& loaded) {
  // A later complete dump wins; a truncated one only replaces a truncated one.
  return one_per_process(loaded, [](const Dump& kept, const Dump& next) {
    return next.complete || !kept.complete;
  });
}

std::vector<const Dump*> first_dump_per_process(const LoadedDumps& loaded) {
  return one_per_process(loaded, [](const Dump& kept, const Dump& next) {
    return !kept.complete && next.complete;
  });
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
