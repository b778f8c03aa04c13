// The abuse-prevention scripts (shared_state/lua/abuse.lua, watch.lua) on a
// real Redis, against the in-memory gate they replace between instances: the
// same token buckets to the millisecond of Retry-After, the same rapid-join /
// rapid-next / IPs-per-device rules, the same CAPTCHA debt and escalating
// difficulty (randomized differential runs with a manual clock), and the
// watch list's hit, list, solved, dismiss, cap and expiry.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "core/clock.hpp"
#include "moderation/login_limiter.hpp"
#include "shared_state/abuse_protocol.hpp"
#include "signaling/admission.hpp"
#include "sync_redis.hpp"

namespace serendip::shared_state {
namespace {

using abuse::Limit;
using testing::Endpoint;
using testing::SyncRedis;

// The in-memory gate and the scripts, both on one manual clock.
struct Twins {
  Twins(Endpoint e, AbuseSettings s)
      : settings(std::move(s)),
        limiter(settings.limits, clock),
        detector(settings.rules, clock),
        altcha("abuse-scripts-redistest-key", clock),
        local(limiter, detector, altcha),
        redis(std::move(e)) {}

  // Wipes the keys of these subjects (each test uses fresh names anyway).
  void wipe(const std::vector<std::pair<abuse::SubjectKind, std::string>>& subjects) {
    for (const auto& [kind, s] : subjects) redis.command({"DEL", ratelimit_key(kind, s), abuse_key(kind, s)});
    redis.command({"DEL", std::string(kWatchKey), std::string(kWatchTimesKey)});
  }

  signaling::Admission shared_take(Limit limit, const std::string& key) {
    auto reply = parse_take(redis.eval(abuse_take(settings, limit, key, clock.unix_ms())));
    EXPECT_TRUE(reply.has_value());
    if (!reply || reply->status == AbuseReply::Status::admit) return std::nullopt;
    signaling::Refusal r{.retry_after_ms = reply->retry_after_ms};
    if (reply->difficulty > 0) r.captcha = reply->difficulty;
    return r;
  }

  signaling::Admission shared_match(bool next, const std::string& device, const std::string& ip) {
    auto reply = parse_match(redis.eval(abuse_match(settings, next, device, ip, clock.unix_ms())), device);
    EXPECT_TRUE(reply.has_value());
    if (!reply) return std::nullopt;
    switch (reply->status) {
      case AbuseReply::Status::admit: return std::nullopt;
      case AbuseReply::Status::rate_limited: {
        signaling::Refusal r{.retry_after_ms = reply->retry_after_ms};
        if (reply->difficulty > 0) r.captcha = reply->difficulty;
        return r;
      }
      case AbuseReply::Status::captcha: return signaling::Refusal{.captcha = reply->difficulty};
    }
    return std::nullopt;
  }

  std::int64_t shared_owed(const std::string& device) {
    auto r = redis.eval(abuse_device_op(settings, "owed", device, clock.unix_ms()));
    return r.empty() ? -1 : parse_int<std::int64_t>(r[0]).value_or(-1);
  }

  // Solves on both sides.
  void solve(const std::string& device) {
    const auto c = altcha.create_challenge(local.captcha_owed(device).value_or(10), 300, device);
    const auto n = abuse::solve_challenge(c);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(local.solve_captcha(device, abuse::solution_payload(c, *n)).status, abuse::AltchaStatus::ok);
    redis.eval(abuse_device_op(settings, "solved", device, clock.unix_ms()));
  }

  AbuseSettings settings;
  core::ManualClock clock;
  abuse::MemoryRateLimiter limiter;
  abuse::MemoryAbuseDetector detector;
  abuse::Altcha altcha;
  signaling::LocalGate local;
  SyncRedis redis;
};

std::string describe(const signaling::Admission& a) {
  if (!a) return "admit";
  return "refuse(retry=" + std::to_string(a->retry_after_ms) +
         ", captcha=" + (a->captcha ? std::to_string(*a->captcha) : std::string("-")) + ")";
}

class AbuseScripts : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto all = testing::targets();
    if (all.empty()) GTEST_FAIL() << "set SERENDIP_TEST_REDIS_URL (scripts/redis.sh run -- <test>)";
    if (static_cast<std::size_t>(GetParam()) >= all.size()) GTEST_SKIP() << "no cluster URL given";
    endpoint_ = all[static_cast<std::size_t>(GetParam())];
  }
  Endpoint endpoint_;
};

