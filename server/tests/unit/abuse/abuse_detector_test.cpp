// The abuse detector's rules, one by one, with the seed's flows: "Next, Next,
// Next -> pattern detection -> CAPTCHA required", "Rapid calls -> rate limit
// exceeded -> watch list", three distinct reporters -> automatic block.
// Time is a ManualClock: no test sleeps.
#include "abuse/abuse_detector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace serendip::abuse {
namespace {

constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;

std::string dev(int i) { return "dev-" + std::to_string(i); }
std::string ip(int i) { return "198.51.100." + std::to_string(i); }

const WatchEntry* find_entry(const std::vector<WatchEntry>& list, Rule rule, std::string_view subject) {
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const WatchEntry& e) { return e.rule == rule && e.subject == subject; });
  return it == list.end() ? nullptr : &*it;
}

std::uint64_t hits(const AbuseDetector& d, Rule r) { return d.rule_hits()[static_cast<std::size_t>(r)]; }

struct Fixture {
  explicit Fixture(AbuseConfig cfg = {}) : det(std::move(cfg), clock) {}
  core::ManualClock clock;
  MemoryAbuseDetector det;
};

TEST(AbuseDetector, NextNextNextRequiresACaptchaAndPutsTheDeviceOnTheWatchList) {
  Fixture f;
  for (int i = 0; i < 7; ++i) {
    const DetectorVerdict v = f.det.on_next("bot", "203.0.113.5");
    ASSERT_FALSE(v.captcha_required) << i;
    ASSERT_TRUE(v.hits.empty());
    f.clock.advance(5 * kSecond);
  }
  EXPECT_EQ(f.det.needs_captcha("bot"), std::nullopt);
  const DetectorVerdict v = f.det.on_next("bot", "203.0.113.5");  // 8 within 35 s
  EXPECT_TRUE(v.captcha_required);
  EXPECT_EQ(v.difficulty, 50'000);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::rapid_next);
  EXPECT_EQ(v.hits[0].kind, SubjectKind::device);
  EXPECT_EQ(v.hits[0].subject, "bot");
  EXPECT_EQ(v.hits[0].count, 8);
  EXPECT_EQ(f.det.needs_captcha("bot"), 50'000);
  EXPECT_EQ(hits(f.det, Rule::rapid_next), 1u);

  const auto list = f.det.watch_list();
  ASSERT_EQ(list.size(), 1u);
  const WatchEntry& e = list[0];
  EXPECT_EQ(e.kind, SubjectKind::device);
  EXPECT_EQ(e.subject, "bot");
  EXPECT_EQ(e.rule, Rule::rapid_next);
  EXPECT_EQ(e.count, 8);
  EXPECT_EQ(e.hits, 1u);
  EXPECT_TRUE(e.captcha_required);
  EXPECT_TRUE(e.captcha_pending);
  EXPECT_EQ(e.difficulty, 50'000);
  EXPECT_EQ(e.first_seen_unix_ms, f.clock.unix_ms());
  EXPECT_EQ(e.last_seen_unix_ms, f.clock.unix_ms());

  // Solving lifts it and starts the counts over; the entry stays for admins.
  f.det.captcha_solved("bot");
  EXPECT_EQ(f.det.needs_captcha("bot"), std::nullopt);
  EXPECT_FALSE(f.det.on_next("bot", "203.0.113.5").captcha_required);
  EXPECT_FALSE(f.det.watch_list().at(0).captcha_pending);
}

TEST(AbuseDetector, AFastButHumanSkipperNeverTrips) {
  Fixture f;
  for (int i = 0; i < 500; ++i) {  // a next every 10 s for over an hour
    ASSERT_FALSE(f.det.on_next("person", "192.0.2.1").captcha_required) << i;
    f.clock.advance(10 * kSecond);
  }
  EXPECT_TRUE(f.det.watch_list().empty());
}

TEST(AbuseDetector, RapidJoinsTrip) {
  Fixture f;
  for (int i = 0; i < 9; ++i) ASSERT_FALSE(f.det.on_join("d", "192.0.2.1").captcha_required);
  const DetectorVerdict v = f.det.on_join("d", "192.0.2.1");
  EXPECT_TRUE(v.captcha_required);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::rapid_join);
  EXPECT_EQ(v.hits[0].count, 10);
}

TEST(AbuseDetector, EventsOutsideTheWindowDoNotCount) {
  Fixture f;
  for (int i = 0; i < 7; ++i) (void)f.det.on_next("d", "192.0.2.1");
  f.clock.advance(kMinute);  // the seven are exactly a minute old: out
  for (int i = 0; i < 7; ++i) ASSERT_FALSE(f.det.on_next("d", "192.0.2.1").captcha_required);
  EXPECT_TRUE(f.det.on_next("d", "192.0.2.1").captcha_required);
}

TEST(AbuseDetector, DifficultyDoublesForRepeatOffendersUpToTheCapAndResetsAfterADay) {
  Fixture f;
  auto offend = [&] {
    DetectorVerdict v;
    for (int i = 0; i < 8; ++i) v = f.det.on_next("d", "192.0.2.1");
    EXPECT_TRUE(v.captcha_required);
    return v.difficulty;
  };
  const std::int64_t expected[] = {50'000, 100'000, 200'000, 400'000, 800'000, 1'000'000, 1'000'000};
  for (std::int64_t want : expected) {
    EXPECT_EQ(offend(), want);
    EXPECT_EQ(f.det.needs_captcha("d"), want);
    f.det.captcha_solved("d");
    f.clock.advance(kHour);
  }
  f.clock.advance(24 * kHour);
  EXPECT_EQ(offend(), 50'000);
}

TEST(AbuseDetector, SeveralRulesBeforeOneSolutionAreOneOffence) {
  AbuseConfig cfg;
  cfg.rapid_next = {2, kMinute, true};
  Fixture f(cfg);
  (void)f.det.on_next("d", "192.0.2.1");
  EXPECT_EQ(f.det.on_next("d", "192.0.2.1").difficulty, 50'000);
  (void)f.det.on_next("d", "192.0.2.1");
  const DetectorVerdict again = f.det.on_next("d", "192.0.2.1");
  EXPECT_TRUE(again.captcha_required);
  EXPECT_EQ(again.difficulty, 50'000);  // still the same pending CAPTCHA
  EXPECT_EQ(f.det.watch_list().at(0).hits, 2u);
}

TEST(AbuseDetector, ManyDevicesBehindOneIpTripForEachNewDevicePastTheThreshold) {
  Fixture f;
  for (int i = 0; i < 7; ++i) ASSERT_FALSE(f.det.on_connect(dev(i), "203.0.113.7").captcha_required);
  // Devices already seen come back without counting again.
  for (int i = 0; i < 7; ++i) ASSERT_FALSE(f.det.on_join(dev(i), "203.0.113.7").captcha_required);
  const DetectorVerdict v = f.det.on_connect(dev(7), "203.0.113.7");
  EXPECT_TRUE(v.captcha_required);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::devices_per_ip);
  EXPECT_EQ(v.hits[0].kind, SubjectKind::ip);
  EXPECT_EQ(v.hits[0].subject, "203.0.113.7");
  EXPECT_EQ(v.hits[0].count, 8);
  // The CAPTCHA is asked of the device that arrived, not of those before it.
  EXPECT_EQ(f.det.needs_captcha(dev(7)), 50'000);
  EXPECT_EQ(f.det.needs_captcha(dev(0)), std::nullopt);
  EXPECT_TRUE(f.det.on_connect(dev(8), "203.0.113.7").captcha_required);
  const auto list = f.det.watch_list();
  const auto* e = find_entry(list, Rule::devices_per_ip, "203.0.113.7");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, SubjectKind::ip);
  EXPECT_EQ(e->hits, 2u);
  EXPECT_FALSE(e->captcha_pending);  // an IP solves nothing; its devices do
  // Ten minutes later the IP starts over.
  f.clock.advance(10 * kMinute);
  EXPECT_FALSE(f.det.on_connect(dev(9), "203.0.113.7").captcha_required);
}

TEST(AbuseDetector, ManyIpsForOneDeviceTrip) {
  Fixture f;
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(f.det.on_connect("roamer", ip(i)).captcha_required);
  const DetectorVerdict v = f.det.on_connect("roamer", ip(4));
  EXPECT_TRUE(v.captcha_required);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::ips_per_device);
  EXPECT_EQ(v.hits[0].subject, "roamer");
  EXPECT_EQ(v.hits[0].count, 5);
  // Solved: the device's IP set starts over.
  f.det.captcha_solved("roamer");
  EXPECT_FALSE(f.det.on_connect("roamer", ip(5)).captcha_required);
}

TEST(AbuseDetector, ThreeDistinctReportersTriggerOneAutomaticBlock) {
  Fixture f;
  EXPECT_FALSE(f.det.on_report("target", "r1").auto_block);
  EXPECT_FALSE(f.det.on_report("target", "r1").auto_block);  // the same reporter twice counts once
  f.clock.advance(10 * kMinute);
  EXPECT_FALSE(f.det.on_report("target", "r2").auto_block);
  f.clock.advance(10 * kMinute);
  const DetectorVerdict v = f.det.on_report("target", "r3");
  ASSERT_TRUE(v.auto_block);
  EXPECT_EQ(v.auto_block->device, "target");
  EXPECT_EQ(v.auto_block->duration_ms, 24 * kHour);
  EXPECT_EQ(v.auto_block->distinct_reporters, 3);
  EXPECT_DOUBLE_EQ(v.auto_block->weight, 3.0);
  EXPECT_TRUE(v.priority_review);
  EXPECT_FALSE(v.captcha_required);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::distinct_reporters);
  EXPECT_EQ(hits(f.det, Rule::distinct_reporters), 1u);
  const auto list = f.det.watch_list();
  const auto* e = find_entry(list, Rule::distinct_reporters, "target");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->count, 3);

  // While the block runs, more reports jump the queue but block nothing new.
  const DetectorVerdict later = f.det.on_report("target", "r4");
  EXPECT_FALSE(later.auto_block);
  EXPECT_TRUE(later.priority_review);
  EXPECT_EQ(hits(f.det, Rule::distinct_reporters), 1u);
}

TEST(AbuseDetector, ReportsOlderThanTheWindowDoNotAddUp) {
  Fixture f;
  (void)f.det.on_report("target", "r1");
  (void)f.det.on_report("target", "r2");
  f.clock.advance(30 * kMinute);
  EXPECT_FALSE(f.det.on_report("target", "r3").auto_block);
  EXPECT_FALSE(f.det.on_report("target", "r3").priority_review);
}

TEST(AbuseDetector, SelfReportsAndEmptyKeysAreIgnored) {
  Fixture f;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(f.det.on_report("me", "me").auto_block);
  EXPECT_FALSE(f.det.on_report("", "r1").auto_block);
  EXPECT_FALSE(f.det.on_report("x", "").auto_block);
  EXPECT_EQ(f.det.stats().reported, 0u);
}

TEST(AbuseDetector, AnotherBlockOnlyAfterTheFirstEnds) {
  AbuseConfig cfg;
  cfg.reports.auto_block_ms = kHour;
  Fixture f(cfg);
  for (int r = 0; r < 3; ++r) (void)f.det.on_report("target", dev(r));
  f.clock.advance(kHour);
  for (int r = 3; r < 5; ++r) EXPECT_FALSE(f.det.on_report("target", dev(r)).auto_block);
  EXPECT_TRUE(f.det.on_report("target", dev(5)).auto_block);
}

TEST(AbuseDetector, ReporterWeightFallsWhenMostReportsAreRejected) {
  Fixture f;
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("new"), 1.0);
  for (int i = 0; i < 4; ++i) f.det.on_report_decided("liar", false);
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("liar"), 1.0);  // too few decisions to judge
  f.det.on_report_decided("liar", false);
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("liar"), 0.5);
  for (int i = 0; i < 5; ++i) f.det.on_report_decided("liar", false);
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("liar"), 0.0);  // ten decided, none accepted

  f.det.on_report_decided("fair", true);
  for (int i = 0; i < 4; ++i) f.det.on_report_decided("fair", false);
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("fair"), 1.0);  // 1 in 5 = 20%: not below
  f.det.on_report_decided("fair", false);
  EXPECT_DOUBLE_EQ(f.det.reporter_weight("fair"), 0.5);  // 1 in 6
}

