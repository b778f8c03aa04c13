// join, next and leave on a ready connection (docs/protocol.md sections 5, 9
// and 11): what reaches the hub, and every refusal before it does (draining,
// a block, the device's rate limit, a CAPTCHA the device owes or the abuse
// detector demands). A refused next still ends the session: the hub is told
// `leave` without `re`.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

constexpr char kJoin[] = R"({"type":"join","id":%ID%,"mode":"video","languages":["en"]})";
constexpr char kNext[] = R"({"type":"next","id":%ID%})";

std::string with_id(std::string_view templ, std::int64_t id) {
  std::string s(templ);
  s.replace(s.find("%ID%"), 4, std::to_string(id));
  return s;
}

// The two matchmaking commands side by side, for the rows they share.
struct Command {
  const char* name;
  const char* frame;  // with %ID%
  abuse::Limit limit;
  HubOp op;
  const char* too_many;
  bool refusal_leaves;  // a refused next still ends the session
};
const Command kCommands[] = {
    {"join", kJoin, abuse::Limit::join_per_device, HubOp::join, "too many joins", false},
    {"next", kNext, abuse::Limit::next_per_device, HubOp::next, "too many nexts", true},
};

// What the hub got for one refused command.
void expect_refusal_side_effects(const Rig& f, const Command& c) {
  if (c.refusal_leaves) {
    ASSERT_EQ(f.port.hub.size(), 1u);
    EXPECT_EQ(f.port.hub[0].op, HubOp::leave);
    EXPECT_EQ(f.port.hub[0].re, std::nullopt);
  } else {
    EXPECT_TRUE(f.port.hub.empty());
  }
}

TEST(HandlerMatchmaking, JoinGoesToTheHubWithItsNormalizedPreferencesAndId) {
  Rig f;
  f.ready();
  f.text(R"({"type":"join","id":2,"mode":"text","languages":["en-US","de"],"region":"eu",
             "interests":["  Music ","chess"]})");
  EXPECT_TRUE(f.port.sent.empty());
  ASSERT_EQ(f.port.hub.size(), 1u);
  const HubCall& c = f.port.hub[0];
  EXPECT_EQ(c.op, HubOp::join);
  EXPECT_EQ(c.re, 2);
  EXPECT_EQ(c.prefs.mode, core::Mode::text);
  EXPECT_EQ(c.prefs.languages, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(c.prefs.region, "EU");
  EXPECT_EQ(c.prefs.interests, (std::vector<std::string>{"music", "chess"}));
  // join looks for a block made since the hello
  EXPECT_EQ(f.moderation.block_checks, (std::vector<std::pair<std::string, std::string>>{{kClientIp, kDevice}}));
}

TEST(HandlerMatchmaking, NextAndLeaveGoToTheHubWithTheirIds) {
  Rig f;
  f.ready();
  f.text(R"({"type":"next","id":5})");
  f.text(R"({"type":"leave","id":6})");
  f.text(R"({"type":"leave"})");
  f.text(R"({"type":"join","mode":"video","languages":["en"]})");
  EXPECT_TRUE(f.port.sent.empty());
  ASSERT_EQ(f.port.hub.size(), 4u);
  EXPECT_EQ(f.port.hub[0].op, HubOp::next);
  EXPECT_EQ(f.port.hub[0].re, 5);
  EXPECT_EQ(f.port.hub[1].op, HubOp::leave);
  EXPECT_EQ(f.port.hub[1].re, 6);
  EXPECT_EQ(f.port.hub[2].op, HubOp::leave);
  EXPECT_EQ(f.port.hub[2].re, std::nullopt);
  EXPECT_EQ(f.port.hub[3].op, HubOp::join);
  EXPECT_EQ(f.port.hub[3].re, std::nullopt);
  EXPECT_EQ(f.moderation.block_checks.size(), 1u);  // join only: next and leave are not checked
}

TEST(HandlerMatchmaking, NextBeforeAnyJoinIsNotInSession) {
  Rig f;
  f.ready();
  f.port.next_result = false;
  f.text(R"({"type":"next","id":5})");
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"not_in_session","message":"join first","re":5})"));
  EXPECT_EQ(f.port.hub_calls(HubOp::next).size(), 1u);
  EXPECT_TRUE(f.port.hub_calls(HubOp::leave).empty());
  EXPECT_EQ(f.metrics.client_errors.value(), 1u);
}

TEST(HandlerMatchmaking, WhileDrainingJoinAndNextAreUnavailableAndLeaveIsServed) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    Rig f;
    f.ready();
    f.drain.start();
    f.text(with_id(c.frame, 3));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0],
              obj(R"({"type":"error","code":"unavailable","message":"server is draining; reconnect","re":3})"));
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_TRUE(f.port.closes.empty());
    f.text(R"({"type":"leave","id":4})");
    ASSERT_EQ(f.port.hub.size(), 1u);
    EXPECT_EQ(f.port.hub[0].op, HubOp::leave);
    EXPECT_EQ(f.port.hub[0].re, 4);
  }
}

