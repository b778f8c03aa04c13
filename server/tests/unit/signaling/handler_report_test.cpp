// report and captcha (docs/protocol.md sections 5, 10 and 11.3). A report is
// checked against the session record and the reporter's device limit (never
// a CAPTCHA), filed off the connection's thread and acknowledged only when
// that job completes, and not at all once the connection closed. A captcha
// is answered captcha_ok, or error captcha_required followed by a fresh
// challenge while the device still owes one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

std::string report(std::int64_t id, std::string_view session = kSession, std::string_view reason = "harassment",
                   std::string_view comment = "ads") {
  std::string f = R"({"type":"report","id":)" + std::to_string(id) + R"(,"sessionId":")" + std::string(session) +
                  R"(","reason":")" + std::string(reason) + "\"";
  if (!comment.empty()) f += R"(,"comment":")" + std::string(comment) + "\"";
  return f + "}";
}

TEST(HandlerReport, ASessionTheUserWasNotInIsNotInSession) {
  Rig f;
  f.ready();
  f.moderation.sessions.insert({kSession, "u_someone_else"});
  f.text(report(7));
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0],
            obj(R"({"type":"error","code":"not_in_session","message":"no such session of yours to report","re":7})"));
  EXPECT_TRUE(f.port.jobs.empty());
  // The lookup comes first: no report token was taken.
  EXPECT_EQ(f.limiter.stats()[abuse::Limit::report_per_device].allowed, 0u);
}

TEST(HandlerReport, AReportIsFiledOffThreadThenAcknowledged) {
  Rig f;
  f.ready();
  f.matched();
  f.text(report(7));
  EXPECT_TRUE(f.port.sent.empty());  // not before it is stored
  ASSERT_EQ(f.port.jobs.size(), 1u);
  EXPECT_TRUE(f.moderation.filed.empty());

  f.port.complete_next_job();
  ASSERT_EQ(f.moderation.filed.size(), 1u);
  const ReportJob& job = f.moderation.filed[0];
  EXPECT_EQ(job.reporter_user_id, kUserId);
  EXPECT_EQ(job.reporter_ip, kClientIp);
  EXPECT_EQ(job.request.session_id, kSession);
  EXPECT_EQ(job.request.reason, "harassment");
  EXPECT_EQ(job.request.comment, "ads");
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"report_ack","reportId":"42","re":7})"));  // the id as a string
  EXPECT_TRUE(f.port.closes.empty());
}

TEST(HandlerReport, EveryReasonIsFiledByItsWireName) {
  for (const char* reason : {"nudity", "harassment", "spam", "underage", "violence", "other"}) {
    SCOPED_TRACE(reason);
    Rig f;
    f.ready();
    f.matched();
    f.text(report(1, kSession, reason, ""));
    f.port.complete_next_job();
    ASSERT_EQ(f.moderation.filed.size(), 1u);
    EXPECT_EQ(f.moderation.filed[0].request.reason, reason);
    EXPECT_EQ(f.moderation.filed[0].request.comment, "");
  }
}

TEST(HandlerReport, ASessionThatEndedMayStillBeReported) {
  Rig f;
  f.ready();
  f.matched();
  f.handler.on_peer_left(kSession, core::LeaveReason::leave);
  f.port.forget();
  f.text(report(7));  // the directory still remembers it
  f.port.complete_next_job();
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"report_ack","reportId":"42","re":7})"));
}

TEST(HandlerReport, ReportsInFlightAreAnsweredInTheOrderTheyComplete) {
  Rig f;
  f.ready();
  f.matched(kSession);
  f.moderation.sessions.insert({kOtherSession, kUserId});
  f.text(report(7, kSession));
  f.text(report(8, kOtherSession));
  ASSERT_EQ(f.port.jobs.size(), 2u);
  f.moderation.report_result = std::int64_t{100};
  f.port.complete_next_job();
  f.moderation.report_result = std::int64_t{101};
  f.port.complete_next_job();
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"report_ack","reportId":"100","re":7})"));
  EXPECT_EQ(f.port.sent[1], obj(R"({"type":"report_ack","reportId":"101","re":8})"));
  EXPECT_EQ(f.moderation.filed[1].request.session_id, kOtherSession);
}

