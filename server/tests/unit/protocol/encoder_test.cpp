// Encoders: escaping of arbitrary strings, optional members, compact output.
// The exact shapes of every message are pinned by server-messages.json.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "protocol/codec.hpp"

namespace serendip::protocol {
namespace {

namespace json = boost::json;

json::object parsed(const std::string& frame) {
  json::error_code ec;
  json::value v = json::parse(frame, ec);
  EXPECT_FALSE(ec) << frame;
  return ec ? json::object{} : v.as_object();
}

TEST(Encoders, EscapeQuotesBackslashesAndControlCharacters) {
  std::string message = "say \"hi\" \\ /";
  for (char c = 1; c < 0x20; ++c) message.push_back(c);
  message.push_back('\x7f');
  message.push_back('\0');
  std::string frame = encode_error(core::ErrorCode::bad_request, message, 1);

  // No raw control byte reaches the wire; the text round-trips exactly.
  for (char c : frame) EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << frame;
  EXPECT_NE(frame.find(R"(say \"hi\" \\ /)"), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"(\u0001)"), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"(\n)"), std::string::npos) << frame;
  EXPECT_NE(frame.find(R"(\u0000)"), std::string::npos) << frame;
  EXPECT_EQ(parsed(frame).at("message").as_string(), message);
}

TEST(Encoders, UnicodePassesThroughAsUtf8) {
  const std::string text = "ünïcödé 日本語 😀 \u2028";
  std::string frame = encode_report_ack(text, std::nullopt);
  EXPECT_NE(frame.find("日本語 😀"), std::string::npos) << frame;  // not \u-escaped
  EXPECT_EQ(parsed(frame).at("reportId").as_string(), text);
}

TEST(Encoders, OutputIsCompactWithTypeFirst) {
  EXPECT_EQ(encode_left(std::nullopt), R"({"type":"left"})");
  EXPECT_EQ(encode_left(3), R"({"type":"left","re":3})");
  EXPECT_EQ(encode_queued(std::nullopt, std::nullopt), R"({"type":"queued"})");
  EXPECT_EQ(encode_draining(1000), R"({"type":"draining","reconnectAfterMs":1000})");
  EXPECT_EQ(encode_error(core::ErrorCode::rate_limited, "slow", std::nullopt, 50),
            R"({"type":"error","code":"rate_limited","message":"slow","retryAfterMs":50})");
}

TEST(Encoders, WelcomeOmitsEmptyCredentials) {
  std::vector<core::IceServer> servers = {
      {{"stun:a:3478"}, "", ""},
      {{"turn:b:3478"}, "123:u", ""},
      {{"turn:c:3478", "turns:c:5349"}, "123:u", "c3ln"},
  };
  json::object o = parsed(encode_welcome("u", servers, WireLimits{32768, 16384, 1024, 50, 100}, std::nullopt));
  const json::array& s = o.at("iceServers").as_array();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].as_object().size(), 1u);
  EXPECT_FALSE(s[1].as_object().contains("credential"));
  EXPECT_EQ(s[1].as_object().at("username").as_string(), "123:u");
  EXPECT_EQ(s[2].as_object().at("urls").as_array().size(), 2u);
  EXPECT_FALSE(o.contains("re"));
  EXPECT_EQ(o.at("limits").as_object().at("messagesBurst").as_int64(), 100);
}

TEST(Encoders, MatchedRegionIsNullWhenUnknown) {
  core::MatchedEvent e{1, 2, "sid", core::Role::answerer, core::PeerInfo{{"en"}, "", {}}, 10};
  json::object o = parsed(encode_matched(e));
  EXPECT_TRUE(o.at("peer").as_object().at("region").is_null());
  EXPECT_FALSE(o.contains("waitedMs"));  // server-side only
  e.peer_info.region = "EU";
  EXPECT_EQ(parsed(encode_matched(e)).at("peer").as_object().at("region").as_string(), "EU");
}

TEST(Encoders, EveryErrorCodeHasItsWireName) {
  for (int i = 0; i <= static_cast<int>(core::ErrorCode::internal); ++i) {
    auto c = static_cast<core::ErrorCode>(i);
    EXPECT_EQ(parsed(encode_error(c, "m", std::nullopt)).at("code").as_string(), core::wire_name(c));
  }
}

}  // namespace
}  // namespace serendip::protocol
