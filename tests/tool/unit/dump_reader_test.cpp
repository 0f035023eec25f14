// The dump reader: formats 1 and 2, language frames, log-export prefixes,
// and the problems it must name (truncated, unknown format, lost lines).
#include <gtest/gtest.h>

#include "dump_text.h"
#include "input/dump_reader.h"

namespace fdscope::tool {
namespace {

using namespace testing;

const std::string kModule =
    line("module", "\"id\":0,\"path\":\"/srv/app\",\"base\":\"0x1000\",\"build_id\":\"abcd\"");
const std::string kNativeStack = line(
    "stack", "\"id\":3,\"frames\":[{\"addr\":\"0x12a8\",\"module\":0,\"offset\":\"0x2a8\","
             "\"function\":\"connect_db\",\"symbol_offset\":4},{\"addr\":\"0x7f00\"}]");
const std::string kLangStack = line(
    "stack", "\"id\":9,\"frames\":[{\"lang\":\"js\",\"function\":\"\",\"file\":\"/abs/leak.js\","
             "\"line\":3,\"column\":20},{\"lang\":\"python\",\"function\":\"open_logs\","
             "\"file\":\"/abs/leak.py\",\"line\":12,\"async\":true}]");
const std::string kFd = line(
    "fd", "\"fd\":5,\"kind\":\"socket\",\"target\":\"tcp 1.2.3.4:5 -> 6.7.8.9:3306\",\"tracked\":true,"
          "\"call\":\"socket\",\"time_ms\":900,\"age_ms\":100,\"tid\":7,\"thread\":\"app\","
          "\"stack\":3,\"connect_stack\":3,\"lang_stack\":9");

TEST(DumpReader, ReadsNativeFramesModulesAndDescriptors) {
  Dump d = read_one(header(1) + kModule + kNativeStack + kFd + end(1, 1));
  EXPECT_EQ(d.format, 1);
  EXPECT_TRUE(d.complete);
  ASSERT_EQ(d.modules.count(0), 1u);
  EXPECT_EQ(d.modules[0].path, "/srv/app");
  EXPECT_EQ(d.modules[0].base, 0x1000u);
  EXPECT_EQ(d.modules[0].build_id, "abcd");
  ASSERT_EQ(d.stacks[3].size(), 2u);
  const DumpFrame& f = d.stacks[3][0];
  EXPECT_FALSE(f.is_lang());
  EXPECT_EQ(f.addr, 0x12a8u);
  EXPECT_EQ(f.module, 0);
  EXPECT_EQ(f.offset, 0x2a8u);
  EXPECT_EQ(f.function, "connect_db");
  EXPECT_EQ(d.stacks[3][1].module, -1);  // JIT code: no module
  ASSERT_EQ(d.fds.size(), 1u);
  EXPECT_EQ(d.fds[0].fd, 5);
  EXPECT_EQ(d.fds[0].kind, "socket");
  EXPECT_EQ(d.fds[0].stack, 3u);
  EXPECT_EQ(d.fds[0].connect_stack, 3u);
  EXPECT_EQ(d.fds[0].age_ms, 100);
  EXPECT_EQ(d.fds[0].thread, "app");
}

TEST(DumpReader, ReadsLanguageFramesAndLangStackOfFormat2) {
  Dump d = read_one(header(2) + kModule + kNativeStack + kLangStack + kFd + end(1, 2));
  EXPECT_EQ(d.format, 2);
  EXPECT_EQ(d.fds.at(0).lang_stack, 9u);
  const std::vector<DumpFrame>& frames = d.stacks.at(9);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].lang, Lang::kJs);
  EXPECT_EQ(frames[0].function, "");
  EXPECT_EQ(frames[0].file, "/abs/leak.js");
  EXPECT_EQ(frames[0].line, 3);
  EXPECT_EQ(frames[0].column, 20);
  EXPECT_FALSE(frames[0].async);
  EXPECT_EQ(frames[1].lang, Lang::kPython);
  EXPECT_EQ(frames[1].function, "open_logs");
  EXPECT_EQ(frames[1].line, 12);
  EXPECT_EQ(frames[1].column, 0);
  EXPECT_TRUE(frames[1].async);
}

TEST(DumpReader, SkipsPrefixesAndForeignLines) {
  std::string text;
  for (const std::string& l : {header(2), kModule, kNativeStack, kFd, end(1, 1)})
    text += "2026-11-28T22:36:48.252Z req-1 " + l + "START RequestId: x\n{\"other\":1}\n";
  Dump d = read_one(text);
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.fds.size(), 1u);
}

TEST(DumpReader, RejectsAnUnknownFormatOnceAndSkipsItsLines) {
  ReadResult r = read_dumps(write_temp("format3.jsonl", header(3) + kModule + kFd + end(1, 0)));
  EXPECT_TRUE(r.dumps.empty());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 1);
  EXPECT_NE(r.problems[0].message.find("format 3"), std::string::npos) << r.problems[0].message;
}

TEST(DumpReader, NamesATruncatedDump) {
  ReadResult r = read_dumps(write_temp("cut.jsonl", header(2) + kModule + kFd));
  ASSERT_EQ(r.dumps.size(), 1u);
  EXPECT_FALSE(r.dumps[0].complete);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("truncated"), std::string::npos);
}

TEST(DumpReader, NamesLostLinesByTheEndCounts) {
  ReadResult r = read_dumps(write_temp("lost.jsonl", header(2) + kNativeStack + kFd + end(2, 1)));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 4);
  EXPECT_NE(r.problems[0].message.find("counts 2 fd lines, 1 were read"), std::string::npos)
      << r.problems[0].message;
}

TEST(DumpReader, KeepsInterleavedDumpsApart) {
  std::string text = header(2, 1) + header(2, 2) + kFd + line("fd", "\"fd\":6,\"tracked\":false", 2) +
                     end(1, 0, 1) + end(1, 0, 2);
  ReadResult r = read_dumps(write_temp("interleaved.jsonl", text));
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.dumps.size(), 2u);
  EXPECT_EQ(r.dumps[0].fds.at(0).fd, 5);
  EXPECT_EQ(r.dumps[1].fds.at(0).fd, 6);
  EXPECT_EQ(r.dumps[1].fds.at(0).kind, "other");
}

}  // namespace
}  // namespace fdscope::tool