TEST(AbuseDetector, LowWeightReportersCountForLess) {
  Fixture f;
  for (const char* r : {"half-1", "half-2", "half-3"}) {
    for (int i = 0; i < 5; ++i) f.det.on_report_decided(r, false);
  }
  for (int i = 0; i < 10; ++i) f.det.on_report_decided("zero", false);

  // Two trusted and one half: 2.5 < 3.
  (void)f.det.on_report("a", "trusted-1");
  (void)f.det.on_report("a", "trusted-2");
  EXPECT_FALSE(f.det.on_report("a", "half-1").auto_block);
  EXPECT_FALSE(f.det.on_report("a", "zero").auto_block);
  const DetectorVerdict v = f.det.on_report("a", "half-2");  // 3.0
  ASSERT_TRUE(v.auto_block);
  EXPECT_EQ(v.auto_block->distinct_reporters, 4);  // the zero-weight reporter is not counted
  EXPECT_DOUBLE_EQ(v.auto_block->weight, 3.0);

  // Five rejected-mostly reporters alone never block anyone.
  for (const char* r : {"half-1", "half-2", "half-3", "zero"}) EXPECT_FALSE(f.det.on_report("b", r).auto_block);
}

TEST(AbuseDetector, RateLimitRefusalsGoOnTheWatchList) {
  Fixture f;
  const DetectorVerdict v = f.det.on_rate_limited(Limit::connect_per_ip, "203.0.113.50");
  EXPECT_FALSE(v.captcha_required);
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].kind, SubjectKind::ip);
  (void)f.det.on_rate_limited(Limit::connect_per_ip, "203.0.113.50");
  (void)f.det.on_rate_limited(Limit::join_per_device, "hasty");
  const auto list = f.det.watch_list();
  const auto* by_ip = find_entry(list, Rule::rate_limited, "203.0.113.50");
  ASSERT_NE(by_ip, nullptr);
  EXPECT_EQ(by_ip->kind, SubjectKind::ip);
  EXPECT_EQ(by_ip->hits, 2u);
  const auto* by_device = find_entry(list, Rule::rate_limited, "hasty");
  ASSERT_NE(by_device, nullptr);
  EXPECT_EQ(by_device->kind, SubjectKind::device);
  EXPECT_EQ(f.det.needs_captcha("hasty"), std::nullopt);
  EXPECT_EQ(hits(f.det, Rule::rate_limited), 3u);
}

