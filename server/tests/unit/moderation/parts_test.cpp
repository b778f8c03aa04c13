// The service's building blocks: password hashing, the login limiter, input
// validation, the match-wait heatmap.
#include <gtest/gtest.h>

#include "moderation/login_limiter.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "moderation/password.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {
namespace {

TEST(Password, Argon2idAtInteractiveCost) {
  auto hash = hash_password("correct horse battery", PasswordCost::interactive);
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password("garbage", "x"));
  EXPECT_FALSE(verify_password("", ""));
  // Salted: the same password hashes differently each time.
  EXPECT_NE(*hash, *hash_password("correct horse battery", PasswordCost::minimum));
}

// The rules of the tests below: small numbers, easy to follow.
constexpr core::LoginRules kRules{.pair_free = 3,
                                  .address_free = 5,
                                  .first_delay_ms = 1'000,
                                  .max_delay_ms = 8'000,
                                  .forget_after_ms = 60'000,
                                  .all_max = 100,
                                  .all_window_ms = 10'000};

TEST(LoginLimiter, APairHasFreeAttemptsThenDelaysThatDoubleUpToTheCap) {
  LoginLimiter l(kRules);
  std::int64_t now = 0;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, 0) << i;
  // Each admitted attempt was counted at once (before any hash): the 4th waits.
  EXPECT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, 1'000);
  EXPECT_EQ(l.admit("root", "192.0.2.1", now + 400).wait_ms, 600) << "refusals are not counted";
  now += 1'000;
  EXPECT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, 0);
  EXPECT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, 2'000);
  for (std::int64_t expected : {4'000, 8'000, 8'000}) {
    now += l.admit("root", "192.0.2.1", now).wait_ms;
    ASSERT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, 0);
    EXPECT_EQ(l.admit("root", "192.0.2.1", now).wait_ms, expected);
  }
}

