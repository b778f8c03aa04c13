// The session as the handler keeps it from the hub's events (docs/protocol.md
// sections 6, 7, 9 and 16): offer/answer/ice relayed byte for byte within the
// current session only; ice_result counted once per session, also just after
// it ended; and the frames each hub event produces, none after the connection
// closed.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

std::string offer(std::string_view session, std::int64_t id) {
  return R"({"type":"offer","id":)" + std::to_string(id) + R"(,"sessionId":")" + std::string(session) +
         R"(","sdp":"v=0\r\n"})";
}

TEST(HandlerRelay, OfferAnswerAndIceOfTheCurrentSessionAreRelayedAsSent) {
  const std::string frames[] = {
      R"({"type":"offer","id":4,"sessionId":"9c524e6a338248324272ae7cee3719e1","sdp":"v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n","extra":[1,{"x":null}]})",
      R"({ "type" : "answer" , "sessionId":"9c524e6a338248324272ae7cee3719e1", "sdp":"" })",
      R"({"type":"ice","sessionId":"9c524e6a338248324272ae7cee3719e1","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.3 54400 typ srflx","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}})",
      R"({"type":"ice","sessionId":"9c524e6a338248324272ae7cee3719e1","candidate":null,"id":-3})",
  };
  Rig f;
  f.ready();
  f.matched();
  std::uint64_t n = 0;
  for (const std::string& frame : frames) {
    SCOPED_TRACE(frame);
    f.text(frame);
    ++n;
    ASSERT_EQ(f.port.relays.size(), n);
    EXPECT_EQ(f.port.relays.back(), frame);  // the client's bytes, not a re-encoding
    EXPECT_EQ(f.metrics.relayed.value(), n);
  }
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(f.metrics.client_errors.value(), 0u);
}

TEST(HandlerRelay, ARelayOutsideTheNamedSessionIsNotInSession) {
  struct Case {
    const char* what;
    std::function<void(Rig&)> setup;
  };
  const Case cases[] = {
      {"never matched", [](Rig&) {}},
      {"matched in another session", [](Rig& f) { f.matched(kOtherSession); }},
      {"after the peer left",
       [](Rig& f) {
         f.matched();
         EXPECT_TRUE(f.handler.on_peer_left(kSession, core::LeaveReason::next));
       }},
      {"after its own command ended the session",
       [](Rig& f) {
         f.matched();
         EXPECT_TRUE(f.handler.on_session_ended(kSession));
       }},
      {"matched again after the session",
       [](Rig& f) {
         f.matched();
         f.handler.on_peer_left(kSession, core::LeaveReason::leave);
         f.matched(kOtherSession);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    f.ready();
    c.setup(f);
    f.port.forget();
    f.text(offer(kSession, 7));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0],
              obj(R"({"type":"error","code":"not_in_session","message":"not in that session","re":7})"));
    EXPECT_TRUE(f.port.relays.empty());
    EXPECT_EQ(f.metrics.relayed.value(), 0u);
  }
}

TEST(HandlerRelay, WhenThePeerIsGoneTheSenderIsTold) {
  Rig f;
  f.ready();
  f.matched();
  f.port.relay_result = false;
  f.text(offer(kSession, 8));
  EXPECT_EQ(f.port.relays.size(), 1u);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"not_in_session","message":"the peer is gone","re":8})"));
  EXPECT_EQ(f.metrics.relayed.value(), 0u);
  EXPECT_EQ(f.metrics.client_errors.value(), 1u);
}

// ---- ice_result

struct IceCounts {
  std::uint64_t connected = 0, failed = 0, host = 0, srflx = 0, prflx = 0, relay = 0, timed = 0;
  double seconds = 0;
  bool operator==(const IceCounts&) const = default;
};
std::ostream& operator<<(std::ostream& os, const IceCounts& c) {
  return os << "{connected " << c.connected << ", failed " << c.failed << ", host " << c.host << ", srflx " << c.srflx
            << ", prflx " << c.prflx << ", relay " << c.relay << ", timed " << c.timed << ", seconds " << c.seconds
            << "}";
}
IceCounts ice_counts(const SignalingMetrics& m) {
  return IceCounts{m.ice_connected.value(),
                   m.ice_failed.value(),
                   m.ice_host.value(),
                   m.ice_srflx.value(),
                   m.ice_prflx.value(),
                   m.ice_relay.value(),
                   m.ice_time_to_connect_seconds.count(),
                   m.ice_time_to_connect_seconds.sum()};
}

std::string ice_result(std::string_view session, std::string_view rest, std::int64_t id = 9) {
  return R"({"type":"ice_result","id":)" + std::to_string(id) + R"(,"sessionId":")" + std::string(session) + "\"," +
         std::string(rest) + "}";
}

