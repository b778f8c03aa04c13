#include "obs/log.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

namespace serendip::obs {
namespace {

constexpr std::int64_t kTs = 1'795'629'600'123;  // 2026-11-25T18:00:00.123Z

TEST(Log, FormatsOneJsonLine) {
  EXPECT_EQ(format_line(Level::info, "matchmaker", "matched",
                        {{"session", "abc"}, {"waited_ms", 1200}, {"ratio", 0.5}, {"relay", true}}, kTs),
            R"({"ts":"2026-11-25T18:00:00.123Z","level":"info","component":"matchmaker","event":"matched",)"
            R"("session":"abc","waited_ms":1200,"ratio":0.5,"relay":true})"
            "\n");
  EXPECT_EQ(format_line(Level::warn, "c", "e", {}, 0),
            R"({"ts":"1970-01-01T00:00:00.000Z","level":"warn","component":"c","event":"e"})"
            "\n");
}

TEST(Log, EscapesStrings) {
  const std::string line = format_line(Level::error, "c\"x", "e", {{"k\n", "a\\b\"c\n\r\t\x01\x7f"}}, kTs);
  EXPECT_NE(line.find(R"("component":"c\"x")"), std::string::npos);
  EXPECT_NE(line.find(R"("k\n":"a\\b\"c\n\r\t\u0001\u007f")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // exactly one line
}

TEST(Log, Utf8PassesInvalidBytesReplaced) {
  const std::string line =
      format_line(Level::info, "c", "e", {{"name", "caf\xc3\xa9 \xff \xed\xa0\x80 \xc0\xaf"}}, kTs);
  EXPECT_NE(line.find("\"caf\xc3\xa9 \\ufffd \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\""), std::string::npos) << line;
}

TEST(Log, NonFiniteDoublesAreNull) {
  const std::string line = format_line(Level::info, "c", "e", {{"x", std::nan("")}, {"y", 1e300 * 1e300}}, kTs);
  EXPECT_NE(line.find(R"("x":null,"y":null)"), std::string::npos) << line;
}

TEST(Log, Levels) {
  Level l = Level::info;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::debug);
  EXPECT_TRUE(parse_level("warn", l));
  EXPECT_EQ(l, Level::warn);
  EXPECT_TRUE(parse_level("error", l));
  EXPECT_TRUE(parse_level("info", l));
  EXPECT_EQ(l, Level::info);
  EXPECT_FALSE(parse_level("verbose", l));
  EXPECT_FALSE(parse_level("INFO", l));

  set_level(Level::warn);
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::warn));
  EXPECT_TRUE(enabled(Level::error));
  set_level(Level::info);
  EXPECT_TRUE(enabled(Level::info));
  EXPECT_FALSE(enabled(Level::debug));
}

TEST(Log, WritesWholeLinesToStdoutFromManyThreads) {
  set_level(Level::info);
  testing::internal::CaptureStdout();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) log(Level::info, "test", "tick", {{"thread", t}, {"i", i}});
      log(Level::debug, "test", "hidden");
    });
  }
  for (auto& th : threads) th.join();
  const std::string out = testing::internal::GetCapturedStdout();
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t end = out.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const std::string line = out.substr(start, end - start);
    EXPECT_EQ(line.front(), '{');
    EXPECT_EQ(line.back(), '}');
    EXPECT_NE(line.find(R"("event":"tick")"), std::string::npos);
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, 800u);
}

}  // namespace
}  // namespace serendip::obs