TEST(LoginLimiter, WrongPasswordsFromOneAddressNeverLockTheUsernameOutElsewhere) {
  LoginLimiter l(kRules);
  for (int i = 0; i < 50; ++i) (void)l.admit("root", "198.51.100.7", i * 10'000);
  EXPECT_EQ(l.admit("root", "198.51.100.7", 491'000).wait_ms, 7'000);
  // The moderator at their own address is not held back by the guesser.
  EXPECT_EQ(l.admit("root", "192.0.2.1", 491'000).wait_ms, 0);
  // Nor another username from the guesser's neighbour.
  EXPECT_EQ(l.admit("alice", "198.51.100.8", 491'000).wait_ms, 0);
}

TEST(LoginLimiter, AnAddressIsCountedOverEveryUsername) {
  LoginLimiter l(kRules);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.admit("user" + std::to_string(i), "192.0.2.9", 0).wait_ms, 0);
  // Fresh username, same address: the address' own delay applies.
  const LoginAdmission next = l.admit("fresh", "192.0.2.9", 0);
  EXPECT_EQ(next.wait_ms, 1'000);
  EXPECT_FALSE(next.everyone);
  EXPECT_EQ(l.admit("fresh", "192.0.2.10", 0).wait_ms, 0);
}

TEST(LoginLimiter, AllLoginsTogetherHaveARate) {
  core::LoginRules rules = kRules;
  rules.all_max = 4;
  LoginLimiter l(rules);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(l.admit("u" + std::to_string(i), "192.0.2." + std::to_string(i), 100).wait_ms, 0);
  const LoginAdmission refused = l.admit("late", "203.0.113.1", 2'100);
  EXPECT_EQ(refused.wait_ms, 8'000);  // until the window that began at 100 ends
  EXPECT_TRUE(refused.everyone);
  EXPECT_EQ(l.admit("late", "203.0.113.1", 10'100).wait_ms, 0) << "a new window";
}

TEST(LoginLimiter, ASuccessForgetsThePairAndGivesTheAddressItsAttemptBack) {
  LoginLimiter l(kRules);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(l.admit("root", "192.0.2.1", 0).wait_ms, 0);
  ASSERT_EQ(l.admit("root", "192.0.2.1", 1'000).wait_ms, 0);  // the right password, after the delay
  l.succeeded("root", "192.0.2.1", 1'000);
  EXPECT_EQ(l.admit("root", "192.0.2.1", 1'000).wait_ms, 0) << "the pair starts over";
  // The address keeps its failures (3, plus the attempt just admitted): one more is free.
  EXPECT_EQ(l.admit("other", "192.0.2.1", 1'000).wait_ms, 0);
  EXPECT_EQ(l.admit("third", "192.0.2.1", 1'000).wait_ms, 1'000);
}

TEST(LoginLimiter, CountsAreForgottenAfterAQuietSpellAndMemoryIsReturned) {
  core::LoginRules rules = kRules;
  rules.all_max = 1'000'000;
  LoginLimiter l(rules);
  for (int i = 0; i < 3; ++i) (void)l.admit("root", "192.0.2.1", 0);
  EXPECT_GT(l.admit("root", "192.0.2.1", 0).wait_ms, 0);
  EXPECT_EQ(l.admit("root", "192.0.2.1", 60'000).wait_ms, 0);
  for (int i = 0; i < 1'000; ++i)
    (void)l.admit("u", "10.0." + std::to_string(i / 250) + "." + std::to_string(i), 61'000);
  EXPECT_GE(l.tracked(), 2'000u);
  (void)l.admit("late", "192.0.2.200", 200'000);
  EXPECT_EQ(l.tracked(), 2u) << "forgotten counts are dropped";
}

TEST(Validation, CanonicalIp) {
  EXPECT_EQ(canonical_ip("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical_ip("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canonical_ip("::FFFF:c000:0201"), "192.0.2.1");
  EXPECT_EQ(canonical_ip("2001:DB8:0:0::1"), "2001:db8::/64");
  EXPECT_EQ(canonical_ip("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(canonical_ip("2001:db8:1:2::/64"), "2001:db8:1:2::/64");
  EXPECT_FALSE(canonical_ip(""));
  EXPECT_FALSE(canonical_ip("192.0.2.256"));
  EXPECT_FALSE(canonical_ip("192.0.2.1' OR '1'='1"));
  EXPECT_FALSE(canonical_ip("localhost"));
}

TEST(Validation, Text) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3u);
  EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);
  EXPECT_FALSE(utf8_length("\xc3"));
  EXPECT_FALSE(utf8_length("\x80"));
  EXPECT_TRUE(valid_report_reason("underage"));
  EXPECT_FALSE(valid_report_reason("Spam"));
  EXPECT_TRUE(valid_username("alice.b-2"));
  EXPECT_FALSE(valid_username("al"));
  EXPECT_FALSE(valid_username("_alice"));
  EXPECT_FALSE(valid_username("Alice"));
  EXPECT_TRUE(valid_device_key(std::string(64, 'f')));
  EXPECT_FALSE(valid_device_key("a b"));
  EXPECT_EQ(JsonText().add("a", "x\"\n").add("n", std::int64_t{3}).add("b", true).add_null("z").str(),
            R"({"a":"x\"\n","n":3,"b":true,"z":null})");
}

TEST(MatchWaitHeatmap, AggregatesByRegionAndUtcHour) {
  MatchWaitHeatmap h(2);
  const std::int64_t day = 1'790'035'200'000;  // a midnight UTC
  const std::int64_t hour = 3'600'000;
  for (int i = 0; i < 100; ++i) h.record_match_wait("EU", day + 5 * hour + i, i < 95 ? 200 : 9'000);
  h.record_match_wait("eu", day + 23 * hour, 1'500);
  h.record_match_wait("", day, 50);
  h.record_match_wait("us", day, 50);        // a third region: over the cap
  h.record_match_wait("<script>", day, 50);  // not a region name
  const auto snap = h.snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].region, "eu");
  EXPECT_EQ(snap[1].region, "other");
  EXPECT_EQ(snap[2].region, "unknown");
  ASSERT_EQ(snap[0].cells.size(), 2u);
  const auto& five = snap[0].cells[0];
  EXPECT_EQ(five.hour, 5);
  EXPECT_EQ(five.count, 100);
  EXPECT_EQ(five.total_ms, 95 * 200 + 5 * 9'000);
  EXPECT_EQ(five.max_ms, 9'000);
  EXPECT_GT(five.p50_ms, 100);
  EXPECT_LE(five.p50_ms, 250);
  EXPECT_LE(five.p95_ms, 250);  // the 95th of 100 is still a 200 ms wait
  EXPECT_EQ(snap[0].cells[1].hour, 23);
  EXPECT_EQ(snap[1].cells[0].count, 2);
}

// Several instances: each encodes its own waits; every one shows the sum.
TEST(MatchWaitHeatmap, MergesOtherInstancesEncodedWaits) {
  constexpr std::int64_t kNoonUtc = 1'790'000'000'000 - 1'790'000'000'000 % 86'400'000 + 12 * 3'600'000;
  MatchWaitHeatmap a, b;
  a.record_match_wait("europe", kNoonUtc, 200);
  b.record_match_wait("europe", kNoonUtc, 4'000);
  b.record_match_wait("asia", kNoonUtc + 3'600'000, 50);
  a.set_others({b.encode(), "garbage line\nEUROPE 12 x 1 1 0\n", ""});
  const auto snap = a.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].region, "asia");
  ASSERT_EQ(snap[0].cells.size(), 1u);
  EXPECT_EQ(snap[0].cells[0].hour, 13);
  EXPECT_EQ(snap[1].region, "europe");
  ASSERT_EQ(snap[1].cells.size(), 1u);
  EXPECT_EQ(snap[1].cells[0].count, 2);
  EXPECT_EQ(snap[1].cells[0].total_ms, 4'200);
  EXPECT_EQ(snap[1].cells[0].max_ms, 4'000);
  // Replaced, not added up, by the next set; the own waits stay.
  a.set_others({});
  EXPECT_EQ(a.snapshot().size(), 1u);
  EXPECT_EQ(a.snapshot()[0].cells[0].count, 1);
  // What one encodes, another reads back whole.
  MatchWaitHeatmap c;
  c.set_others({a.encode(), b.encode()});
  EXPECT_EQ(c.snapshot()[1].cells[0].total_ms, 4'200);
}

}  // namespace
}  // namespace serendip::moderation
