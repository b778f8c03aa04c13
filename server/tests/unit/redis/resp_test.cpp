#include "redis/resp.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace serendip::redis {
namespace {

std::vector<Reply> decode_all(ReplyReader& reader) {
  std::vector<Reply> out;
  while (auto r = reader.next()) out.push_back(std::move(*r));
  return out;
}

TEST(FormatCommand, ProducesRespArrayOfBulkStrings) {
  EXPECT_EQ(format_command({"GET", "key"}), "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
  std::string binary("a\0b", 3);
  static constexpr char kExpected[] = "*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$0\r\n\r\n";
  EXPECT_EQ(format_command({"SET", binary, ""}), std::string(kExpected, sizeof kExpected - 1));
}

// Our formatter against hiredis' own, on commands with 0..40 arguments of
// 0..2,000 bytes (multi-digit counts and lengths, binary bytes).
TEST(FormatCommand, MatchesHiredisFormatterByteForByte) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const auto argc = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
    std::vector<std::string> args(argc);
    std::vector<std::string_view> views;
    std::vector<const char*> ptrs;
    std::vector<std::size_t> lens;
    for (auto& a : args) {
      a.resize(std::uniform_int_distribution<std::size_t>(0, round % 3 == 0 ? 2000 : 12)(rng));
      for (auto& c : a) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    for (const auto& a : args) {
      views.emplace_back(a);
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    char* theirs = nullptr;
    const int n = redisFormatCommandArgv(&theirs, static_cast<int>(argc), ptrs.data(), lens.data());
    ASSERT_GE(n, 0);
    const std::string expected(theirs, static_cast<std::size_t>(n));
    std::free(theirs);
    ASSERT_EQ(format_command(std::span<const std::string_view>(views)), expected) << "round " << round;
  }
}

// EVALSHA <sha> ... becomes EVAL <body> ... with the rest byte for byte, as
// if it had been formatted so; anything else is refused.
TEST(ReplaceHead, SwapsTheFirstTwoArgumentsAndKeepsTheRest) {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> rest(std::uniform_int_distribution<std::size_t>(0, 30)(rng));
    for (auto& a : rest) {
      a.resize(std::uniform_int_distribution<std::size_t>(0, round % 4 == 0 ? 3000 : 15)(rng));
      for (auto& c : a) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    std::string body(std::uniform_int_distribution<std::size_t>(0, 20000)(rng), '\r');
    std::vector<std::string_view> sha{"EVALSHA", "0123456789abcdef0123456789abcdef01234567"};
    std::vector<std::string_view> eval{"EVAL", body};
    for (const auto& a : rest) {
      sha.emplace_back(a);
      eval.emplace_back(a);
    }
    auto swapped = replace_head(format_command(std::span<const std::string_view>(sha)), "EVAL", body);
    ASSERT_TRUE(swapped) << "round " << round;
    ASSERT_EQ(*swapped, format_command(std::span<const std::string_view>(eval))) << "round " << round;
  }
  EXPECT_FALSE(replace_head(format_command({"PING"}), "a", "b"));
  EXPECT_FALSE(replace_head("", "a", "b"));
  EXPECT_FALSE(replace_head("*2\r\n$3\r\nGET\r\n$9\r\nkey\r\n", "a", "b"));  // cut short
  EXPECT_FALSE(replace_head("*x\r\n", "a", "b"));
  EXPECT_FALSE(replace_head("*2\r\n$3GET\r\n", "a", "b"));
}

TEST(ReplyReader, DecodesEveryType) {
  ReplyReader reader;
  reader.feed("+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n:1\r\n$-1\r\n*1\r\n+x\r\n*0\r\n:-7\r\n");
  auto replies = decode_all(reader);
  ASSERT_EQ(replies.size(), 8u);
  EXPECT_TRUE(replies[0].ok());
  EXPECT_TRUE(replies[1].is_error());
  EXPECT_EQ(replies[1].str(), "ERR wrong");
  EXPECT_EQ(replies[1].error_code(), "ERR");
  EXPECT_EQ(replies[1].client_error(), ClientError::none);
  EXPECT_EQ(replies[2], Reply::integer(42));
  EXPECT_EQ(replies[3], Reply::string("hello"));
  EXPECT_TRUE(replies[4].is_nil());
  EXPECT_EQ(replies[5], Reply::array({Reply::integer(1), Reply::nil(), Reply::array({Reply::status("x")})}));
  EXPECT_TRUE(replies[6].is_array());
  EXPECT_TRUE(replies[6].elements().empty());
  EXPECT_EQ(replies[7].integer(), -7);
  EXPECT_TRUE(reader.error().empty());
}

TEST(ReplyReader, AssemblesRepliesSplitAnywhere) {
  std::string wire = "*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$12\r\nhello\r\nworld\r\n:5\r\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    ReplyReader reader;
    reader.feed(std::string_view(wire).substr(0, cut));
    auto first = decode_all(reader);
    reader.feed(std::string_view(wire).substr(cut));
    auto second = decode_all(reader);
    first.insert(first.end(), second.begin(), second.end());
    ASSERT_EQ(first.size(), 2u) << cut;
    EXPECT_EQ(first[0].elements()[2].str(), "hello\r\nworld");  // binary-safe payload
    EXPECT_EQ(first[1].integer(), 5);
  }
}

TEST(ReplyReader, ProtocolErrorIsReportedAndSticky) {
  ReplyReader reader;
  reader.feed("?what\r\n");
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.error().empty());
  reader.feed("+OK\r\n");
  EXPECT_FALSE(reader.next());
}

TEST(Reply, Helpers) {
  EXPECT_EQ(Reply::string("12").as_integer(), 12);
  EXPECT_FALSE(Reply::string("12x").as_integer());
  EXPECT_FALSE(Reply::string("").as_integer());
  EXPECT_EQ(Reply::status("PONG").as_string(), "PONG");
  EXPECT_FALSE(Reply::integer(1).as_string());
  auto strings = Reply::array({Reply::string("a"), Reply::nil(), Reply::integer(3)}).as_strings();
  ASSERT_TRUE(strings);
  EXPECT_EQ(*strings, (std::vector<std::string>{"a", "", "3"}));
  EXPECT_FALSE(Reply::array({Reply::array({})}).as_strings());
  auto local = Reply::client_error(ClientError::timeout, "command timed out");
  EXPECT_TRUE(local.is_error());
  EXPECT_EQ(local.client_error(), ClientError::timeout);
  EXPECT_EQ(to_string(local.client_error()), "timeout");
  EXPECT_EQ(Reply::array({Reply::string("a"), Reply::integer(1)}).to_debug_string(), "[\"a\", (integer) 1]");
}

TEST(Reply, MovesCheaply) {
  auto a = Reply::string(std::string(1000, 'x'));
  const char* data = a.str().data();
  Reply b = std::move(a);
  EXPECT_EQ(b.str().data(), data);
}

}  // namespace
}  // namespace serendip::redis