TEST_P(AbuseScripts, TokenBucketsMatchTheInMemoryLimiterToTheMillisecond) {
  AbuseSettings s;
  s.limits[Limit::session_per_ip] = {3, 10'000, 2};
  s.limits[Limit::connect_per_ip] = {1, 1'000, 1};
  s.limits[Limit::report_per_device] = {5, 60'000, 5};
  s.limits[Limit::join_per_device] = {0, 60'000, 0};  // off
  Twins t(endpoint_, s);
  const std::string run = std::to_string(std::random_device{}());
  std::vector<std::string> keys{"198.51.100.1-" + run, "198.51.100.2-" + run, "dev-" + run};
  t.wipe({{abuse::SubjectKind::ip, keys[0]}, {abuse::SubjectKind::ip, keys[1]}, {abuse::SubjectKind::device, keys[2]}});
  std::mt19937 rng(GetParam() * 7919 + 1);
  const Limit limits[] = {Limit::session_per_ip, Limit::connect_per_ip, Limit::report_per_device,
                          Limit::join_per_device};
  int refused = 0;
  for (int i = 0; i < 600; ++i) {
    const Limit limit = limits[rng() % 4];
    const std::string& key =
        limit == Limit::report_per_device || limit == Limit::join_per_device ? keys[2] : keys[rng() % 2];
    const auto local = t.local.check(limit, key);
    const auto shared = t.shared_take(limit, key);
    ASSERT_EQ(describe(local), describe(shared)) << "step " << i << " " << abuse::to_string(limit);
    if (local) ++refused;
    t.clock.advance(static_cast<std::int64_t>(rng() % 700));
  }
  EXPECT_GT(refused, 50);  // the run did exercise refusals
}

TEST_P(AbuseScripts, MatchmakingRulesAndCaptchaDebtMatchTheInMemoryGate) {
  AbuseSettings s;
  s.limits[Limit::join_per_device] = {2, 10'000, 3};
  s.limits[Limit::next_per_device] = {3, 10'000, 4};
  s.rules.rapid_join = {4, 5'000, true};
  s.rules.rapid_next = {5, 5'000, true};
  s.rules.ips_per_device = {3, 20'000, true};
  s.rules.devices_per_ip.count = 0;  // an IP-side rule: counted at connect only in Redis
  s.rules.captcha.base_difficulty = 100;
  s.rules.captcha.max_difficulty = 1'000;
  s.rules.captcha.repeat_window_ms = 30'000;
  Twins t(endpoint_, s);
  const std::string run = std::to_string(std::random_device{}());
  const std::vector<std::string> devices{"da-" + run, "db-" + run};
  t.wipe({{abuse::SubjectKind::device, devices[0]}, {abuse::SubjectKind::device, devices[1]}});
  const std::vector<std::string> ips{"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"};
  std::mt19937 rng(GetParam() * 104729 + 3);
  int captchas = 0, limited = 0, solved = 0;
  std::int64_t hardest = 0;
  for (int i = 0; i < 800; ++i) {
    const std::string& device = devices[rng() % 2];
    if (rng() % 10 == 0) {
      const auto owed = t.local.captcha_owed(device);
      ASSERT_EQ(owed.value_or(0), t.shared_owed(device)) << "step " << i;
      if (owed) {
        t.solve(device);
        ++solved;
      }
    } else {
      const bool next = rng() % 2 == 0;
      const std::string& ip = ips[rng() % (rng() % 5 == 0 ? 4 : 1)];
      const auto local =
          t.local.matchmaking(next ? signaling::MatchCommand::next : signaling::MatchCommand::join, device, ip);
      const auto shared = t.shared_match(next, device, ip);
      ASSERT_EQ(describe(local), describe(shared)) << "step " << i << (next ? " next " : " join ") << device;
      if (local && local->captcha) {
        ++captchas;
        hardest = std::max(hardest, *local->captcha);
      }
      if (local && local->retry_after_ms > 0) ++limited;
    }
    t.clock.advance(static_cast<std::int64_t>(rng() % 900));
  }
  EXPECT_GT(captchas, 10);
  EXPECT_GT(limited, 5);
  EXPECT_GT(solved, 5);
  EXPECT_GT(hardest, 100) << "repeat offences within the window get harder";
}

// Instances' clocks differ by a little: a device's joins may reach Redis
// with times out of order. The rapid rule counts the joins within the window
// of each join's own time, whatever the order they came in (the script keeps
// its list in time order, and reads only the oldest while that is in the
// window: a join from a clock behind must not stay counted past its window).
TEST_P(AbuseScripts, RapidJoinsFromClocksOutOfStepCountTheirWindowExactly) {
  AbuseSettings s;
  s.rules.rapid_join = {4, 1'000, false};
  s.rules.ips_per_device.count = 0;
  Twins t(endpoint_, s);
  const std::string device = "skew-" + std::to_string(std::random_device{}());
  t.wipe({{abuse::SubjectKind::device, device}});
  const std::int64_t t0 = 1'790'000'000'000;
  // The count when rapid_join fired at a join at `at`, else 0.
  auto join_at = [&](std::int64_t at) {
    auto reply = parse_match(t.redis.eval(abuse_match(s, false, device, "203.0.113.9", at)), device);
    EXPECT_TRUE(reply.has_value());
    if (!reply) return -1;
    EXPECT_EQ(reply->status, AbuseReply::Status::admit);
    for (const auto& hit : reply->hits) {
      if (hit.rule == abuse::Rule::rapid_join) return hit.count;
    }
    return 0;
  };
  EXPECT_EQ(join_at(t0 + 10'000), 0);
  EXPECT_EQ(join_at(t0 + 9'990), 0);  // from a clock 10 ms behind
  EXPECT_EQ(join_at(t0 + 10'005), 0);
  EXPECT_EQ(join_at(t0 + 10'010), 4);  // four within a second: fires, the window starts over
  EXPECT_EQ(join_at(t0 + 10'500), 0);
  EXPECT_EQ(join_at(t0 + 10'495), 0);  // behind again, and older than the one before it
  EXPECT_EQ(join_at(t0 + 11'020), 0);  // 10,495 and 10,500 still in the window: three
  // 10,495 has left the window (1,000 ms before 11,497 is 10,497), 10,500 has not: three.
  EXPECT_EQ(join_at(t0 + 11'497), 0);
  EXPECT_EQ(join_at(t0 + 11'499), 4);  // 10,500, 11,020, 11,497 and this one
  // Windows far apart: only the newest counts.
  EXPECT_EQ(join_at(t0 + 20'000), 0);
  EXPECT_EQ(join_at(t0 + 30'000), 0);
  EXPECT_EQ(join_at(t0 + 30'001), 0);
  EXPECT_EQ(join_at(t0 + 30'002), 0);
  EXPECT_EQ(join_at(t0 + 30'003), 4);
}

TEST_P(AbuseScripts, ShieldViewersMatchTheInMemoryDetector) {
  AbuseSettings s;
  s.rules.shield_blur = {3, 10'000, true};
  s.rules.captcha.base_difficulty = 100;
  s.rules.captcha.max_difficulty = 1'000;
  Twins t(endpoint_, s);
  const std::string run = std::to_string(std::random_device{}());
  const std::vector<std::string> devices{"sa-" + run, "sb-" + run};
  t.wipe({{abuse::SubjectKind::device, devices[0]}, {abuse::SubjectKind::device, devices[1]}});
  std::mt19937 rng(GetParam() * 31337 + 5);
  int fired = 0, solved = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string& device = devices[rng() % 2];
    if (rng() % 12 == 0) {
      const auto owed = t.local.captcha_owed(device);
      ASSERT_EQ(owed.value_or(0), t.shared_owed(device)) << "step " << i;
      if (owed) {
        t.solve(device);
        ++solved;
      }
    } else {
      const std::string viewer = "viewer-" + std::to_string(rng() % 6);
      const signaling::ShieldSignal local = t.local.shield_blur(device, viewer);
      auto reply = parse_connect(t.redis.eval(abuse_shield(t.settings, device, viewer, t.clock.unix_ms())), device);
      ASSERT_TRUE(reply.has_value()) << "step " << i;
      const bool shared_fired = !reply->hits.empty();
      ASSERT_EQ(local.fired, shared_fired) << "step " << i << " " << device << " " << viewer;
      if (shared_fired) {
        EXPECT_EQ(reply->hits[0].rule, abuse::Rule::shield_blur);
        EXPECT_EQ(reply->hits[0].count, local.viewers);
        EXPECT_EQ(reply->difficulty, t.local.captcha_owed(device).value_or(0)) << "step " << i;
        ++fired;
      }
    }
    t.clock.advance(static_cast<std::int64_t>(rng() % 1'500));
  }
  EXPECT_GT(fired, 5);
  EXPECT_GT(solved, 2);
}

TEST_P(AbuseScripts, TheWatchListKeepsHitsMostRecentFirstWithinItsCapAndTtl) {
  abuse::AbuseConfig rules;
  rules.caps.watch = 3;
  rules.watch_ttl_ms = 60'000;
  SyncRedis r(endpoint_);
  r.command({"DEL", std::string(kWatchKey), std::string(kWatchTimesKey)});
  std::int64_t now = 1'800'000'000'000;
  auto hit = [&](abuse::Rule rule, abuse::SubjectKind kind, std::string subject, int count, bool captcha,
                 std::int64_t d) {
    r.eval(watch_hit(rules, abuse::RuleHit{rule, kind, std::move(subject), count}, captcha, d, now));
    now += 10;
  };
  hit(abuse::Rule::rapid_next, abuse::SubjectKind::device, "dev1", 8, true, 50'000);
  hit(abuse::Rule::devices_per_ip, abuse::SubjectKind::ip, "2001:db8::1", 8, false, 0);
  hit(abuse::Rule::rapid_next, abuse::SubjectKind::device, "dev1", 8, true, 100'000);
  auto list = parse_watch_list(r.eval(watch_list(rules, now)));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].subject, "dev1");
  EXPECT_EQ(list[0].hits, 2u);
  EXPECT_TRUE(list[0].captcha_pending);
  EXPECT_EQ(list[0].difficulty, 100'000);
  EXPECT_EQ(list[0].first_seen_unix_ms, 1'800'000'000'000);
  EXPECT_EQ(list[1].subject, "2001:db8::1");
  EXPECT_EQ(list[1].kind, abuse::SubjectKind::ip);

  r.eval(watch_subject_op(rules, "solved", "dev1", now));
  list = parse_watch_list(r.eval(watch_list(rules, now)));
  EXPECT_FALSE(list[0].captcha_pending);
  EXPECT_TRUE(list[0].captcha_required);

  // Past the cap the least recent go.
  hit(abuse::Rule::rate_limited, abuse::SubjectKind::ip, "192.0.2.1", 1, false, 0);
  hit(abuse::Rule::rate_limited, abuse::SubjectKind::ip, "192.0.2.2", 1, false, 0);
  list = parse_watch_list(r.eval(watch_list(rules, now)));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].subject, "192.0.2.2");
  EXPECT_EQ(list[2].subject, "dev1");

  r.eval(watch_subject_op(rules, "dismiss", "192.0.2.2", now));
  EXPECT_EQ(parse_watch_list(r.eval(watch_list(rules, now))).size(), 2u);

  // No hit for the TTL: gone.
  now += 60'001;
  EXPECT_TRUE(parse_watch_list(r.eval(watch_list(rules, now))).empty());
}

TEST_P(AbuseScripts, TheLoginThrottleWaitsAsTheInMemoryOneDoes) {
  // Small numbers so that every part of the rule is reached: free attempts,
  // doubling delays up to the cap, forgetting, the window of all logins, and
  // a success (pair forgotten, address one fewer).
  const core::LoginRules rules{.pair_free = 3,
                               .address_free = 4,
                               .first_delay_ms = 500,
                               .max_delay_ms = 4'000,
                               .forget_after_ms = 20'000,
                               .all_max = 12,
                               .all_window_ms = 15'000};
  moderation::LoginLimiter local(rules);
  SyncRedis r(endpoint_);
  const std::string run = std::to_string(std::random_device{}());
  const std::vector<std::string> users{"alice-" + run, "bob-" + run};
  const std::vector<std::string> ips{"192.0.2.1-" + run, "192.0.2.2-" + run};
  r.command({"DEL", login_key(core::LoginScope::all, "")});
  std::int64_t now = 1'800'000'000'000;
  std::mt19937 rng(GetParam() * 31 + 5);
  int waits = 0;
  for (int i = 0; i < 1'000; ++i) {
    const auto scope = static_cast<core::LoginScope>(rng() % 3);
    const std::string& ip = ips[rng() % 2];
    const std::string subject = scope == core::LoginScope::pair      ? core::login_pair_subject(users[rng() % 2], ip)
                                : scope == core::LoginScope::address ? ip
                                                                     : std::string();
    const auto op = rng() % 10;
    if (op < 5) {
      const auto reply = r.eval(login_call(rules, "check", scope, subject, now));
      ASSERT_EQ(reply.size(), 1u);
      const std::int64_t wait = local.wait_ms(scope, subject, now);
      ASSERT_EQ(std::to_string(wait), reply[0]) << "step " << i << " scope " << static_cast<int>(scope);
      if (wait > 0) ++waits;
    } else if (op < 9) {
      r.eval(login_call(rules, "hit", scope, subject, now));
      local.hit(scope, subject, now);
    } else {
      r.eval(login_call(rules, "success", scope, subject, now));
      local.succeeded(scope, subject, now);
    }
    now += static_cast<std::int64_t>(rng() % 600);
  }
  EXPECT_GT(waits, 50);
  r.command({"DEL", login_key(core::LoginScope::all, "")});
}

INSTANTIATE_TEST_SUITE_P(Redis, AbuseScripts, ::testing::Values(0, 1), [](const auto& info) {
  return info.param == 0 ? std::string("Standalone") : std::string("Cluster");
});

}  // namespace
}  // namespace serendip::shared_state
