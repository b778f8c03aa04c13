// Every frame of a ready connection (docs/protocol.md sections 2, 4 and 11.1):
// the per-socket message budget (rate_limited at most once a second, close
// 1008 when flooding, refused frames never handled), binary frames, and
// frames the decoder refuses, with `re` whenever their id could be read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

constexpr char kLeave[] = R"({"type":"leave","id":1})";

// Sends `n` leave frames at the current time.
void leaves(Rig& f, int n) {
  for (int i = 0; i < n; ++i) f.text(kLeave);
}

TEST(HandlerBudget, OverTheRateFramesAreDroppedWithOneRateLimitedErrorASecond) {
  Rig f;      // 50 per second, burst 100
  f.ready();  // the hello took one token
  leaves(f, 99);
  EXPECT_EQ(f.port.hub.size(), 99u);
  EXPECT_TRUE(f.port.sent.empty());

  leaves(f, 2);  // the bucket is empty: both dropped, one error without `re`
  EXPECT_EQ(f.port.hub.size(), 99u);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0],
            obj(R"({"type":"error","code":"rate_limited","message":"too many messages","retryAfterMs":21})"));
  EXPECT_EQ(f.metrics.rate_limited.value(), 2u);
  EXPECT_EQ(f.metrics.client_errors.value(), 1u);

  f.port.forget();
  f.clock.advance(500);  // 25 tokens
  leaves(f, 26);         // the 26th is dropped silently: the last error is 500 ms old
  EXPECT_EQ(f.port.hub.size(), 25u);
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.rate_limited.value(), 3u);

  f.port.forget();
  f.clock.advance(500);  // 25 more; the last error is a second old
  leaves(f, 26);
  EXPECT_EQ(f.port.hub.size(), 25u);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0].at("code"), "rate_limited");
  EXPECT_EQ(f.port.sent[0].at("retryAfterMs"), 21);
  EXPECT_EQ(f.metrics.rate_limited.value(), 4u);
  EXPECT_TRUE(f.port.closes.empty());
}

TEST(HandlerBudget, RetryAfterIsTheTimeToTheNextToken) {
  RigOptions o;
  o.limits.messages_per_second = 4;
  o.limits.messages_burst = 2;
  Rig f(o);
  f.ready();
  f.text(kLeave);        // the bucket is empty
  f.clock.advance(125);  // half a token
  f.text(kLeave);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0].at("retryAfterMs"), 126);  // 125 ms to go, rounded up by one
}

TEST(HandlerBudget, AFloodIsClosedWith1008) {
  Rig f;
  f.ready();
  leaves(f, 99);
  leaves(f, 100);  // refused, the flood score reaches the burst: still open
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_EQ(f.port.sent.size(), 1u);  // one error for all of them
  f.text(kLeave);                     // the score passes the burst
  EXPECT_EQ(f.port.closes, (std::vector<Close>{{1008, "flooding"}}));
  EXPECT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.metrics.rate_limited.value(), 101u);
  EXPECT_EQ(f.port.hub.size(), 99u);
  // Closed: frames are neither handled nor counted.
  f.clock.advance(10'000);
  leaves(f, 5);
  EXPECT_EQ(f.port.hub.size(), 99u);
  EXPECT_EQ(f.metrics.rate_limited.value(), 101u);
  EXPECT_EQ(f.port.closes.size(), 1u);
}

TEST(HandlerBudget, AClientWithinTheRateIsNeverLimited) {
  Rig f;
  f.ready();
  for (int i = 0; i < 4'000; ++i) {  // 40 per second for 100 s
    f.text(kLeave);
    f.clock.advance(25);
  }
  EXPECT_EQ(f.port.hub.size(), 4'000u);
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.rate_limited.value(), 0u);
}

TEST(HandlerFrames, ABinaryFrameAfterHelloIsABadRequestAndTheSocketStaysOpen) {
  Rig f;
  f.ready();
  f.binary(kLeave);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0],
            obj(R"({"type":"error","code":"bad_request","message":"binary frames are not supported"})"));
  EXPECT_TRUE(f.port.hub.empty());
  EXPECT_TRUE(f.port.closes.empty());
  f.text(kLeave);
  EXPECT_EQ(f.port.hub.size(), 1u);
}

TEST(HandlerFrames, AFrameTheDecoderRefusesIsAnErrorWithReWhenItsIdIsReadable) {
  struct Case {
    std::string frame;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {R"([1])", R"({"type":"error","code":"bad_request","message":"frame must be a JSON object"})"},
      {R"({"type":"leave","id":"12"})",
       R"({"type":"error","code":"bad_request","message":"field \"id\" must be an integer"})"},
      {R"({"id":11})", R"({"type":"error","code":"bad_request","message":"missing field \"type\"","re":11})"},
      {R"({"type":"chat","id":10})",
       R"({"type":"error","code":"bad_request","message":"unknown message type \"chat\"","re":10})"},
      {R"({"type":"join","id":9,"mode":"video","languages":["en"],"region":null})",
       R"({"type":"error","code":"bad_request","message":"field \"region\" must be a string","re":9})"},
      {R"({"type":"offer","id":8,"sessionId":"9c524e6a338248324272ae7cee3719e1","sdp":")" + std::string(16'385, 'a') +
           R"("})",
       R"({"type":"error","code":"too_large","message":"field \"sdp\" exceeds 16384 bytes","re":8})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    Rig f;
    f.ready();
    f.matched();
    f.text(c.frame);
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(c.expected));
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_TRUE(f.port.relays.empty());
    EXPECT_TRUE(f.port.closes.empty());
    EXPECT_EQ(f.metrics.client_errors.value(), 1u);
  }
}

TEST(HandlerFrames, MalformedJsonAfterHelloIsABadRequestWithoutRe) {
  Rig f;
  f.ready();
  f.text(R"({"type":"leave","id":5,)");
  ASSERT_EQ(f.port.sent.size(), 1u);
  const json::object& e = f.port.sent[0];
  EXPECT_EQ(e.at("type"), "error");
  EXPECT_EQ(e.at("code"), "bad_request");
  EXPECT_EQ(std::string(e.at("message").as_string()).rfind("frame is not valid JSON: ", 0), 0u) << e;
  EXPECT_FALSE(e.contains("re"));
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_TRUE(f.port.hub.empty());
}

}  // namespace
}  // namespace serendip::signaling::testing
