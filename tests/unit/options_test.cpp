// FDSCOPE_OPTIONS parsing: every key with good and bad values, separators,
// whitespace, unknown keys, and robustness over random input.
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "state/options.h"

namespace fdscope {
namespace {

std::vector<std::string> g_errors;
void collect(const char* line) { g_errors.push_back(line); }

Options parse(const std::string& text) {
  g_errors.clear();
  Options o;
  parse_options(text.c_str(), &o, collect);
  return o;
}

bool same(const Options& a, const Options& b) {
  return a.threshold == b.threshold && a.threshold_percent == b.threshold_percent &&
         a.signal == b.signal && strcmp(a.output, b.output) == 0 && strcmp(a.log, b.log) == 0 &&
         a.depth == b.depth && a.on_emfile == b.on_emfile && a.at_exit == b.at_exit &&
         a.action == b.action && a.max_dumps == b.max_dumps &&
         a.double_close == b.double_close && a.metrics == b.metrics &&
         a.lang == b.lang && a.redact_argv == b.redact_argv && a.redact_paths == b.redact_paths;
}

TEST(Options, DefaultsMatchTheSpec) {
  for (const char* text : {static_cast<const char*>(nullptr), ""}) {
    g_errors.clear();
    Options o;
    o.depth = 7;  // parse_options starts from the defaults, not from *out
    o.at_exit = true;
    parse_options(text, &o, collect);
    EXPECT_TRUE(g_errors.empty());
    EXPECT_EQ(o.threshold, 80u);
    EXPECT_TRUE(o.threshold_percent);
    EXPECT_EQ(o.signal, SIGUSR2);
    EXPECT_STREQ(o.output, "");
    EXPECT_STREQ(o.log, "stderr");
    EXPECT_EQ(o.depth, 32u);
    EXPECT_TRUE(o.on_emfile);
    EXPECT_FALSE(o.at_exit);
    EXPECT_EQ(o.action, Action::kReport);
    EXPECT_EQ(o.max_dumps, 16u);
    EXPECT_EQ(o.double_close, DoubleClose::kReport);
    EXPECT_EQ(o.metrics, Metrics::kNone);
    EXPECT_EQ(o.lang, LangMode::kAuto);
    EXPECT_FALSE(o.redact_argv);
    EXPECT_FALSE(o.redact_paths);
  }
}

struct Good {
  const char* text;
  std::function<bool(const Options&)> check;
};

TEST(Options, EveryKeyAcceptsItsGoodValues) {
  const Good cases[] = {
      {"threshold=100", [](const Options& o) { return o.threshold == 100 && !o.threshold_percent; }},
      {"threshold=0", [](const Options& o) { return o.threshold == 0 && !o.threshold_percent; }},
      {"threshold=2147483647", [](const Options& o) { return o.threshold == 2147483647u; }},
      {"threshold=50%", [](const Options& o) { return o.threshold == 50 && o.threshold_percent; }},
      {"threshold=100%", [](const Options& o) { return o.threshold == 100 && o.threshold_percent; }},
      {"threshold=0%", [](const Options& o) { return o.threshold == 0 && o.threshold_percent; }},
      {"signal=0", [](const Options& o) { return o.signal == 0; }},
      {"signal=10", [](const Options& o) { return o.signal == 10; }},
      {"signal=SIGUSR1", [](const Options& o) { return o.signal == SIGUSR1; }},
      {"signal=USR1", [](const Options& o) { return o.signal == SIGUSR1; }},
      {"signal=SIGHUP", [](const Options& o) { return o.signal == SIGHUP; }},
      {"signal=SIGTERM", [](const Options& o) { return o.signal == SIGTERM; }},
      {"signal=SIGPROF", [](const Options& o) { return o.signal == SIGPROF; }},
      {"signal=WINCH", [](const Options& o) { return o.signal == SIGWINCH; }},
      {"signal=SIGRTMIN", [](const Options& o) { return o.signal == SIGRTMIN; }},
      {"signal=RTMIN+3", [](const Options& o) { return o.signal == SIGRTMIN + 3; }},
      {"signal=SIGRTMIN+0", [](const Options& o) { return o.signal == SIGRTMIN; }},
      {"signal=SIGRTMIN+1", [](const Options& o) { return o.signal == SIGRTMIN + 1; }},
      {"output=/tmp/x.%p.jsonl", [](const Options& o) { return strcmp(o.output, "/tmp/x.%p.jsonl") == 0; }},
      {"output=stderr", [](const Options& o) { return strcmp(o.output, "stderr") == 0; }},
      {"output=a=b", [](const Options& o) { return strcmp(o.output, "a=b") == 0; }},
      {"log=none", [](const Options& o) { return strcmp(o.log, "none") == 0; }},
      {"log=/var/log/fd.log", [](const Options& o) { return strcmp(o.log, "/var/log/fd.log") == 0; }},
      {"depth=1", [](const Options& o) { return o.depth == 1; }},
      {"depth=64", [](const Options& o) { return o.depth == 64; }},
      {"on_emfile=0", [](const Options& o) { return !o.on_emfile; }},
      {"on_emfile=false", [](const Options& o) { return !o.on_emfile; }},
      {"on_emfile=no", [](const Options& o) { return !o.on_emfile; }},
      {"at_exit=1", [](const Options& o) { return o.at_exit; }},
      {"at_exit=true", [](const Options& o) { return o.at_exit; }},
      {"at_exit=yes", [](const Options& o) { return o.at_exit; }},
      {"action=abort", [](const Options& o) { return o.action == Action::kAbort; }},
      {"action=report", [](const Options& o) { return o.action == Action::kReport; }},
      {"max_dumps=0", [](const Options& o) { return o.max_dumps == 0; }},
      {"max_dumps=1000000", [](const Options& o) { return o.max_dumps == 1000000; }},
      {"double_close=abort", [](const Options& o) { return o.double_close == DoubleClose::kAbort; }},
      {"double_close=off", [](const Options& o) { return o.double_close == DoubleClose::kOff; }},
      {"double_close=report", [](const Options& o) { return o.double_close == DoubleClose::kReport; }},
      {"metrics=emf", [](const Options& o) { return o.metrics == Metrics::kEmf; }},
      {"metrics=none", [](const Options& o) { return o.metrics == Metrics::kNone; }},
      {"lang=off", [](const Options& o) { return o.lang == LangMode::kOff; }},
      {"lang=auto", [](const Options& o) { return o.lang == LangMode::kAuto; }},
  };
  for (const Good& c : cases) {
    Options o = parse(c.text);
    EXPECT_TRUE(c.check(o)) << c.text;
    EXPECT_TRUE(g_errors.empty()) << c.text << ": " << (g_errors.empty() ? "" : g_errors[0]);
  }
  std::string max_rt = "signal=SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN);
  EXPECT_EQ(parse(max_rt).signal, SIGRTMAX);
  EXPECT_TRUE(g_errors.empty());
  std::string long_path(kPathMax - 1, 'p');
  EXPECT_STREQ(parse("output=" + long_path).output, long_path.c_str());
  EXPECT_TRUE(g_errors.empty());
}

TEST(Options, BadValuesKeepTheDefaultWithOneLineNamingTheKey) {
  const Options defaults = parse("");
  const std::pair<const char*, std::string> cases[] = {
      {"threshold", ""},          {"threshold", "abc"},       {"threshold", "-5"},
      {"threshold", "101%"},      {"threshold", "%"},         {"threshold", "5%%"},
      {"threshold", "2147483648"}, {"threshold", "12345678901234567890"},
      {"threshold", " 5x"},       {"signal", "SIGKILL"},      {"signal", "9"},
      {"signal", "19"},           {"signal", "STOP"},         {"signal", std::to_string(NSIG)},
      {"signal", "-1"},           {"signal", "SIG"},          {"signal", "sigusr1"},
      {"signal", "SIGBOGUS"},     {"signal", "RTMIN+"},       {"signal", "RTMINX"},
      {"signal", "SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1)},
      {"signal", "SIGRTMIN+4294967295"},  {"signal", "SIGRTMIN+2147483648"},
      {"signal", "RTMIN+9999999999999999999"}, {"signal", ""},
      {"output", ""},             {"output", std::string(kPathMax, 'p')},
      {"log", ""},                {"depth", "0"},             {"depth", "65"},
      {"depth", "x"},             {"depth", ""},              {"on_emfile", "2"},
      {"on_emfile", "TRUE"},      {"on_emfile", ""},          {"at_exit", "on"},
      {"at_exit", "y"},           {"action", "kill"},         {"action", ""},
      {"action", "Abort"},        {"max_dumps", "1000001"},   {"max_dumps", "-1"},
      {"max_dumps", ""},          {"double_close", "warn"},   {"double_close", ""},
      {"metrics", "cloudwatch"},  {"metrics", ""},
      {"lang", "on"},             {"lang", "js"},             {"lang", ""},
  };
  for (const auto& [key, value] : cases) {
    std::string text = std::string(key) + "=" + value;
    Options o = parse(text);
    EXPECT_TRUE(same(o, defaults)) << text;
    ASSERT_EQ(g_errors.size(), 1u) << text;
    const std::string& line = g_errors[0];
    EXPECT_NE(line.find(std::string("'") + key + "="), std::string::npos) << line;
    EXPECT_NE(line.find("bad value"), std::string::npos) << line;
  }
}

TEST(Options, UnknownKeyIsNamedOnceAndOtherKeysStillApply) {
  Options o = parse("depth=5:bogus_key=1,at_exit=1:log=none");
  EXPECT_EQ(o.depth, 5u);
  EXPECT_TRUE(o.at_exit);
  EXPECT_STREQ(o.log, "none");
  ASSERT_EQ(g_errors.size(), 1u);
  EXPECT_NE(g_errors[0].find("unknown option 'bogus_key'"), std::string::npos) << g_errors[0];

  // Key names are exact: case and near-misses are unknown.
  for (const char* text : {"Depth=5", "depth_=5", "dept=5", "at-exit=1", "=5"}) {
    Options u = parse(text);
    EXPECT_TRUE(same(u, parse(""))) << text;
    parse(text);
    ASSERT_EQ(g_errors.size(), 1u) << text;
    EXPECT_NE(g_errors[0].find("unknown option"), std::string::npos) << g_errors[0];
  }
}

TEST(Options, ItemWithoutValueIsReported) {
  Options o = parse("at_exit:depth=9");
  EXPECT_FALSE(o.at_exit);
  EXPECT_EQ(o.depth, 9u);
  ASSERT_EQ(g_errors.size(), 1u);
  EXPECT_NE(g_errors[0].find("'at_exit'"), std::string::npos) << g_errors[0];
}

// A list value goes on after ',' (and only ','): redact=argv,paths.
TEST(Options, RedactTakesAListAfterCommas) {
  Options o = parse("redact=argv,paths:depth=9");
  EXPECT_TRUE(o.redact_argv);
  EXPECT_TRUE(o.redact_paths);
  EXPECT_EQ(o.depth, 9u);
  EXPECT_TRUE(g_errors.empty());

  o = parse("redact=paths");
  EXPECT_FALSE(o.redact_argv);
  EXPECT_TRUE(o.redact_paths);

  o = parse("redact=argv,paths,redact=none");
  EXPECT_FALSE(o.redact_argv || o.redact_paths);

  // After ':' a bare word is an item of its own, without a value.
  o = parse("redact=argv:paths");
  EXPECT_TRUE(o.redact_argv);
  EXPECT_FALSE(o.redact_paths);
  ASSERT_EQ(g_errors.size(), 1u);
  EXPECT_NE(g_errors[0].find("option without a value 'paths'"), std::string::npos) << g_errors[0];

  o = parse("redact=argv,hostname");
  EXPECT_TRUE(o.redact_argv);
  ASSERT_EQ(g_errors.size(), 1u);
  EXPECT_NE(g_errors[0].find("bad value for option 'redact=hostname'"), std::string::npos)
      << g_errors[0];

  // The list ends at the next key=value.
  o = parse("redact=argv,depth=3,paths");
  EXPECT_FALSE(o.redact_paths);
  EXPECT_EQ(o.depth, 3u);
  ASSERT_EQ(g_errors.size(), 1u);
}

TEST(Options, ErrorLinesAreSingleCompleteLines) {
  const std::string long_key(3000, 'k');
  for (const std::string& text :
       {std::string("nope=1"), std::string("depth=999"), std::string("flag"), long_key + "=1",
        "depth=" + std::string(3000, '9'), long_key}) {
    parse(text);
    ASSERT_EQ(g_errors.size(), 1u) << text.substr(0, 40);
    const std::string& line = g_errors[0];
    EXPECT_EQ(line.rfind("fdscope: ", 0), 0u) << line.substr(0, 80);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n') << "line not terminated: " << line.substr(0, 80);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line.substr(0, 80);
  }
}

TEST(Options, BothSeparatorsEmptyItemsAndWhitespace) {
  Options o = parse(",:depth=3,,at_exit=yes::threshold=10%,");
  EXPECT_TRUE(g_errors.empty());
  EXPECT_EQ(o.depth, 3u);
  EXPECT_TRUE(o.at_exit);
  EXPECT_EQ(o.threshold, 10u);
  EXPECT_TRUE(o.threshold_percent);

  o = parse("  depth=4 \t,\tsignal=SIGUSR1  :  log=none\t");
  EXPECT_TRUE(g_errors.empty()) << g_errors[0];
  EXPECT_EQ(o.depth, 4u);
  EXPECT_EQ(o.signal, SIGUSR1);
  EXPECT_STREQ(o.log, "none");

  o = parse(" \t : , ");
  EXPECT_TRUE(g_errors.empty());
  EXPECT_TRUE(same(o, parse("")));
}

TEST(Options, LaterValueOfARepeatedKeyWins) {
  Options o = parse("depth=5:depth=7,signal=USR1:signal=0");
  EXPECT_TRUE(g_errors.empty());
  EXPECT_EQ(o.depth, 7u);
  EXPECT_EQ(o.signal, 0);
}

TEST(Options, SeveralProblemsGiveOneLineEach) {
  Options o = parse("a=1:depth=0:b:max_dumps=3:c=");
  EXPECT_EQ(o.max_dumps, 3u);
  EXPECT_EQ(o.depth, 32u);
  ASSERT_EQ(g_errors.size(), 4u);
  EXPECT_NE(g_errors[0].find("'a'"), std::string::npos);
  EXPECT_NE(g_errors[1].find("'depth=0'"), std::string::npos);
  EXPECT_NE(g_errors[2].find("'b'"), std::string::npos);
  EXPECT_NE(g_errors[3].find("'c'"), std::string::npos);
}

// Whatever the input, parsing terminates, reports at most one line per item,
// and leaves every option within its documented range.
TEST(Options, RandomInputNeverCrashesAndStaysInRange) {
  std::mt19937 rng(12345);
  const std::vector<std::string> words = {
      "threshold", "signal", "output", "log", "depth", "on_emfile", "at_exit", "action",
      "max_dumps", "double_close", "metrics", "=", "=", ":", ",", "%", "SIG", "RTMIN+", "USR2",
      "1", "0", "64", "65", "99999999999999999999", "4294967295", "true", "abort", " ", "\t",
      "report", "emf", "off", "none", "/tmp/x"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    int parts = (int)(rng() % 12);
    for (int i = 0; i < parts; ++i) {
      if (rng() % 4 == 0) {
        int n = 1 + (int)(rng() % 8);
        for (int k = 0; k < n; ++k) text += (char)(1 + rng() % 255);
      } else {
        text += words[rng() % words.size()];
      }
    }
    if (iter % 1000 == 0) text += std::string(rng() % 5000, (char)('a' + rng() % 26));
    Options o = parse(text);
    size_t items = 1 + std::count(text.begin(), text.end(), ':') +
                   std::count(text.begin(), text.end(), ',');
    ASSERT_LE(g_errors.size(), items) << text;
    ASSERT_TRUE(o.signal == 0 || (o.signal > 0 && o.signal < NSIG && o.signal != SIGKILL &&
                                  o.signal != SIGSTOP))
        << o.signal << " from " << text;
    ASSERT_GE(o.depth, 1u);
    ASSERT_LE(o.depth, 64u);
    ASSERT_TRUE(!o.threshold_percent || o.threshold <= 100);
    ASSERT_LE(o.threshold, 0x7fffffffu);
    ASSERT_LE(o.max_dumps, 1000000u);
    ASSERT_LT(strnlen(o.output, kPathMax), (size_t)kPathMax);
    ASSERT_LT(strnlen(o.log, kPathMax), (size_t)kPathMax);
  }
}

// A key or value with a control character (a newline in the variable) is
// echoed on one line, the character shown as '?': the message stays one
// line, and the variable cannot write lines of its own into the host's
// stderr. (Found by fuzzing: the newline went out as typed.)
TEST(Options, ControlCharactersInAKeyOrValueAreShownOnOneLine) {
  Options o = parse("bad\nkey=1:depth=x\ty\n:at_exit\r:depth=9");
  EXPECT_EQ(o.depth, 9u);
  ASSERT_EQ(g_errors.size(), 3u);
  EXPECT_EQ(g_errors[0], "fdscope: unknown option 'bad?key' in FDSCOPE_OPTIONS; keeping the default\n");
  EXPECT_EQ(g_errors[1],
            "fdscope: bad value for option 'depth=x?y?' in FDSCOPE_OPTIONS; keeping the default\n");
  EXPECT_EQ(g_errors[2],
            "fdscope: option without a value 'at_exit?' in FDSCOPE_OPTIONS; keeping the default\n");
}

}  // namespace
}  // namespace fdscope