TEST(HandlerIceResult, TheFirstResultOfASessionIsCounted) {
  struct Case {
    const char* fields = nullptr;
    IceCounts expected{};
  };
  const Case cases[] = {
      {R"("connected":true,"candidateType":"host","timeToConnectMs":1250)", {1, 0, 1, 0, 0, 0, 1, 1.25}},
      {R"("connected":true,"candidateType":"srflx","timeToConnectMs":0)", {1, 0, 0, 1, 0, 0, 1, 0}},
      {R"("connected":true,"candidateType":"prflx")", {1, 0, 0, 0, 1, 0, 0, 0}},
      {R"("connected":true,"candidateType":"relay","timeToConnectMs":4500)", {1, 0, 0, 0, 0, 1, 1, 4.5}},
      {R"("connected":true)", {1, 0, 0, 0, 0, 0, 0, 0}},
      {R"("connected":false,"candidateType":"relay","timeToConnectMs":800)", {0, 1, 0, 0, 0, 0, 0, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fields);
    Rig f;
    f.ready();
    f.matched();
    f.text(ice_result(kSession, c.fields));
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_EQ(ice_counts(f.metrics), c.expected);
    // Only the first result of a session counts; later ones are ignored silently.
    f.text(ice_result(kSession, R"("connected":false)"));
    f.text(ice_result(kSession, R"("connected":true,"candidateType":"relay","timeToConnectMs":100)"));
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_EQ(ice_counts(f.metrics), c.expected);
  }
}

TEST(HandlerIceResult, TheLastSessionMayStillReportAfterItEnded) {
  for (bool peer_left : {true, false}) {
    SCOPED_TRACE(peer_left ? "the peer left" : "its own command ended it");
    Rig f;
    f.ready();
    f.matched();
    if (peer_left) {
      f.handler.on_peer_left(kSession, core::LeaveReason::disconnect);
    } else {
      f.handler.on_session_ended(kSession);
    }
    f.port.forget();
    f.text(ice_result(kSession, R"("connected":true,"candidateType":"relay")"));
    f.text(ice_result(kSession, R"("connected":true,"candidateType":"relay")"));
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_EQ(ice_counts(f.metrics), (IceCounts{1, 0, 0, 0, 0, 1, 0, 0}));
  }
}

TEST(HandlerIceResult, EachNewSessionCountsOnce) {
  Rig f;
  f.ready();
  f.matched(kSession);
  f.text(ice_result(kSession, R"("connected":true)"));
  f.handler.on_session_ended(kSession);
  f.matched(kOtherSession);
  f.text(ice_result(kOtherSession, R"("connected":false)"));
  f.text(ice_result(kOtherSession, R"("connected":false)"));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_EQ(ice_counts(f.metrics), (IceCounts{1, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(HandlerIceResult, AnUnknownSessionIsNotInSession) {
  struct Case {
    const char* what;
    std::function<void(Rig&)> setup;
  };
  const Case cases[] = {
      {"never matched", [](Rig&) {}},
      {"another session is current", [](Rig& f) { f.matched(kOtherSession); }},
      {"two sessions ago",
       [](Rig& f) {
         f.matched(kSession);
         f.handler.on_peer_left(kSession, core::LeaveReason::next);
         f.matched(kOtherSession);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    f.ready();
    c.setup(f);
    f.port.forget();
    f.text(ice_result(kSession, R"("connected":true)", 11));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"not_in_session","message":"unknown session","re":11})"));
    EXPECT_EQ(ice_counts(f.metrics), IceCounts{});
  }
}

// ---- hub events

TEST(HandlerHubEvents, QueuedAndLeftCarryWhatTheHubSays) {
  Rig f;
  f.ready();
  f.handler.on_queued(2'500, 2);
  f.handler.on_queued(std::nullopt, std::nullopt);
  f.handler.on_left(6);
  f.handler.on_left(std::nullopt);
  ASSERT_EQ(f.port.sent.size(), 4u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"queued","estimatedWaitMs":2500,"re":2})"));
  EXPECT_EQ(f.port.sent[1], obj(R"({"type":"queued"})"));
  EXPECT_EQ(f.port.sent[2], obj(R"({"type":"left","re":6})"));
  EXPECT_EQ(f.port.sent[3], obj(R"({"type":"left"})"));
}

TEST(HandlerHubEvents, MatchedIsSentAndOpensTheSession) {
  Rig f;
  f.ready();
  EXPECT_TRUE(f.handler.on_matched(Rig::matched_event(kSession, core::Role::offerer)));
  core::MatchedEvent answerer = Rig::matched_event(kOtherSession, core::Role::answerer);
  answerer.peer_info = core::PeerInfo{{"pt"}, "", {}};
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"matched","sessionId":"9c524e6a338248324272ae7cee3719e1","role":"offerer",
                                   "peer":{"languages":["en","de"],"region":"EU","commonInterests":["music"]}})"));
  f.text(offer(kSession, 1));
  EXPECT_EQ(f.port.relays.size(), 1u);

  EXPECT_TRUE(f.handler.on_matched(answerer));
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[1], obj(R"({"type":"matched","sessionId":"0123456789abcdef0123456789abcdef","role":"answerer",
                                   "peer":{"languages":["pt"],"region":null,"commonInterests":[]}})"));
}

TEST(HandlerHubEvents, PeerLeftOfTheCurrentSessionEndsIt) {
  const std::pair<core::LeaveReason, const char*> reasons[] = {{core::LeaveReason::next, "next"},
                                                               {core::LeaveReason::leave, "leave"},
                                                               {core::LeaveReason::disconnect, "disconnect"},
                                                               {core::LeaveReason::blocked, "blocked"}};
  for (const auto& [reason, wire] : reasons) {
    SCOPED_TRACE(wire);
    Rig f;
    f.ready();
    f.matched();
    EXPECT_TRUE(f.handler.on_peer_left(kSession, reason));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"peer_left","sessionId":"9c524e6a338248324272ae7cee3719e1","reason":")" +
                                  std::string(wire) + "\"}"));
    f.text(offer(kSession, 2));
    EXPECT_TRUE(f.port.relays.empty());
    ASSERT_EQ(f.port.sent.size(), 2u);
    EXPECT_EQ(f.port.sent[1].at("message"), "not in that session");
  }
}

