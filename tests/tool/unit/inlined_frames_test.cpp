// Inlined frames (a native frame expanded from inline debug information):
// how text, json and folded show them, and what folding to the user's code
// does with them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/user_frames.h"
#include "output/reports.h"
#include "output/site_json.h"
#include "output/text.h"

namespace fdscope::tool {
namespace {

const char* kCtor = "std::basic_ofstream<char, std::char_traits<char> >::basic_ofstream(char const*, std::_Ios_Openmode)";

ReportFrame native(const std::string& module, const std::string& fn, uint64_t offset) {
  ReportFrame f;
  f.module = module;
  f.function = fn;
  f.offset = offset;
  return f;
}

ReportFrame inlined(ReportFrame physical, const std::string& fn, const std::string& file, int line) {
  physical.function = fn;
  physical.file = file;
  physical.line = line;
  physical.inlined = true;
  return physical;
}

// basic_filebuf::open in libstdc++, called from the basic_ofstream
// constructor inlined into Logger::open_sinks, called from main, above the
// C runtime.
ReportSite logger_site() {
  ReportSite s;
  s.count = 60;
  s.kinds["file"] = 60;
  s.targets["/dev/null"] = 60;
  s.calls = {"open"};
  s.frames.push_back(native("/lib/x86_64-linux-gnu/libc.so.6", "open64", 0x1000));
  s.frames.push_back(native("/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                            "std::basic_filebuf<char, std::char_traits<char> >::open(char const*, std::_Ios_Openmode)",
                            0x2000));
  ReportFrame physical = native("/srv/app/logger", "Logger::open_sinks(int)", 0x1472);
  physical.file = "/srv/app/logger.cpp";
  physical.line = 45;
  s.frames.push_back(inlined(physical, kCtor, "/usr/include/c++/12/fstream", 928));
  s.frames.push_back(physical);
  s.frames.push_back(native("/srv/app/logger", "main", 0x11dc));
  s.frames.push_back(native("/lib/x86_64-linux-gnu/libc.so.6", "__libc_start_main", 0x3000));
  return s;
}

std::string captured(void (*write)(std::FILE*, const ReportSite&)) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  write(out, logger_site());
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  return text;
}

TEST(InlinedFrames, FoldingKeepsTheProgramsInlinedFramesAndDropsTheCRuntime) {
  ReportSite s = logger_site();
  fold_runtime_frames(s);
  ASSERT_EQ(s.frames.size(), 4u);
  EXPECT_FALSE(s.frames[0].inlined);  // libstdc++'s own frame
  EXPECT_TRUE(s.frames[1].inlined);
  EXPECT_EQ(s.frames[1].function, kCtor);
  EXPECT_EQ(s.frames[2].function, "Logger::open_sinks(int)");
  EXPECT_FALSE(s.frames[2].inlined);
  EXPECT_EQ(s.frames[3].function, "main");
}

TEST(InlinedFrames, TextMarksThemInlinedWhereThePhysicalFrameShowsItsModule) {
  std::string text = captured([](std::FILE* out, const ReportSite& s) {
    ReportSite folded = s;
    fold_runtime_frames(folded);
    print_site(out, folded, TextOptions{}, 2);
  });
  EXPECT_NE(text.find(std::string("    #1  ") + kCtor + "  /usr/include/c++/12/fstream:928  (inlined)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    #2  Logger::open_sinks(int)  /srv/app/logger.cpp:45  (logger+0x1472)\n"),
            std::string::npos)
      << text;
}

TEST(InlinedFrames, TextCountsAFrameWithItsInlinedFramesAsOne) {
  // 10 frames of the program, 5 functions inlined at the innermost: all
  // 5 and the first 8 frames are shown.
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  ReportSite s;
  s.count = 1;
  for (int i = 0; i < 10; ++i) s.frames.push_back(native("/srv/app/logger", "f" + std::to_string(i), 0x100 + i));
  for (int i = 0; i < 5; ++i)
    s.frames.insert(s.frames.begin(), inlined(s.frames.back(), "g" + std::to_string(i), "/x.h", 1));
  print_site(out, s, TextOptions{}, 1);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  EXPECT_NE(text.find("    #12 f7  "), std::string::npos) << text;
  EXPECT_EQ(text.find("f8"), std::string::npos) << text;
  EXPECT_NE(text.find("    ... 2 more frames\n"), std::string::npos) << text;
}

TEST(InlinedFrames, JsonSaysInlinedOnlyOnInlinedFrames) {
  ReportSite s = logger_site();
  Json inl = frame_json(s.frames[2]);
  Json phys = frame_json(s.frames[3]);
  std::string want_inl = std::string("{\"function\":\"") + kCtor +
                         "\",\"module\":\"/srv/app/logger\",\"file\":\"/usr/include/c++/12/fstream\","
                         "\"line\":928,\"address\":\"0x1472\",\"inlined\":true}";
  std::string want_phys =
      "{\"function\":\"Logger::open_sinks(int)\",\"module\":\"/srv/app/logger\","
      "\"file\":\"/srv/app/logger.cpp\",\"line\":45,\"address\":\"0x1472\"}";
  EXPECT_EQ(inl.dump(), want_inl);
  EXPECT_EQ(phys.dump(), want_phys);
}

TEST(InlinedFrames, FoldedHasOneFrameEach) {
  std::string text = captured([](std::FILE* out, const ReportSite& s) {
    SiteReport r;
    r.sites.push_back(s);
    fold_runtime_frames(r);
    print_folded_report(out, r);
  });
  EXPECT_EQ(text, std::string("main;Logger::open_sinks(int);") + kCtor +
                      ";std::basic_filebuf<char, std::char_traits<char> >::open(char const*, "
                      "std::_Ios_Openmode) 60\n");
}

}  // namespace
}  // namespace fdscope::tool