TEST(AbuseDetector, RateLimitRefusalsCanDemandACaptcha) {
  AbuseConfig cfg;
  cfg.captcha_on_rate_limited = true;
  Fixture f(cfg);
  EXPECT_TRUE(f.det.on_rate_limited(Limit::next_per_device, "hasty").captcha_required);
  EXPECT_EQ(f.det.needs_captcha("hasty"), 50'000);
  EXPECT_FALSE(f.det.on_rate_limited(Limit::connect_per_ip, "203.0.113.1").captcha_required);
}

TEST(AbuseDetector, ARuleWithoutCaptchaOnlyWatches) {
  AbuseConfig cfg;
  cfg.devices_per_ip.captcha = false;
  Fixture f(cfg);
  DetectorVerdict v;
  for (int i = 0; i < 8; ++i) v = f.det.on_connect(dev(i), "10.0.0.1");
  EXPECT_FALSE(v.captcha_required);
  EXPECT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(f.det.needs_captcha(dev(7)), std::nullopt);
}

TEST(AbuseDetector, ADisabledRuleNeverFires) {
  AbuseConfig cfg;
  cfg.rapid_next.count = 0;
  Fixture f(cfg);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(f.det.on_next("d", "10.0.0.1").captcha_required);
}

TEST(AbuseDetector, WatchEntriesExpireAndDismissRemovesThem) {
  Fixture f;
  for (int i = 0; i < 8; ++i) (void)f.det.on_next("a", "10.0.0.1");
  f.clock.advance(kHour);
  for (int i = 0; i < 8; ++i) (void)f.det.on_next("b", "10.0.0.2");
  auto list = f.det.watch_list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].subject, "b");  // most recent first
  EXPECT_EQ(list[1].subject, "a");

  EXPECT_EQ(f.det.dismiss("b"), 1u);
  EXPECT_EQ(f.det.needs_captcha("b"), std::nullopt);
  EXPECT_EQ(f.det.watch_list().size(), 1u);

  f.clock.advance(23 * kHour);  // a's entry is 24 h old
  EXPECT_TRUE(f.det.watch_list().empty());
}

