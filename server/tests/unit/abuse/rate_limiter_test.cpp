// Token buckets: every limit trips at its configured rate and recovers after
// its refill time; refused requests take nothing; memory stays bounded under
// a flood of distinct keys (lazy expiry, sweep, hard cap). Time is a
// ManualClock: no test sleeps.
#include "abuse/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace serendip::abuse {
namespace {

constexpr Limit kAllLimits[] = {Limit::session_per_ip,  Limit::session_per_device, Limit::connect_per_ip,
                                Limit::join_per_device, Limit::next_per_device,    Limit::report_per_device};

std::string device(int i) { return "device-" + std::to_string(i); }

// Milliseconds one token takes to come back, rounded up.
std::int64_t token_ms(const LimitSpec& s) { return (s.per_ms + s.tokens - 1) / s.tokens; }

TEST(RateLimiter, EveryDefaultLimitTripsAtItsBurstAndRecoversAfterOneTokenTime) {
  for (Limit limit : kAllLimits) {
    SCOPED_TRACE(std::string(to_string(limit)));
    core::ManualClock clock;
    MemoryRateLimiter rl(RateLimitConfig{}, clock);
    const LimitSpec spec = rl.config()[limit];
    ASSERT_TRUE(spec.enabled());
    for (std::int64_t i = 0; i < spec.burst; ++i) ASSERT_TRUE(rl.check(limit, "k").allowed) << i;
    const RateDecision refused = rl.check(limit, "k");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after_ms, token_ms(spec));
    clock.advance(refused.retry_after_ms - 1);
    EXPECT_FALSE(rl.check(limit, "k").allowed);
    clock.advance(1);
    EXPECT_TRUE(rl.check(limit, "k").allowed);
    EXPECT_FALSE(rl.check(limit, "k").allowed);
  }
}

TEST(RateLimiter, SustainedRateIsTheConfiguredRate) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::join_per_device] = {20, 60'000, 10};  // 20/min burst 10: one token every 3 s
  MemoryRateLimiter rl(cfg, clock);
  int allowed = 0;
  // Ten minutes of a client trying every 100 ms.
  for (int t = 0; t < 6'000; ++t) {
    if (rl.check(Limit::join_per_device, "d").allowed) ++allowed;
    clock.advance(100);
  }
  EXPECT_EQ(allowed, 10 + 200 - 1);  // the burst, then 20 per minute (the last token lands at exactly 10 min)
}

TEST(RateLimiter, RetryAfterIsExactAndRefusalsTakeNothing) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::next_per_device] = {60, 60'000, 2};  // one token per second
  MemoryRateLimiter rl(cfg, clock);
  EXPECT_TRUE(rl.check(Limit::next_per_device, "d"));
  EXPECT_TRUE(rl.check(Limit::next_per_device, "d"));
  clock.advance(400);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(rl.check(Limit::next_per_device, "d").retry_after_ms, 600);
  clock.advance(600);
  EXPECT_TRUE(rl.check(Limit::next_per_device, "d"));  // 50 refusals did not push it back
}

TEST(RateLimiter, KeysAndLimitsHaveSeparateBuckets) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::join_per_device] = {1, 60'000, 1};
  cfg[Limit::next_per_device] = {1, 60'000, 1};
  MemoryRateLimiter rl(cfg, clock);
  EXPECT_TRUE(rl.check(Limit::join_per_device, "a"));
  EXPECT_FALSE(rl.check(Limit::join_per_device, "a"));
  EXPECT_TRUE(rl.check(Limit::join_per_device, "b"));
  EXPECT_TRUE(rl.check(Limit::next_per_device, "a"));
}

TEST(RateLimiter, CostTakesSeveralTokensAndIsCappedAtTheBurst) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::session_per_ip] = {10, 10'000, 5};  // a token per second
  MemoryRateLimiter rl(cfg, clock);
  EXPECT_TRUE(rl.check(Limit::session_per_ip, "ip", 3));
  const RateDecision r = rl.check(Limit::session_per_ip, "ip", 3);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.retry_after_ms, 1'000);
  clock.advance(3'000);
  EXPECT_TRUE(rl.check(Limit::session_per_ip, "ip", 100));  // a whole (full) bucket
  EXPECT_FALSE(rl.check(Limit::session_per_ip, "ip", 1));
  EXPECT_TRUE(rl.check(Limit::session_per_ip, "ip", 0));  // free
}

TEST(RateLimiter, ADisabledLimitAlwaysAllowsAndKeepsNoState) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::connect_per_ip] = {0, 60'000, 0};
  MemoryRateLimiter rl(cfg, clock);
  for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(rl.check(Limit::connect_per_ip, "ip"));
  EXPECT_EQ(rl.stats().entries, 0u);
}

