// AdmissionGate over the real MemoryRateLimiter and MemoryAbuseDetector on a
// ManualClock: a refused check carries the limiter's retry time and is told
// to the detector (which may turn it into a CAPTCHA for a device limit);
// check_all stops at the first refusal; join and next pass their own limit,
// then any CAPTCHA the device owes, then the detector's rapid-join and
// rapid-next rules.
#include "signaling/admission.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.hpp"

namespace serendip::signaling {
namespace {

constexpr char kDev[] = "device-a";
constexpr char kIp[] = "198.51.100.4";
constexpr std::int64_t kDifficulty = 50'000;  // AbuseConfig's base difficulty
constexpr char kAltchaKey[] = "admission-test-altcha-key";

struct Gate {
  explicit Gate(abuse::RateLimitConfig limits = {}, abuse::AbuseConfig abuse = {})
      : limiter(limits, clock), detector(abuse, clock), altcha(kAltchaKey, clock), gate(limiter, detector, altcha) {}

  core::ManualClock clock;
  abuse::MemoryRateLimiter limiter;
  abuse::MemoryAbuseDetector detector;
  abuse::Altcha altcha;
  LocalGate gate;
};

// Solves a fresh challenge the way the widget does and hands it to the gate.
CaptchaVerdict solve(Gate& g, std::string_view device) {
  const auto c = g.altcha.create_challenge(g.gate.captcha_owed(device).value_or(20), 300, device);
  const auto n = abuse::solve_challenge(c);
  EXPECT_TRUE(n.has_value());
  return g.gate.solve_captcha(device, abuse::solution_payload(c, n.value_or(0)));
}

abuse::RateLimitConfig one_a_minute(abuse::Limit limit, std::int64_t burst = 1) {
  abuse::RateLimitConfig c;
  c[limit] = abuse::LimitSpec{1, 60'000, burst};
  return c;
}

TEST(AdmissionGate, CheckAdmitsWithinTheLimitThenRefusesWithRetryAfter) {
  Gate g(one_a_minute(abuse::Limit::report_per_device, 2));
  EXPECT_EQ(g.gate.check(abuse::Limit::report_per_device, kDev), std::nullopt);
  EXPECT_EQ(g.gate.check(abuse::Limit::report_per_device, kDev), std::nullopt);
  const Admission refused = g.gate.check(abuse::Limit::report_per_device, kDev);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after_ms, 60'000);
  EXPECT_EQ(refused->captcha, std::nullopt);
  g.clock.advance(20'000);
  const Admission later = g.gate.check(abuse::Limit::report_per_device, kDev);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->retry_after_ms, 40'000);
  // Other keys have their own buckets.
  EXPECT_EQ(g.gate.check(abuse::Limit::report_per_device, "device-b"), std::nullopt);
  g.clock.advance(40'000);
  EXPECT_EQ(g.gate.check(abuse::Limit::report_per_device, kDev), std::nullopt);
}

TEST(AdmissionGate, ARefusalIsToldToTheDetector) {
  struct Case {
    abuse::Limit limit;
    const char* key;
    abuse::SubjectKind kind;
  };
  const Case cases[] = {
      {abuse::Limit::connect_per_ip, kIp, abuse::SubjectKind::ip},
      {abuse::Limit::session_per_ip, kIp, abuse::SubjectKind::ip},
      {abuse::Limit::session_per_device, kDev, abuse::SubjectKind::device},
      {abuse::Limit::join_per_device, kDev, abuse::SubjectKind::device},
      {abuse::Limit::next_per_device, kDev, abuse::SubjectKind::device},
      {abuse::Limit::report_per_device, kDev, abuse::SubjectKind::device},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(abuse::to_string(c.limit)));
    Gate g(one_a_minute(c.limit));
    ASSERT_EQ(g.gate.check(c.limit, c.key), std::nullopt);
    EXPECT_TRUE(g.detector.watch_list().empty());  // an admitted check tells nobody
    ASSERT_TRUE(g.gate.check(c.limit, c.key));
    const auto watch = g.detector.watch_list();
    ASSERT_EQ(watch.size(), 1u);
    EXPECT_EQ(watch[0].rule, abuse::Rule::rate_limited);
    EXPECT_EQ(watch[0].kind, c.kind);
    EXPECT_EQ(watch[0].subject, c.key);
    EXPECT_EQ(g.detector.rule_hits()[static_cast<std::size_t>(abuse::Rule::rate_limited)], 1u);
  }
}

TEST(AdmissionGate, WithCaptchaOnRateLimitedADeviceLimitWantsACaptcha) {
  struct Case {
    abuse::Limit limit;
    const char* key;
    bool captcha;  // IPs never owe a CAPTCHA: many people share one
  };
  const Case cases[] = {
      {abuse::Limit::join_per_device, kDev, true},
      {abuse::Limit::report_per_device, kDev, true},
      {abuse::Limit::connect_per_ip, kIp, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(abuse::to_string(c.limit)));
    abuse::AbuseConfig a;
    a.captcha_on_rate_limited = true;
    Gate g(one_a_minute(c.limit), a);
    ASSERT_EQ(g.gate.check(c.limit, c.key), std::nullopt);
    const Admission refused = g.gate.check(c.limit, c.key);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->retry_after_ms, 60'000);  // the wait is still told
    EXPECT_EQ(refused->captcha, c.captcha ? std::optional<std::int64_t>(kDifficulty) : std::nullopt);
    EXPECT_EQ(g.gate.captcha_owed(c.key), refused->captcha);
  }
}

TEST(AdmissionGate, CheckAllStopsAtTheFirstRefusal) {
  abuse::RateLimitConfig limits;
  limits[abuse::Limit::session_per_ip] = abuse::LimitSpec{1, 60'000, 1};
  limits[abuse::Limit::session_per_device] = abuse::LimitSpec{1, 30'000, 1};
  Gate g(limits);
  const auto both = [&](std::string_view device) {
    return g.gate.check_all({{abuse::Limit::session_per_ip, kIp}, {abuse::Limit::session_per_device, device}});
  };
  EXPECT_EQ(both(kDev), std::nullopt);  // takes from both
  EXPECT_EQ(g.limiter.stats()[abuse::Limit::session_per_ip].allowed, 1u);
  EXPECT_EQ(g.limiter.stats()[abuse::Limit::session_per_device].allowed, 1u);

  // The IP is empty: refused with its retry time, and the device bucket is not touched.
  const Admission refused = both("device-b");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after_ms, 60'000);
  EXPECT_EQ(g.limiter.stats()[abuse::Limit::session_per_device].allowed, 1u);
  EXPECT_EQ(g.limiter.stats()[abuse::Limit::session_per_device].refused, 0u);
}

TEST(AdmissionGate, CheckAllRefusesForALaterLimitAfterTakingFromTheEarlierOnes) {
  Gate h(one_a_minute(abuse::Limit::session_per_device));
  ASSERT_EQ(h.gate.check(abuse::Limit::session_per_device, kDev), std::nullopt);
  const Admission device_refused =
      h.gate.check_all({{abuse::Limit::session_per_ip, kIp}, {abuse::Limit::session_per_device, kDev}});
  ASSERT_TRUE(device_refused);
  EXPECT_EQ(device_refused->retry_after_ms, 60'000);
  EXPECT_EQ(h.limiter.stats()[abuse::Limit::session_per_ip].allowed, 1u);
}

TEST(AdmissionGate, MatchmakingTakesTheCommandsOwnLimit) {
  struct Case {
    MatchCommand command;
    abuse::Limit limit;
    abuse::Limit other;
  };
  const Case cases[] = {
      {MatchCommand::join, abuse::Limit::join_per_device, abuse::Limit::next_per_device},
      {MatchCommand::next, abuse::Limit::next_per_device, abuse::Limit::join_per_device},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(abuse::to_string(c.limit)));
    Gate g(one_a_minute(c.limit));
    EXPECT_EQ(g.gate.matchmaking(c.command, kDev, kIp), std::nullopt);
    const Admission refused = g.gate.matchmaking(c.command, kDev, kIp);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->retry_after_ms, 60'000);
    EXPECT_EQ(refused->captcha, std::nullopt);
    EXPECT_EQ(g.limiter.stats()[c.limit].allowed, 1u);
    EXPECT_EQ(g.limiter.stats()[c.other].allowed, 0u);
  }
}

TEST(AdmissionGate, AnOwedCaptchaRefusesMatchmakingUntilSolved) {
  for (MatchCommand command : {MatchCommand::join, MatchCommand::next}) {
    SCOPED_TRACE(command == MatchCommand::join ? "join" : "next");
    abuse::AbuseConfig a;
    a.ips_per_device = abuse::ThresholdRule{2, 600'000, true};
    Gate g({}, a);
    EXPECT_EQ(g.gate.captcha_owed(kDev), std::nullopt);
    g.gate.connected(kDev, "198.51.100.1");
    g.gate.connected(kDev, "198.51.100.2");  // a second IP for the device trips the rule
    EXPECT_EQ(g.gate.captcha_owed(kDev), kDifficulty);

    const Admission refused = g.gate.matchmaking(command, kDev, kIp);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->retry_after_ms, 0);  // no wait helps: only a solution
    EXPECT_EQ(refused->captcha, kDifficulty);

    EXPECT_EQ(solve(g, kDev).status, abuse::AltchaStatus::ok);
    EXPECT_EQ(g.gate.captcha_owed(kDev), std::nullopt);
    EXPECT_EQ(g.gate.matchmaking(command, kDev, "198.51.100.1"), std::nullopt);
  }
}

TEST(AdmissionGate, TheDetectorsRapidRulesAskForACaptcha) {
  for (MatchCommand command : {MatchCommand::join, MatchCommand::next}) {
    SCOPED_TRACE(command == MatchCommand::join ? "rapid_join" : "rapid_next");
    abuse::AbuseConfig a;
    (command == MatchCommand::join ? a.rapid_join : a.rapid_next) = abuse::ThresholdRule{3, 60'000, true};
    Gate g({}, a);
    EXPECT_EQ(g.gate.matchmaking(command, kDev, kIp), std::nullopt);
    g.clock.advance(1'000);
    EXPECT_EQ(g.gate.matchmaking(command, kDev, kIp), std::nullopt);
    g.clock.advance(1'000);
    const Admission third = g.gate.matchmaking(command, kDev, kIp);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->retry_after_ms, 0);
    EXPECT_EQ(third->captcha, kDifficulty);
    const Admission fourth = g.gate.matchmaking(command, kDev, kIp);  // owed now
    ASSERT_TRUE(fourth);
    EXPECT_EQ(fourth->captcha, kDifficulty);

    EXPECT_EQ(solve(g, kDev).status, abuse::AltchaStatus::ok);  // the counts start over
    EXPECT_EQ(g.gate.matchmaking(command, kDev, kIp), std::nullopt);
    EXPECT_EQ(g.gate.matchmaking(command, kDev, kIp), std::nullopt);
    const Admission again = g.gate.matchmaking(command, kDev, kIp);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->captcha, 2 * kDifficulty);  // a repeat within a day is harder
  }
}

TEST(AdmissionGate, TheRapidRuleCountsOnlyWithinItsWindow) {
  abuse::AbuseConfig a;
  a.rapid_next = abuse::ThresholdRule{3, 60'000, true};
  Gate g({}, a);
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(g.gate.matchmaking(MatchCommand::next, kDev, kIp), std::nullopt);
    g.clock.advance(30'000);  // two within any 60 s window
  }
}

TEST(AdmissionGate, ARateLimitedAttemptDoesNotReachTheDetectorsRules) {
  abuse::AbuseConfig a;
  a.rapid_join = abuse::ThresholdRule{2, 60'000, true};
  Gate g(one_a_minute(abuse::Limit::join_per_device), a);
  EXPECT_EQ(g.gate.matchmaking(MatchCommand::join, kDev, kIp), std::nullopt);  // rapid_join: 1
  for (int i = 0; i < 5; ++i) {
    const Admission refused = g.gate.matchmaking(MatchCommand::join, kDev, kIp);
    ASSERT_TRUE(refused);
    EXPECT_GT(refused->retry_after_ms, 0);
    EXPECT_EQ(refused->captcha, std::nullopt);
  }
  EXPECT_EQ(g.detector.rule_hits()[static_cast<std::size_t>(abuse::Rule::rapid_join)], 0u);
  EXPECT_EQ(g.gate.captcha_owed(kDev), std::nullopt);
}

}  // namespace
}  // namespace serendip::signaling

namespace serendip::signaling {
namespace {

TEST(AdmissionGate, ASolvedChallengeIsSpentAndARejectedOneLeavesTheDebt) {
  abuse::AbuseConfig a;
  a.ips_per_device = abuse::ThresholdRule{2, 600'000, true};
  Gate g({}, a);
  g.gate.connected(kDev, "198.51.100.1");
  g.gate.connected(kDev, "198.51.100.2");
  ASSERT_EQ(g.gate.captcha_owed(kDev), kDifficulty);

  const auto c = g.altcha.create_challenge(kDifficulty, 300, kDev);
  const auto n = abuse::solve_challenge(c);
  ASSERT_TRUE(n.has_value());
  const CaptchaVerdict wrong = g.gate.solve_captcha(kDev, abuse::solution_payload(c, *n + 1));
  EXPECT_EQ(wrong.status, abuse::AltchaStatus::wrong_solution);
  EXPECT_EQ(wrong.still_owed, kDifficulty);

  const std::string payload = abuse::solution_payload(c, *n);
  const CaptchaVerdict ok = g.gate.solve_captcha(kDev, payload);
  EXPECT_EQ(ok.status, abuse::AltchaStatus::ok);
  EXPECT_EQ(ok.still_owed, std::nullopt);
  EXPECT_EQ(g.gate.captcha_owed(kDev), std::nullopt);

  const CaptchaVerdict again = g.gate.solve_captcha(kDev, payload);
  EXPECT_EQ(again.status, abuse::AltchaStatus::replayed);
  EXPECT_EQ(again.still_owed, std::nullopt);  // nothing owed any more
}

// The attack a review found: a cheap challenge solved on one device cleared
// a hard one owed by another. Now a solution pays only its own device's debt,
// and only a debt no harder than its challenge.
TEST(AdmissionGate, ASolutionPaysOnlyItsOwnDevicesDebtAndNoHarderOne) {
  abuse::AbuseConfig a;
  a.ips_per_device = abuse::ThresholdRule{2, 600'000, true};
  Gate g({}, a);
  constexpr std::string_view kOther = "another-device-key";
  g.gate.connected(kDev, "198.51.100.1");
  g.gate.connected(kDev, "198.51.100.2");
  ASSERT_EQ(g.gate.captcha_owed(kDev), kDifficulty);

  // Another device's solution of a challenge as hard as the debt: wrong device, the debt stays.
  const auto theirs = g.altcha.create_challenge(kDifficulty, 300, kOther);
  const CaptchaVerdict stolen =
      g.gate.solve_captcha(kDev, abuse::solution_payload(theirs, abuse::solve_challenge(theirs).value()));
  EXPECT_EQ(stolen.status, abuse::AltchaStatus::wrong_device);
  EXPECT_EQ(stolen.still_owed, kDifficulty);

  // This device's own, easier challenge: too easy for what it owes now.
  const auto easy = g.altcha.create_challenge(kDifficulty / 10, 300, kDev);
  const CaptchaVerdict cheap =
      g.gate.solve_captcha(kDev, abuse::solution_payload(easy, abuse::solve_challenge(easy).value()));
  EXPECT_EQ(cheap.status, abuse::AltchaStatus::too_easy);
  EXPECT_EQ(cheap.still_owed, kDifficulty);
  EXPECT_EQ(g.gate.captcha_owed(kDev), kDifficulty);

  EXPECT_EQ(solve(g, kDev).status, abuse::AltchaStatus::ok);
  EXPECT_EQ(g.gate.captcha_owed(kDev), std::nullopt);
}

TEST(AdmissionGate, CheckAllThroughTheCallbackAnswersInOrder) {
  Gate g(one_a_minute(abuse::Limit::session_per_device));
  AdmissionGate& base = g.gate;
  std::vector<Admission> answers;
  for (int i = 0; i < 2; ++i) {
    base.check_all({{abuse::Limit::session_per_ip, kIp}, {abuse::Limit::session_per_device, kDev}},
                   [&answers](Admission a) { answers.push_back(std::move(a)); });
  }
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0], std::nullopt);
  ASSERT_TRUE(answers[1]);
  EXPECT_GT(answers[1]->retry_after_ms, 0);
}

}  // namespace
}  // namespace serendip::signaling