TEST(AbuseDetector, SweepDropsIdleStateButKeepsPendingCaptchas) {
  Fixture f;
  for (int i = 0; i < 100; ++i) (void)f.det.on_connect(dev(i), ip(i));
  for (int i = 0; i < 8; ++i) (void)f.det.on_next("offender", "10.0.0.1");
  (void)f.det.on_report("target", "r1");
  f.det.on_report_decided("r1", true);
  DetectorStats s = f.det.stats();
  EXPECT_EQ(s.devices, 101u);
  EXPECT_EQ(s.ips, 101u);
  EXPECT_EQ(s.offenders, 1u);
  EXPECT_EQ(s.reported, 1u);
  EXPECT_GT(s.approx_bytes, 0u);

  f.clock.advance(2 * kHour);
  EXPECT_GT(f.det.sweep(), 0u);
  s = f.det.stats();
  EXPECT_EQ(s.devices, 0u);
  EXPECT_EQ(s.ips, 0u);
  EXPECT_EQ(s.reported, 0u);
  EXPECT_EQ(s.offenders, 1u);  // still has to solve
  EXPECT_EQ(s.reporters, 1u);  // reporter records have no time limit, only the cap
  EXPECT_EQ(f.det.needs_captcha("offender"), 50'000);
}

TEST(AbuseDetector, TenThousandDevicesCostBoundedMemory) {
  AbuseConfig cfg;
  cfg.caps.devices = 1'000;
  cfg.caps.ips = 1'000;
  cfg.caps.offenders = 500;
  cfg.caps.watch = 200;
  Fixture f(cfg);
  // A flood from 10,000 device ids over 100 IPs, each device nexting fast.
  for (int i = 0; i < 10'000; ++i) {
    for (int n = 0; n < 8; ++n) (void)f.det.on_next(dev(i), ip(i % 100));
  }
  const DetectorStats s = f.det.stats();
  EXPECT_LE(s.devices, 1'000u);
  EXPECT_LE(s.ips, 1'000u);
  EXPECT_LE(s.offenders, 500u);
  EXPECT_LE(s.watch, 200u);
  EXPECT_GT(s.evicted, 0u);
  EXPECT_LT(s.approx_bytes, 2'000'000u);
  EXPECT_LE(f.det.watch_list().size(), 200u);
  EXPECT_EQ(hits(f.det, Rule::rapid_next), 10'000u);
}

TEST(AbuseDetector, ConcurrentEventsKeepCountsConsistent) {
  Fixture f;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        const std::string d = dev(t * 1'000 + i);
        for (int n = 0; n < 8; ++n) (void)f.det.on_next(d, ip(t));
        (void)f.det.needs_captcha(d);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      (void)f.det.watch_list();
      (void)f.det.sweep();
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(hits(f.det, Rule::rapid_next), 1'000u);
  EXPECT_EQ(f.det.needs_captcha(dev(3'249)), 50'000);
}

TEST(AbuseDetector, RuleNamesAreStable) {
  EXPECT_EQ(to_string(Rule::rapid_join), "rapid_join");
  EXPECT_EQ(to_string(Rule::rapid_next), "rapid_next");
  EXPECT_EQ(to_string(Rule::devices_per_ip), "devices_per_ip");
  EXPECT_EQ(to_string(Rule::ips_per_device), "ips_per_device");
  EXPECT_EQ(to_string(Rule::distinct_reporters), "distinct_reporters");
  EXPECT_EQ(to_string(Rule::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(SubjectKind::ip), "ip");
  EXPECT_EQ(to_string(SubjectKind::device), "device");
}

}  // namespace
}  // namespace serendip::abuse

namespace serendip::abuse {
namespace {

// The distinct-reporters rule over reporters counted in the shared database
// (several instances): the same weights and threshold as on_report.
TEST(JudgeReporters, WeightsAddUpToTheThresholdAsOnReport) {
  const AbuseConfig c;  // threshold 3, low weight 0.5 below 20 % accepted after 5 decided, 0 after 10 with none
  EXPECT_DOUBLE_EQ(reporter_weight(c.reporter, {}), 1.0);
  EXPECT_DOUBLE_EQ(reporter_weight(c.reporter, {4, 0}), 1.0);  // too few decisions to judge
  EXPECT_DOUBLE_EQ(reporter_weight(c.reporter, {5, 0}), 0.5);
  EXPECT_DOUBLE_EQ(reporter_weight(c.reporter, {10, 0}), 0.0);
  EXPECT_DOUBLE_EQ(reporter_weight(c.reporter, {10, 2}), 1.0);

  EXPECT_FALSE(judge_reporters(c, "dev", {{}, {}}));
  auto block = judge_reporters(c, "dev", {{}, {}, {}});
  ASSERT_TRUE(block);
  EXPECT_EQ(block->device, "dev");
  EXPECT_EQ(block->distinct_reporters, 3);
  EXPECT_EQ(block->duration_ms, c.reports.auto_block_ms);
  // Two trusted and two half-trusted reach 3; a zero-weight one never counts.
  EXPECT_FALSE(judge_reporters(c, "dev", {{}, {}, {5, 0}, {10, 0}}));
  block = judge_reporters(c, "dev", {{}, {}, {5, 0}, {6, 0}, {10, 0}});
  ASSERT_TRUE(block);
  EXPECT_EQ(block->distinct_reporters, 4);
  EXPECT_DOUBLE_EQ(block->weight, 3.0);
}

TEST(AbuseDetector, SeveralViewersShieldsOnOneDeviceAskACaptchaAndAReviewNeverABlock) {
  Fixture f;  // shield_blur: 3 distinct viewers within 10 minutes
  // One viewer's shield firing again and again is one viewer.
  for (int i = 0; i < 5; ++i) {
    const DetectorVerdict v = f.det.on_shield_blur("flasher", dev(1));
    EXPECT_TRUE(v.hits.empty());
    EXPECT_FALSE(v.priority_review);
    f.clock.advance(kSecond);
  }
  EXPECT_TRUE(f.det.on_shield_blur("flasher", dev(2)).hits.empty());
  EXPECT_EQ(f.det.needs_captcha("flasher"), std::nullopt);
  // A device is never its own viewer; nothing is counted for empty keys.
  EXPECT_TRUE(f.det.on_shield_blur("flasher", "flasher").hits.empty());
  EXPECT_TRUE(f.det.on_shield_blur("", dev(9)).hits.empty());

  const DetectorVerdict v = f.det.on_shield_blur("flasher", dev(3));
  ASSERT_EQ(v.hits.size(), 1u);
  EXPECT_EQ(v.hits[0].rule, Rule::shield_blur);
  EXPECT_EQ(v.hits[0].subject, "flasher");
  EXPECT_EQ(v.hits[0].count, 3);
  EXPECT_TRUE(v.priority_review);
  EXPECT_TRUE(v.captcha_required);
  EXPECT_FALSE(v.auto_block);  // a weak signal: never a block on its own
  EXPECT_EQ(f.det.needs_captcha("flasher"), 50'000);
  EXPECT_EQ(hits(f.det, Rule::shield_blur), 1u);
  ASSERT_NE(find_entry(f.det.watch_list(), Rule::shield_blur, "flasher"), nullptr);
  // The viewers are not penalised.
  EXPECT_EQ(f.det.needs_captcha(dev(1)), std::nullopt);

  // Solving the CAPTCHA starts the count over.
  f.det.captcha_solved("flasher");
  EXPECT_TRUE(f.det.on_shield_blur("flasher", dev(4)).hits.empty());
}

TEST(AbuseDetector, ShieldViewersOutsideTheWindowDoNotAddUp) {
  Fixture f;
  f.det.on_shield_blur("someone", dev(1));
  f.clock.advance(6 * kMinute);
  f.det.on_shield_blur("someone", dev(2));
  f.clock.advance(5 * kMinute);  // the first viewer is 11 minutes old
  EXPECT_TRUE(f.det.on_shield_blur("someone", dev(3)).hits.empty());
  EXPECT_EQ(f.det.on_shield_blur("someone", dev(4)).hits.size(), 1u);  // 2, 3, 4 within 10 minutes
}

TEST(AbuseDetector, TheShieldRuleCanBeSwitchedOffAndKeepsNoCaptchaWhenAskedNot) {
  AbuseConfig off;
  off.shield_blur.count = 0;
  Fixture f(off);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(f.det.on_shield_blur("x", dev(i)).hits.empty());
  AbuseConfig review_only;
  review_only.shield_blur.captcha = false;
  Fixture g(review_only);
  g.det.on_shield_blur("y", dev(1));
  g.det.on_shield_blur("y", dev(2));
  const DetectorVerdict v = g.det.on_shield_blur("y", dev(3));
  EXPECT_TRUE(v.priority_review);
  EXPECT_FALSE(v.captcha_required);
  EXPECT_EQ(g.det.needs_captcha("y"), std::nullopt);
}

}  // namespace
}  // namespace serendip::abuse
