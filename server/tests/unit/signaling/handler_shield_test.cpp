// shield_blur (docs/protocol.md section 5): the viewer's safety shield hid the
// stranger's video. Counted once per session (also just after it ended), for
// a session of the sender's only; it feeds the abuse detector's shield_blur
// rule with the peer's device as the subject and the sender's as the viewer;
// when the rule fires the peer owes a CAPTCHA and its reports are reviewed
// first (offloaded: a database commit). Never a reply on success.
#include <gtest/gtest.h>

#include <string>

#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

constexpr char kPeerDevice[] = "peer-device-key";

std::string blur(std::int64_t id, std::string_view session = kSession) {
  return R"({"type":"shield_blur","id":)" + std::to_string(id) + R"(,"sessionId":")" + std::string(session) + "\"}";
}

RigOptions one_viewer_is_enough() {
  RigOptions o;
  o.abuse.shield_blur.count = 1;
  return o;
}

TEST(HandlerShield, AnUnknownSessionIsNotInSession) {
  Rig f;
  f.ready();
  f.text(blur(3, "not-mine"));
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"not_in_session","message":"unknown session","re":3})"));
  EXPECT_EQ(f.metrics.shield_blurs.value(), 0u);
}

TEST(HandlerShield, CountedOncePerSessionWithoutAReply) {
  Rig f;
  f.ready();
  f.matched();
  f.moderation.peers[kSession] = kPeerDevice;
  f.text(blur(1));
  f.text(blur(2));
  f.text(blur(3));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.shield_blurs.value(), 1u);
  // Below the rule's threshold (3 distinct viewers by default): nothing else happens.
  EXPECT_TRUE(f.port.jobs.empty());
  EXPECT_EQ(f.detector.needs_captcha(kPeerDevice), std::nullopt);

  // A new session counts again.
  f.matched("session-two");
  f.text(blur(4, "session-two"));
  EXPECT_EQ(f.metrics.shield_blurs.value(), 2u);
}

TEST(HandlerShield, WhenTheRuleFiresThePeerOwesACaptchaAndItsReportsGoFirst) {
  Rig f(one_viewer_is_enough());
  f.ready();
  f.matched();
  f.moderation.peers[kSession] = kPeerDevice;
  f.text(blur(1));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.shield_flags.value(), 1u);
  EXPECT_EQ(f.detector.needs_captcha(kPeerDevice), kCaptchaDifficulty);
  EXPECT_EQ(f.detector.needs_captcha(kDevice), std::nullopt);  // never the viewer
  ASSERT_EQ(f.port.jobs.size(), 1u);
  EXPECT_TRUE(f.moderation.flagged.empty());  // off the connection's thread
  f.port.complete_next_job();
  EXPECT_EQ(f.moderation.flagged, std::vector<std::string>{kPeerDevice});
}

TEST(HandlerShield, JustAfterTheSessionEndedItStillCounts) {
  Rig f(one_viewer_is_enough());
  f.ready();
  f.matched();
  f.moderation.peers[kSession] = kPeerDevice;
  f.handler.on_peer_left(kSession, core::LeaveReason::next);
  f.port.forget();
  f.text(blur(1));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.shield_blurs.value(), 1u);
  EXPECT_EQ(f.detector.needs_captcha(kPeerDevice), kCaptchaDifficulty);
}

TEST(HandlerShield, AnUnknownPeerDeviceIsCountedButFeedsNoRule) {
  Rig f(one_viewer_is_enough());
  f.ready();
  f.matched();  // no peer device known
  f.text(blur(1));
  EXPECT_EQ(f.metrics.shield_blurs.value(), 1u);
  EXPECT_EQ(f.metrics.shield_flags.value(), 0u);
  EXPECT_TRUE(f.port.jobs.empty());
}

TEST(HandlerShield, AMissingSessionIdIsABadRequest) {
  Rig f;
  f.ready();
  f.text(R"({"type":"shield_blur","id":5})");
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(RecordingPort::type_of(f.port.sent[0]), "error");
  EXPECT_EQ(f.port.sent[0].at("code").as_string(), "bad_request");
}

}  // namespace
}  // namespace serendip::signaling::testing