TEST(RateLimiter, SweepDropsOnlyRefilledBuckets) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::join_per_device] = {20, 60'000, 10};  // 3 s per token
  MemoryRateLimiter rl(cfg, clock);
  ASSERT_TRUE(rl.check(Limit::join_per_device, "one-token-used"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.check(Limit::join_per_device, "emptied"));
  EXPECT_EQ(rl.stats().entries, 2u);
  clock.advance(3'000);
  EXPECT_EQ(rl.sweep(), 1u);  // the first refilled, the second has 1 of 10
  EXPECT_EQ(rl.stats()[Limit::join_per_device].entries, 1u);
  clock.advance(27'000 - 1);
  EXPECT_EQ(rl.sweep(), 0u);
  clock.advance(1);
  EXPECT_EQ(rl.sweep(), 1u);
  EXPECT_EQ(rl.stats().entries, 0u);
  EXPECT_EQ(rl.stats().approx_bytes, 0u);
  // A dropped bucket is the same as a full one.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(rl.check(Limit::join_per_device, "emptied"));
  EXPECT_FALSE(rl.check(Limit::join_per_device, "emptied"));
}

TEST(RateLimiter, ChecksDropIdleBucketsLazily) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg.shards = 1;  // one LRU list, so the order of lazy drops is plain
  MemoryRateLimiter rl(cfg, clock);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(rl.check(Limit::next_per_device, device(i)));
  EXPECT_EQ(rl.stats().entries, 100u);
  clock.advance(60'000);  // all refilled (one token at 1 per second)
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.check(Limit::next_per_device, "fresh"));
  // Each check dropped up to two refilled buckets before touching its own.
  EXPECT_EQ(rl.stats().entries, 100u - 20u + 1u);
}

TEST(RateLimiter, TenThousandDistinctDevicesCostBoundedMemory) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg.max_entries_per_limit = 1'000;
  MemoryRateLimiter rl(cfg, clock);
  // A flood: every request a new device id, all at the same instant, so
  // nothing has refilled and only the cap holds the table down.
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(rl.check(Limit::join_per_device, device(i)));
  const RateLimiterStats s = rl.stats();
  // 16 shards of ceil(1000 / 16) = 63 buckets.
  EXPECT_LE(s[Limit::join_per_device].entries, 16u * 63u);
  EXPECT_GE(s[Limit::join_per_device].entries, 900u);
  EXPECT_GE(s[Limit::join_per_device].evicted, 10'000u - 16u * 63u);
  EXPECT_LT(s.approx_bytes, 1'008u * 256u);
  EXPECT_GT(s.approx_bytes, 0u);
  // The same flood again: still bounded.
  for (int i = 10'000; i < 20'000; ++i) ASSERT_TRUE(rl.check(Limit::join_per_device, device(i)));
  EXPECT_LE(rl.stats().entries, 16u * 63u);
}

TEST(RateLimiter, TenThousandDevicesWithTheDefaultCapAllGoOnceRefilled) {
  core::ManualClock clock;
  MemoryRateLimiter rl(RateLimitConfig{}, clock);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(rl.check(Limit::next_per_device, device(i)));
  EXPECT_EQ(rl.stats().entries, 10'000u);
  clock.advance(1'000);  // next_per_device: a token per second
  EXPECT_EQ(rl.sweep(), 10'000u);
  EXPECT_EQ(rl.stats().entries, 0u);
}

TEST(RateLimiter, TheCapEvictsTheLeastRecentlyUsedBucket) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg.shards = 1;
  cfg.max_entries_per_limit = 2;
  cfg[Limit::join_per_device] = {1, 60'000, 1};
  MemoryRateLimiter rl(cfg, clock);
  ASSERT_TRUE(rl.check(Limit::join_per_device, "a"));
  ASSERT_TRUE(rl.check(Limit::join_per_device, "b"));
  ASSERT_FALSE(rl.check(Limit::join_per_device, "a"));  // a is now the most recent
  ASSERT_TRUE(rl.check(Limit::join_per_device, "c"));   // evicts b
  EXPECT_FALSE(rl.check(Limit::join_per_device, "a"));  // a's empty bucket survived
  EXPECT_TRUE(rl.check(Limit::join_per_device, "b"));   // b comes back full (documented trade-off)
  EXPECT_EQ(rl.stats()[Limit::join_per_device].evicted, 2u);
}

TEST(RateLimiter, CountsAllowedAndRefused) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg[Limit::report_per_device] = {1, 60'000, 2};
  MemoryRateLimiter rl(cfg, clock);
  for (int i = 0; i < 5; ++i) (void)rl.check(Limit::report_per_device, "r");
  const LimitStats s = rl.stats()[Limit::report_per_device];
  EXPECT_EQ(s.allowed, 2u);
  EXPECT_EQ(s.refused, 3u);
}

TEST(RateLimiter, ConcurrentChecksOnOneKeyGrantExactlyTheBurst) {
  core::ManualClock clock;  // frozen: no refill while the threads race
  RateLimitConfig cfg;
  cfg[Limit::connect_per_ip] = {60, 60'000, 30};
  MemoryRateLimiter rl(cfg, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (rl.check(Limit::connect_per_ip, "203.0.113.9").allowed) ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 30);
  EXPECT_EQ(rl.stats()[Limit::connect_per_ip].refused, 8u * 500u - 30u);
}

TEST(RateLimiter, ConcurrentFloodOfDistinctKeysStaysUnderTheCap) {
  core::ManualClock clock;
  RateLimitConfig cfg;
  cfg.max_entries_per_limit = 512;
  MemoryRateLimiter rl(cfg, clock);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2'500; ++i) (void)rl.check(Limit::connect_per_ip, device(t * 10'000 + i));
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) (void)rl.sweep();
  });
  for (auto& t : threads) t.join();
  EXPECT_LE(rl.stats().entries, 512u);
}

TEST(RateLimiter, LimitNamesAreStable) {
  EXPECT_EQ(to_string(Limit::session_per_ip), "session_per_ip");
  EXPECT_EQ(to_string(Limit::session_per_device), "session_per_device");
  EXPECT_EQ(to_string(Limit::connect_per_ip), "connect_per_ip");
  EXPECT_EQ(to_string(Limit::join_per_device), "join_per_device");
  EXPECT_EQ(to_string(Limit::next_per_device), "next_per_device");
  EXPECT_EQ(to_string(Limit::report_per_device), "report_per_device");
}

}  // namespace
}  // namespace serendip::abuse

namespace serendip::abuse {
namespace {

TEST(RateLimitOverrides, ParsesAndRejects) {
  RateLimitConfig c;
  EXPECT_EQ(apply_rate_limit_overrides("join_per_device=3/10s/2, next_per_device=off", c), "");
  EXPECT_EQ(c[Limit::join_per_device].tokens, 3);
  EXPECT_EQ(c[Limit::join_per_device].per_ms, 10'000);
  EXPECT_EQ(c[Limit::join_per_device].burst, 2);
  EXPECT_FALSE(c[Limit::next_per_device].enabled());
  EXPECT_TRUE(c[Limit::session_per_ip].enabled());  // untouched
  EXPECT_EQ(apply_rate_limit_overrides("", c), "");
  EXPECT_NE(apply_rate_limit_overrides("bogus=1/1s/1", c), "");
  EXPECT_NE(apply_rate_limit_overrides("join_per_device=1/1s", c), "");
  EXPECT_NE(apply_rate_limit_overrides("join_per_device=0/1s/1", c), "");
  EXPECT_NE(apply_rate_limit_overrides("join_per_device", c), "");
}

}  // namespace
}  // namespace serendip::abuse
