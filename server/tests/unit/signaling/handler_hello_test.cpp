// The first frame of a signaling connection (docs/protocol.md section 3.3):
// anything but a valid `hello` closes 4001 "hello expected"; a token that does
// not verify, or an admin token, is `error` unauthorized then 4001; draining
// answers `draining` and 1001; a blocked IP or device `banned` and 4003; a
// good hello registers the party with the hub and answers `welcome`. The
// token is checked first, then draining, then blocks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/crypto.hpp"
#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

constexpr std::int64_t kUntilUnixMs = 1'790'086'400'123;  // 2026-09-22T14:13:20.123Z

TEST(HandlerHello, AnythingButAValidHelloClosesWith4001AndNoError) {
  struct Case {
    const char* what;
    bool text;
    std::string frame;  // empty: a valid hello
  };
  const std::vector<Case> cases = {
      {"a valid join", true, R"({"type":"join","id":1,"mode":"video","languages":["en"]})"},
      {"a leave", true, R"({"type":"leave","id":1})"},
      {"a server type", true, R"({"type":"welcome","id":1})"},
      {"invalid JSON", true, R"({"type":"hello",)"},
      {"an empty frame", true, ""},
      {"a JSON array", true, R"(["hello"])"},
      {"a hello without a token", true, R"({"type":"hello","id":1})"},
      {"a hello with a numeric token", true, R"({"type":"hello","id":1,"token":7})"},
      {"a hello with an empty token", true, R"({"type":"hello","id":1,"token":""})"},
      {"a hello in a binary frame", false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    const std::string frame =
        c.frame.empty() && !c.text ? R"({"type":"hello","token":")" + f.user_token() + "\"}" : c.frame;
    f.handler.on_frame(c.text, frame, f.clock.now_ms());
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4001, "hello expected"}}));
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_EQ(f.metrics.client_errors.value(), 0u);
    // Closed: a valid hello now changes nothing.
    f.hello(f.user_token(), 2);
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_EQ(f.port.closes.size(), 1u);
    EXPECT_TRUE(f.port.hub.empty());
  }
}

TEST(HandlerHello, ATokenThatDoesNotVerifyIsUnauthorizedThen4001) {
  struct Case {
    const char* what;
    std::string (*token)(const Rig&);
    const char* message;
  };
  const Case cases[] = {
      {"signed with another secret", [](const Rig& f) { return auth::JwtCodec("another-secret").sign(f.claims()); },
       "invalid token: bad_signature"},
      {"expired a minute ago",
       [](const Rig& f) {
         auth::Claims c = f.claims();
         c.iat = f.now_s() - 360;
         c.exp = f.now_s() - 60;
         return f.jwt.sign(c);
       },
       "invalid token: expired"},
      {"expiring this very second",
       [](const Rig& f) {
         auth::Claims c = f.claims();
         c.iat = f.now_s() - 300;
         c.exp = f.now_s();
         return f.jwt.sign(c);
       },
       "invalid token: expired"},
      {"issued in the future",
       [](const Rig& f) {
         auth::Claims c = f.claims();
         c.iat = f.now_s() + 3'600;
         c.exp = f.now_s() + 3'900;
         return f.jwt.sign(c);
       },
       "invalid token: not_yet_valid"},
      {"not a JWT", [](const Rig&) { return std::string("not-a-jwt"); }, "invalid token: malformed"},
      {"alg none",
       [](const Rig& f) {
         return auth::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                auth::base64url_encode(R"({"sub":"u_1","jti":"j1","iat":)" + std::to_string(f.now_s()) + R"(,"exp":)" +
                                       std::to_string(f.now_s() + 300) + "}") +
                ".";
       },
       "invalid token: bad_algorithm"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    f.hello(c.token(f), 1);
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0],
              obj(R"({"type":"error","code":"unauthorized","re":1,"message":")" + std::string(c.message) + "\"}"));
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4001, "invalid token"}}));
    EXPECT_EQ(f.port.trace, (std::vector<std::string>{"send error", "close 4001"}));
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_TRUE(f.ice_requests.empty());
    EXPECT_TRUE(f.moderation.block_checks.empty());
    EXPECT_EQ(f.metrics.client_errors.value(), 1u);
  }
}

TEST(HandlerHello, AnAdminTokenIsNotAUserToken) {
  for (const char* role : {"admin", "moderator"}) {
    SCOPED_TRACE(role);
    Rig f;
    f.hello(f.admin_token(role), 4);
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"unauthorized","message":"not a user token","re":4})"));
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4001, "invalid token"}}));
    EXPECT_TRUE(f.port.hub.empty());
  }
}

TEST(HandlerHello, AnUnauthorizedErrorHasNoReWhenTheHelloHadNoId) {
  Rig f;
  f.hello("not-a-jwt");
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"unauthorized","message":"invalid token: malformed"})"));
  EXPECT_EQ(f.port.closes, (std::vector<Close>{{4001, "invalid token"}}));
}

TEST(HandlerHello, WhileDrainingAValidHelloGetsDrainingAnd1001) {
  Rig f;
  f.drain.start();
  f.hello(f.user_token(), 1);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"draining","reconnectAfterMs":1000})"));
  EXPECT_EQ(f.port.closes, (std::vector<Close>{{1001, "server is draining"}}));
  EXPECT_EQ(f.port.trace, (std::vector<std::string>{"send draining", "close 1001"}));
  EXPECT_TRUE(f.port.hub.empty());
  EXPECT_TRUE(f.moderation.block_checks.empty());  // draining is answered before the ban check
}