TEST(HandlerHubEvents, PeerLeftOrSessionEndedOfAnotherSessionKeepsTheCurrentOne) {
  Rig f;
  f.ready();
  f.matched();
  EXPECT_FALSE(f.handler.on_peer_left(kOtherSession, core::LeaveReason::next));
  EXPECT_FALSE(f.handler.on_session_ended(kOtherSession));
  f.port.forget();
  f.text(offer(kSession, 3));
  EXPECT_EQ(f.port.relays.size(), 1u);
  EXPECT_TRUE(f.port.sent.empty());
}

TEST(HandlerHubEvents, SessionEndedForgetsTheSessionSilently) {
  Rig f;
  f.ready();
  f.matched();
  EXPECT_TRUE(f.handler.on_session_ended(kSession));
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_FALSE(f.handler.on_session_ended(kSession));  // already forgotten
  f.text(offer(kSession, 3));
  EXPECT_TRUE(f.port.relays.empty());
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0].at("message"), "not in that session");
}

TEST(HandlerHubEvents, BannedSendsBannedThenCloses4003) {
  struct Case {
    std::optional<std::int64_t> until;
    const char* reason = nullptr;
    const char* expected = nullptr;
  };
  const Case cases[] = {
      {1'790'086'400'123, "automatic: reported by 3 people; pending review",
       R"({"type":"banned","until":"2026-09-22T14:13:20.123Z",
           "reason":"automatic: reported by 3 people; pending review","appealable":true})"},
      {std::nullopt, "", R"({"type":"banned","until":null,"reason":"blocked by a moderator","appealable":true})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    Rig f;
    f.ready();
    f.matched();
    f.handler.on_banned(c.until, c.reason);
    EXPECT_EQ(f.port.trace, (std::vector<std::string>{"send banned", "close 4003"}));
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(c.expected));
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4003, "banned"}}));
    // A second block, or anything else, finds the connection closed.
    f.handler.on_banned(std::nullopt, "again");
    f.handler.on_queued(1, 1);
    EXPECT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.closes.size(), 1u);
  }
}

TEST(HandlerHubEvents, DrainingIsToldBeforeAndAfterHelloWithoutClosing) {
  for (bool after_hello : {false, true}) {
    SCOPED_TRACE(after_hello ? "ready" : "awaiting hello");
    Rig f;
    if (after_hello) f.ready();
    f.handler.on_draining(1'000);
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"draining","reconnectAfterMs":1000})"));
    EXPECT_TRUE(f.port.closes.empty());
  }
  Rig f;
  f.ready();
  f.handler.on_draining(2'500);
  f.text(R"({"type":"leave","id":3})");  // the session goes on during the grace period
  EXPECT_EQ(f.port.sent[0].at("reconnectAfterMs"), 2500);
  EXPECT_EQ(f.port.hub_calls(HubOp::leave).size(), 1u);
}

TEST(HandlerHubEvents, BeforeHelloTheSessionEventsAreIgnored) {
  Rig f;
  f.handler.on_queued(1, 1);
  f.handler.on_left(1);
  EXPECT_FALSE(f.handler.on_matched(Rig::matched_event(kSession)));
  EXPECT_FALSE(f.handler.on_peer_left(kSession, core::LeaveReason::next));
  EXPECT_TRUE(f.port.sent.empty());
}

TEST(HandlerHubEvents, NothingIsSentOrAskedAfterTheConnectionClosed) {
  Rig f;
  f.ready();
  f.matched();
  f.handler.on_closed();
  EXPECT_FALSE(f.handler.on_matched(Rig::matched_event(kOtherSession)));
  f.handler.on_queued(10, 1);
  f.handler.on_left(2);
  f.handler.on_banned(std::nullopt, "spam");
  f.handler.on_draining(1'000);
  // The transport still learns that its peer is gone, to drop its routing.
  EXPECT_TRUE(f.handler.on_peer_left(kSession, core::LeaveReason::disconnect));
  f.text(R"({"type":"leave","id":3})");
  f.text(offer(kSession, 4));
  f.binary("x");
  EXPECT_TRUE(f.port.sent.empty());
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_TRUE(f.port.hub.empty());
  EXPECT_TRUE(f.port.relays.empty());
  EXPECT_EQ(f.metrics.rate_limited.value(), 0u);
}

}  // namespace
}  // namespace serendip::signaling::testing