TEST(HandlerMatchmaking, JoinByABlockedIpOrDeviceIsBannedThen4003) {
  for (const char* key : {kClientIp, kDevice}) {
    SCOPED_TRACE(key);
    Rig f;
    f.ready();
    f.moderation.blocks[key] = moderation::BlockInfo{.block_id = 3, .until = std::nullopt, .reason = "spam"};
    f.text(with_id(kJoin, 3));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"banned","until":null,"reason":"spam","appealable":true})"));
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4003, "banned"}}));
    EXPECT_TRUE(f.port.hub.empty());
    // Closed: nothing more is handled.
    f.text(with_id(kJoin, 4));
    EXPECT_EQ(f.port.sent.size(), 1u);
    EXPECT_TRUE(f.port.hub.empty());
  }
}

TEST(HandlerMatchmaking, NextIsNotCheckedForBlocks) {
  Rig f;
  f.ready();
  f.moderation.blocks[kDevice] = moderation::BlockInfo{.block_id = 3, .until = std::nullopt, .reason = "spam"};
  f.text(with_id(kNext, 3));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_EQ(f.port.hub_calls(HubOp::next).size(), 1u);
}

TEST(HandlerMatchmaking, OverTheDeviceLimitIsRateLimitedWithRetryAfter) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    RigOptions o;
    o.rate_limits[c.limit] = abuse::LimitSpec{20, 60'000, 2};  // one token every 3 s
    Rig f(o);
    f.ready();
    f.text(with_id(c.frame, 1));
    f.text(with_id(c.frame, 2));
    ASSERT_EQ(f.port.hub_calls(c.op).size(), 2u);
    f.port.forget();

    f.text(with_id(c.frame, 3));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"rate_limited","message":")" + std::string(c.too_many) +
                                  R"(","re":3,"retryAfterMs":3000})"));
    expect_refusal_side_effects(f, c);
    EXPECT_EQ(f.metrics.client_errors.value(), 1u);
    EXPECT_EQ(f.metrics.captchas_issued.value(), 0u);
    // The detector was told, and (captcha_on_rate_limited off) asks for nothing.
    const auto watch = f.detector.watch_list();
    ASSERT_EQ(watch.size(), 1u);
    EXPECT_EQ(watch[0].rule, abuse::Rule::rate_limited);
    EXPECT_EQ(watch[0].subject, kDevice);
    EXPECT_EQ(f.detector.needs_captcha(kDevice), std::nullopt);

    f.port.forget();
    f.clock.advance(2'999);
    f.text(with_id(c.frame, 4));
    EXPECT_TRUE(f.port.hub_calls(c.op).empty());
    f.port.forget();
    f.clock.advance(1);
    f.text(with_id(c.frame, 5));
    EXPECT_TRUE(f.port.sent.empty());
    ASSERT_EQ(f.port.hub_calls(c.op).size(), 1u);
    EXPECT_EQ(f.port.hub_calls(c.op)[0].re, 5);
  }
}

TEST(HandlerMatchmaking, OverTheDeviceLimitWithCaptchaOnRateLimitedIsACaptcha) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    RigOptions o;
    o.rate_limits[c.limit] = abuse::LimitSpec{20, 60'000, 1};
    o.abuse.captcha_on_rate_limited = true;
    Rig f(o);
    f.ready();
    f.text(with_id(c.frame, 1));
    f.port.forget();
    f.text(with_id(c.frame, 2));
    ASSERT_EQ(f.port.sent.size(), 1u);
    const json::object& m = f.port.sent[0];
    EXPECT_EQ(RecordingPort::type_of(m), "captcha_required");
    EXPECT_EQ(m.at("re"), 2);
    EXPECT_EQ(Rig::challenge_of(m).maxnumber, kCaptchaDifficulty);
    expect_refusal_side_effects(f, c);
    EXPECT_EQ(f.metrics.captchas_issued.value(), 1u);
    EXPECT_EQ(f.metrics.client_errors.value(), 0u);
  }
}