TEST(HandlerHello, WhileDrainingABadTokenIsStillUnauthorized) {
  Rig f;
  f.drain.start();
  f.hello("not-a-jwt", 1);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0],
            obj(R"({"type":"error","code":"unauthorized","message":"invalid token: malformed","re":1})"));
  EXPECT_EQ(f.port.closes, (std::vector<Close>{{4001, "invalid token"}}));
}

TEST(HandlerHello, ABlockedIpOrDeviceIsBannedThen4003) {
  struct Case {
    const char* what;
    std::string blocked_key;
    moderation::BlockInfo block;
    const char* expected;
  };
  const Case cases[] = {
      {"IP blocked until a time",
       kClientIp,
       {.block_id = 7, .until = kUntilUnixMs, .reason = "harassment"},
       R"({"type":"banned","until":"2026-09-22T14:13:20.123Z","reason":"harassment","appealable":true})"},
      {"device blocked for good, no reason",
       kDevice,
       {.block_id = 8, .until = std::nullopt, .reason = ""},
       R"({"type":"banned","until":null,"reason":"blocked by a moderator","appealable":true})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    f.moderation.blocks[c.blocked_key] = c.block;
    f.hello(f.user_token(), 1);
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(c.expected));  // no `re`, although the hello had an id
    EXPECT_EQ(f.port.closes, (std::vector<Close>{{4003, "banned"}}));
    EXPECT_EQ(f.port.trace, (std::vector<std::string>{"send banned", "close 4003"}));
    EXPECT_EQ(f.moderation.block_checks, (std::vector<std::pair<std::string, std::string>>{{kClientIp, kDevice}}));
    EXPECT_TRUE(f.port.hub.empty());
    EXPECT_TRUE(f.ice_requests.empty());
    EXPECT_EQ(f.detector.stats().devices, 0u);  // a refused socket does not count as connected
  }
}

TEST(HandlerHello, AGoodHelloConnectsTheHubThenAnswersWelcome) {
  Rig f;
  f.hello(f.user_token(), 1);
  EXPECT_EQ(f.port.trace, (std::vector<std::string>{"connect", "send welcome"}));
  ASSERT_EQ(f.port.hub.size(), 1u);
  EXPECT_EQ(f.port.hub[0].op, HubOp::connect);
  EXPECT_EQ(f.port.hub[0].party.user_id, kUserId);
  EXPECT_EQ(f.port.hub[0].party.device_key, kDevice);
  EXPECT_EQ(f.port.hub[0].party.ip, kClientIp);
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"welcome","userId":"u_0123456789abcdef01234567",
      "iceServers":[{"urls":["stun:stun.example.org:3478","turn:turn.example.org:3478?transport=udp"],
                     "username":"1790003600:u_0123456789abcdef01234567",
                     "credential":"Ac6W0EnFyKmlHssTXGNGTuV4lhg="}],
      "limits":{"maxFrameBytes":32768,"maxSdpBytes":16384,"maxCandidateBytes":1024,
                "messagesPerSecond":50,"messagesBurst":100},
      "re":1})"));
  ASSERT_EQ(f.ice_requests.size(), 1u);
  EXPECT_EQ(f.ice_requests[0].user_id, kUserId);
  EXPECT_EQ(f.ice_requests[0].now_unix_s, 1'790'000'000);
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_EQ(f.moderation.block_checks, (std::vector<std::pair<std::string, std::string>>{{kClientIp, kDevice}}));
  // The abuse detector saw the (device, IP) pair of an authenticated socket.
  EXPECT_EQ(f.detector.stats().devices, 1u);
  EXPECT_EQ(f.detector.stats().ips, 1u);
  EXPECT_EQ(f.metrics.client_errors.value(), 0u);
}

TEST(HandlerHello, WelcomeCarriesTheConfiguredLimitsAndNoReWithoutAnId) {
  RigOptions o;
  o.limits = protocol::WireLimits{65536, 8192, 512, 20, 40};
  Rig f(o);
  f.hello(f.user_token());
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_FALSE(f.port.sent[0].contains("re"));
  EXPECT_EQ(f.port.sent[0].at("limits"), json::value(obj(R"({"maxFrameBytes":65536,"maxSdpBytes":8192,
      "maxCandidateBytes":512,"messagesPerSecond":20,"messagesBurst":40})")));
}

TEST(HandlerHello, ASecondHelloIsAlreadyAuthenticated) {
  Rig f;
  f.ready();
  f.hello(f.user_token(), 2);
  f.hello("not-a-jwt", 3);  // not even verified
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"bad_request","message":"already authenticated","re":2})"));
  EXPECT_EQ(f.port.sent[1], obj(R"({"type":"error","code":"bad_request","message":"already authenticated","re":3})"));
  EXPECT_TRUE(f.port.closes.empty());
  EXPECT_TRUE(f.port.hub.empty());
  EXPECT_EQ(f.metrics.client_errors.value(), 2u);
}

}  // namespace
}  // namespace serendip::signaling::testing
