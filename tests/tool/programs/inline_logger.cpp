// SPDX-License-Identifier: MIT
// A C++ program whose leak is in inlined code: built -O2 -g, the
// std::ofstream constructor (a libstdc++ header template) is inlined into
// Logger::open_sinks, so the address that opens each file lies in
// basic_ofstream's code (fstream) while the line that leaks is ours. The
// report must expand the frame into its inline chain and name the marked
// line (tests/tool/check_inlined.py).
//
//   inline_logger [N]   opens N (60) sinks on /dev/null, keeps them, exits 0
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <vector>

class Logger {
 public:
  void open_sinks(int n);
  size_t size() const { return sinks_.size(); }

 private:
  std::vector<std::ofstream*> sinks_;
};

// Not inlined into main: a frame of its own, the physical frame the
// ofstream constructor is inlined into.
__attribute__((noinline)) void Logger::open_sinks(int n) {
  for (int i = 0; i < n; ++i) {
    std::ofstream* sink = new std::ofstream("/dev/null"); /* @line:open_sinks */
    sinks_.push_back(sink);
  }
}

// Never destroyed: the sinks are still open when the dump is taken at exit.
Logger* logger = new Logger;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 60;
  logger->open_sinks(n);
  std::cout << "inline_logger: " << logger->size() << " sinks open\n";
  return 0;
}