TEST(HandlerReport, OverTheDeviceLimitIsRateLimitedNeverACaptcha) {
  for (bool captcha_on_rate_limited : {false, true}) {
    SCOPED_TRACE(captcha_on_rate_limited ? "captcha_on_rate_limited" : "default");
    RigOptions o;
    o.abuse.captcha_on_rate_limited = captcha_on_rate_limited;
    Rig f(o);
    f.ready();
    f.matched();
    for (int i = 1; i <= 5; ++i) f.text(report(i));  // the default burst
    EXPECT_EQ(f.port.jobs.size(), 5u);
    EXPECT_TRUE(f.port.sent.empty());
    f.text(report(6));
    ASSERT_EQ(f.port.sent.size(), 1u);
    // report_per_device: 10 per hour, one token every 6 minutes.
    EXPECT_EQ(
        f.port.sent[0],
        obj(R"({"type":"error","code":"rate_limited","message":"too many reports","re":6,"retryAfterMs":360000})"));
    EXPECT_EQ(f.port.jobs.size(), 5u);
    EXPECT_EQ(f.metrics.captchas_issued.value(), 0u);
  }
}

TEST(HandlerReport, AFailedReportIsAnErrorWithTheFailuresCodeAndMessage) {
  struct Case {
    core::ErrorCode code;
    const char* message;
    const char* expected;
  };
  const Case cases[] = {
      {core::ErrorCode::conflict, "this session was already reported",
       R"({"type":"error","code":"conflict","message":"this session was already reported","re":7})"},
      {core::ErrorCode::not_in_session, "the session ended too long ago to report",
       R"({"type":"error","code":"not_in_session","message":"the session ended too long ago to report","re":7})"},
      {core::ErrorCode::unavailable, "storage unavailable",
       R"({"type":"error","code":"unavailable","message":"storage unavailable","re":7})"},
      {core::ErrorCode::internal, "could not store the report",
       R"({"type":"error","code":"internal","message":"could not store the report","re":7})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    Rig f;
    f.ready();
    f.matched();
    f.moderation.report_result = moderation::Failure{c.code, c.message};
    f.text(report(7));
    f.port.complete_next_job();
    ASSERT_EQ(f.port.sent.size(), 1u);
    EXPECT_EQ(f.port.sent[0], obj(c.expected));
    EXPECT_EQ(f.metrics.client_errors.value(), 1u);
    EXPECT_TRUE(f.port.closes.empty());
  }
}

TEST(HandlerReport, AReportCompletingAfterTheConnectionClosedSendsNothing) {
  struct Case {
    const char* what;
    void (*close)(Rig&);
  };
  const Case cases[] = {
      {"the socket went away", [](Rig& f) { f.handler.on_closed(); }},
      {"a moderator blocked it", [](Rig& f) { f.handler.on_banned(std::nullopt, "spam"); }},
      {"it flooded",
       [](Rig& f) {
         for (int i = 0; i < 250 && f.port.closes.empty(); ++i) f.text(R"({"type":"leave"})");
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Rig f;
    f.ready();
    f.matched();
    f.text(report(7));
    ASSERT_EQ(f.port.jobs.size(), 1u);
    c.close(f);
    f.port.forget();
    f.port.complete_next_job();
    EXPECT_EQ(f.moderation.filed.size(), 1u);  // stored all the same
    EXPECT_TRUE(f.port.sent.empty());
    EXPECT_TRUE(f.port.closes.empty());
  }
}

// ---- captcha

// A rig whose device owes a CAPTCHA: rapid_join at 1, so the first join trips it.
struct Owing {
  Owing() : f(options()) {
    f.ready();
    f.text(R"({"type":"join","id":1,"mode":"video","languages":["en"]})");
    EXPECT_EQ(f.port.sent.size(), 1u);
    challenge = Rig::challenge_of(f.port.sent.at(0));
    f.port.forget();
    EXPECT_EQ(f.detector.needs_captcha(kDevice), kCaptchaDifficulty);
  }
  static RigOptions options() {
    RigOptions o;
    o.abuse.rapid_join = abuse::ThresholdRule{1, 60'000, true};
    return o;
  }
  Rig f;
  abuse::AltchaChallenge challenge;
};

TEST(HandlerCaptcha, ASolvedChallengeIsCaptchaOkAndLiftsTheRequirement) {
  Owing o;
  Rig& f = o.f;
  f.text(Rig::captcha_frame(Rig::solved(o.challenge), 5));
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"captcha_ok","re":5})"));
  EXPECT_EQ(f.detector.needs_captcha(kDevice), std::nullopt);
  EXPECT_EQ(f.metrics.captchas_solved.value(), 1u);
  EXPECT_EQ(f.metrics.captchas_rejected.value(), 0u);
  EXPECT_EQ(f.metrics.client_errors.value(), 0u);
}

TEST(HandlerCaptcha, AcceptsTheWidgetsJsonObjectToo) {
  Owing o;
  Rig& f = o.f;
  const auto n = abuse::solve_challenge(o.challenge);
  ASSERT_TRUE(n);
  json::object payload{{"algorithm", o.challenge.algorithm}, {"challenge", o.challenge.challenge}, {"number", *n},
                       {"salt", o.challenge.salt},           {"signature", o.challenge.signature}, {"took", 10}};
  f.text(R"({"type":"captcha","id":5,"payload":)" + json::serialize(payload) + "}");
  ASSERT_EQ(f.port.sent.size(), 1u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"captcha_ok","re":5})"));
}

TEST(HandlerCaptcha, ARejectedSolutionIsAnErrorThenAFreshChallengeWhileOneIsOwed) {
  struct Case {
    const char* status;
    std::string (*payload)(Owing&);
  };
  const Case cases[] = {
      {"malformed", [](Owing&) { return std::string("bm90IGEgcGF5bG9hZA=="); }},
      {"wrong_solution",
       [](Owing& o) {
         const auto n = abuse::solve_challenge(o.challenge).value_or(0);
         return abuse::solution_payload(o.challenge, n + 1);
       }},
      {"bad_signature",
       [](Owing& o) {
         core::SeededRandom other_random{99};
         abuse::Altcha other("another-altcha-key", o.f.clock, other_random);
         return Rig::solved(other.create_challenge(kCaptchaDifficulty));
       }},
      {"expired",
       [](Owing& o) {
         std::string p = Rig::solved(o.challenge);
         o.f.clock.advance(301'000);
         return p;
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status);
    Owing o;
    Rig& f = o.f;
    f.text(Rig::captcha_frame(c.payload(o), 6));
    ASSERT_EQ(f.port.sent.size(), 2u);
    EXPECT_EQ(f.port.sent[0], obj(R"({"type":"error","code":"captcha_required","message":"captcha rejected: )" +
                                  std::string(c.status) + R"(","re":6})"));
    EXPECT_EQ(RecordingPort::type_of(f.port.sent[1]), "captcha_required");
    EXPECT_FALSE(f.port.sent[1].contains("re"));
    const abuse::AltchaChallenge fresh = Rig::challenge_of(f.port.sent[1]);
    EXPECT_EQ(fresh.maxnumber, kCaptchaDifficulty);
    EXPECT_NE(fresh.challenge, o.challenge.challenge);
    EXPECT_EQ(f.detector.needs_captcha(kDevice), kCaptchaDifficulty);
    EXPECT_EQ(f.metrics.captchas_rejected.value(), 1u);
    EXPECT_EQ(f.metrics.captchas_issued.value(), 2u);  // the join's and the fresh one
    EXPECT_EQ(f.metrics.client_errors.value(), 1u);
  }
}

TEST(HandlerCaptcha, AReplayIsRejectedAndNothingMoreIsAskedWhenNothingIsOwed) {
  Owing o;
  Rig& f = o.f;
  const std::string payload = Rig::solved(o.challenge);
  f.text(Rig::captcha_frame(payload, 5));
  f.text(Rig::captcha_frame(payload, 6));
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"captcha_ok","re":5})"));
  EXPECT_EQ(f.port.sent[1],
            obj(R"({"type":"error","code":"captcha_required","message":"captcha rejected: replayed","re":6})"));
  EXPECT_EQ(f.metrics.captchas_solved.value(), 1u);
  EXPECT_EQ(f.metrics.captchas_rejected.value(), 1u);
  EXPECT_EQ(f.metrics.captchas_issued.value(), 1u);
}

TEST(HandlerCaptcha, ACaptchaIsCheckedEvenWhenNoneIsOwed) {
  Rig f;
  f.ready();
  const std::string good = Rig::solved(f.altcha.create_challenge(kCaptchaDifficulty, 300, kDevice));
  f.text(Rig::captcha_frame(good, 1));
  f.text(Rig::captcha_frame("garbage", 2));
  ASSERT_EQ(f.port.sent.size(), 2u);
  EXPECT_EQ(f.port.sent[0], obj(R"({"type":"captcha_ok","re":1})"));
  EXPECT_EQ(f.port.sent[1],
            obj(R"({"type":"error","code":"captcha_required","message":"captcha rejected: malformed","re":2})"));
}

}  // namespace
}  // namespace serendip::signaling::testing
