#include "dump_text.h"

#include <fstream>

#include <gtest/gtest.h>

#include "input/dump_reader.h"

namespace fdscope::tool::testing {

std::string line(const std::string& type, const std::string& fields, int seq) {
  return "{\"type\":\"" + type + "\",\"pid\":7,\"seq\":" + std::to_string(seq) +
         ",\"run\":\"r\"" + (fields.empty() ? "" : "," + fields) + "}\n";
}

std::string header(int format, int seq) {
  return line("header", "\"format\":" + std::to_string(format) +
                            ",\"reason\":\"exit\",\"host\":\"h\",\"time_ms\":1000",
              seq);
}

std::string end(int fds, int stacks, int seq) {
  return line("end", "\"fds\":" + std::to_string(fds) + ",\"stacks\":" + std::to_string(stacks) +
                         ",\"modules\":0,\"skipped\":0",
              seq);
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "fdscope-tool-unit-" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

Dump read_one(const std::string& text) {
  ReadResult r = read_dumps(write_temp("one.jsonl", text));
  for (const ReadProblem& p : r.problems) ADD_FAILURE() << p.line << ": " << p.message;
  EXPECT_EQ(r.dumps.size(), 1u);
  return r.dumps.empty() ? Dump{} : r.dumps[0];
}

}  // namespace fdscope::tool::testing
