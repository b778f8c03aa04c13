#include "net/recent_sessions.hpp"

#include <gtest/gtest.h>

#include <string>

namespace serendip::net {
namespace {

constexpr std::int64_t kWindow = 300'000;

std::string id(int n) {
  std::string s = std::to_string(n);
  return std::string(32 - s.size(), '0') + s;  // 32 hex digits, as the hubs make them
}

const store::Party kAlice{"user-alice", "device-alice-0123456789abcdef0123456789abcdef", "203.0.113.7"};
const store::Party kBob{"user-bob", "device-bob", "2001:db8::1"};

TEST(RecentSessions, EitherSideFindsTheSessionWithThePeerItReports) {
  RecentSessions r(kWindow);
  r.started(id(1), kAlice, kBob, 1'000);
  auto a = r.find_for_report(id(1), "user-alice");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->session_id, id(1));
  EXPECT_EQ(a->reporter.device_key, kAlice.device_key);
  EXPECT_EQ(a->peer.user_id, "user-bob");
  EXPECT_EQ(a->peer.device_key, "device-bob");
  EXPECT_EQ(a->peer.ip, "2001:db8::1");
  EXPECT_EQ(a->started_at, 1'000);
  EXPECT_FALSE(a->ended_at);
  auto b = r.find_for_report(id(1), "user-bob");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->peer.user_id, "user-alice");
  EXPECT_EQ(b->peer.ip, "203.0.113.7");
  EXPECT_FALSE(r.find_for_report(id(1), "user-carol"));
  EXPECT_FALSE(r.find_for_report(id(2), "user-alice"));
}

TEST(RecentSessions, EndsOnceAndIsKeptForTheWindow) {
  RecentSessions r(kWindow);
  r.started(id(1), kAlice, kBob, 1'000);
  auto rec = r.ended(id(1), 5'000);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->started_at, 1'000);
  EXPECT_EQ(rec->ended_at, 5'000);
  EXPECT_EQ(rec->reporter.user_id, "user-alice");
  EXPECT_EQ(rec->peer.user_id, "user-bob");
  EXPECT_FALSE(r.ended(id(1), 6'000)) << "a second end is not counted again";
  r.prune(5'000 + kWindow);
  auto found = r.find_for_report(id(1), "user-bob");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ended_at, 5'000);
  r.prune(5'000 + kWindow + 1);
  EXPECT_FALSE(r.find_for_report(id(1), "user-bob"));
  EXPECT_EQ(r.size(), 0u);
}

TEST(RecentSessions, RunningSessionsAreNeverPruned) {
  RecentSessions r(kWindow);
  r.started(id(1), kAlice, kBob, 1'000);
  r.prune(1'000 + 10 * kWindow);
  EXPECT_TRUE(r.find_for_report(id(1), "user-alice"));
}

TEST(RecentSessions, PastTheCapTheOldestEndedGoesFirst) {
  RecentSessions r(kWindow, 2);
  for (int i = 1; i <= 4; ++i) r.started(id(i), kAlice, kBob, i);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(r.ended(id(i), 10 + i));
  EXPECT_FALSE(r.find_for_report(id(1), "user-alice"));
  EXPECT_TRUE(r.find_for_report(id(2), "user-alice"));
  EXPECT_TRUE(r.find_for_report(id(3), "user-alice"));
  EXPECT_TRUE(r.find_for_report(id(4), "user-alice")) << "a running session does not count against the cap";
  EXPECT_EQ(r.dropped_early(), 1u);
  EXPECT_EQ(r.size(), 3u);
}

TEST(RecentSessions, IdsThatAreNotTheHubsAreNeitherKeptNorFound) {
  RecentSessions r(kWindow);
  r.started("short", kAlice, kBob, 1);
  EXPECT_EQ(r.size(), 0u);
  r.started(id(7), kAlice, kBob, 1);
  std::string upper = id(7);
  upper[0] = 'A';
  EXPECT_FALSE(r.find_for_report(upper, "user-alice"));
  EXPECT_FALSE(r.find_for_report(std::string(32, 'g'), "user-alice"));
  EXPECT_FALSE(r.find_for_report(id(7) + "0", "user-alice"));
  EXPECT_FALSE(r.ended("not-an-id", 2));
  EXPECT_TRUE(r.find_for_report(id(7), "user-alice"));
}

TEST(RecentSessions, EmptyFieldsRoundTrip) {
  RecentSessions r(kWindow);
  r.started(id(9), store::Party{"u1", "", ""}, store::Party{"u2", "", ""}, 1);
  auto rec = r.find_for_report(id(9), "u2");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->peer.user_id, "u1");
  EXPECT_EQ(rec->peer.device_key, "");
  EXPECT_EQ(rec->peer.ip, "");
}

}  // namespace
}  // namespace serendip::net