TEST(HandlerMatchmaking, WhenTheDetectorDemandsACaptchaEveryAttemptGetsANewChallengeUntilSolved) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    RigOptions o;
    (c.op == HubOp::join ? o.abuse.rapid_join : o.abuse.rapid_next) = abuse::ThresholdRule{3, 60'000, true};
    Rig f(o);
    f.ready();
    f.text(with_id(c.frame, 1));
    f.text(with_id(c.frame, 2));
    ASSERT_EQ(f.port.hub_calls(c.op).size(), 2u);
    EXPECT_TRUE(f.port.sent.empty());
    f.port.forget();

    // The third within the window trips the rule; the fourth finds it owed.
    f.text(with_id(c.frame, 3));
    f.text(with_id(c.frame, 4));
    ASSERT_EQ(f.port.sent.size(), 2u);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(RecordingPort::type_of(f.port.sent[i]), "captcha_required");
      EXPECT_EQ(f.port.sent[i].at("re"), 3 + i);
      EXPECT_EQ(Rig::challenge_of(f.port.sent[i]).maxnumber, kCaptchaDifficulty);
    }
    EXPECT_NE(Rig::challenge_of(f.port.sent[0]).challenge, Rig::challenge_of(f.port.sent[1]).challenge);
    EXPECT_TRUE(f.port.hub_calls(c.op).empty());
    EXPECT_EQ(f.port.hub_calls(HubOp::leave).size(), c.refusal_leaves ? 2u : 0u);
    for (const HubCall& l : f.port.hub_calls(HubOp::leave)) EXPECT_EQ(l.re, std::nullopt);
    EXPECT_EQ(f.metrics.captchas_issued.value(), 2u);
    EXPECT_EQ(f.detector.needs_captcha(kDevice), kCaptchaDifficulty);

    // Solved: the next attempt goes through.
    const std::string payload = Rig::solved(Rig::challenge_of(f.port.sent[1]));
    f.port.forget();
    f.text(Rig::captcha_frame(payload, 5));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"captcha_ok","re":5})"));
    f.text(with_id(c.frame, 6));
    ASSERT_EQ(f.port.hub_calls(c.op).size(), 1u);
    EXPECT_EQ(f.port.hub_calls(c.op)[0].re, 6);
    EXPECT_EQ(f.port.sent.size(), 1u);
  }
}

TEST(HandlerMatchmaking, TheNextLimitIsTakenBeforeJoinFirst) {
  RigOptions o;
  o.rate_limits[abuse::Limit::next_per_device] = abuse::LimitSpec{20, 60'000, 1};
  Rig f(o);
  f.ready();
  f.port.next_result = false;
  f.text(with_id(kNext, 1));
  f.text(with_id(kNext, 2));
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"not_in_session","message":"join first","re":1})"));
  EXPECT_EQ(f.port.sent[1],
            obj(R"({"type":"error","code":"rate_limited","message":"too many nexts","re":2,"retryAfterMs":3000})"));
}

TEST(HandlerMatchmaking, JoinAndNextHaveTheirOwnLimits) {
  RigOptions o;
  o.rate_limits[abuse::Limit::join_per_device] = abuse::LimitSpec{20, 60'000, 1};
  Rig f(o);
  f.ready();
  f.text(with_id(kJoin, 1));
  f.text(with_id(kJoin, 2));  // refused
  f.text(with_id(kNext, 3));  // its own bucket
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0].at("re"), 2);
  EXPECT_EQ(f.port.hub_calls(HubOp::join).size(), 1u);
  ASSERT_EQ(f.port.hub_calls(HubOp::next).size(), 1u);
  EXPECT_EQ(f.port.hub_calls(HubOp::next)[0].re, 3);
}

// A gate that answers later (shared through Redis): the connection holds the
// client's next frames and stays alive until the answer, then goes on.
TEST(HandlerMatchmaking, ALateGateAnswerHoldsTheConnectionUntilItComes) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    Rig f;
    f.ready();
    if (c.op == HubOp::next) f.matched();
    f.gate.defer = true;
    f.text(with_id(c.frame, 5));
    EXPECT_TRUE(f.port.held);
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_GT(f.port.alive.use_count(), 1) << "the pending answer keeps the connection";
    f.gate.answer_next();
    EXPECT_FALSE(f.port.held);
    ASSERT_EQ(f.port.hub.size(), 1u);
    EXPECT_EQ(f.port.hub[0].op, c.op);
    EXPECT_EQ(f.port.hub[0].re, 5);
    EXPECT_EQ(f.port.alive.use_count(), 1);
  }
}

TEST(HandlerMatchmaking, ALateGateAnswerToAClosedConnectionDoesNothing) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    Rig f;
    f.ready();
    f.gate.defer = true;
    f.text(with_id(c.frame, 5));
    f.handler.on_closed();
    f.port.forget();
    f.gate.answer_next();
    EXPECT_FALSE(f.port.held) << "released, so the transport can tear down";
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_TRUE(f.port.sent.empty());
  }
}

TEST(HandlerMatchmaking, ALateRefusalIsAnsweredWhenItComes) {
  for (const Command& c : kCommands) {
    SCOPED_TRACE(c.name);
    RigOptions o;
    o.rate_limits[c.limit] = abuse::LimitSpec{1, 60'000, 1};
    Rig f(o);
    f.ready();
    f.text(with_id(c.frame, 1));
    f.port.forget();
    f.gate.defer = true;
    f.text(with_id(c.frame, 2));
    EXPECT_TRUE(f.port.sent.empty());
    f.gate.answer_next();
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0].at("code"), "rate_limited");
    EXPECT_EQ(f.port.sent[0].at("re"), 2);
  }
}

}  // namespace
}  // namespace serendip::signaling::testing
