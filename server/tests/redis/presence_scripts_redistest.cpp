// The presence script (shared_state/lua/presence_touch.lua) and the commands
// around it on a real Redis, standalone and cluster: a touch records the
// member with its time and sets the key's TTL, members nobody rewrote within
// the TTL leave at the next touch, a kick's bounded read sees what it needs,
// and the session record keeps its first end.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "shared_state/presence.hpp"
#include "sync_redis.hpp"

namespace serendip::shared_state {
namespace {

using testing::SyncRedis;

class PresenceScripts : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto all = testing::targets();
    ASSERT_FALSE(all.empty()) << "SERENDIP_TEST_REDIS_URL is not set: run under scripts/redis.sh run";
    if (static_cast<std::size_t>(GetParam()) >= all.size()) {
      GTEST_FAIL() << "SERENDIP_TEST_REDIS_CLUSTER_URL is not set: run under scripts/redis.sh run --both";
    }
    redis_ = std::make_unique<SyncRedis>(all[static_cast<std::size_t>(GetParam())]);
  }

  std::vector<std::string> read(const std::string& key, std::int64_t now) {
    std::vector<std::string> out;
    auto r = redis_->command(presence_read_command(key, now));
    testing::flatten(r.get(), out);
    return out;
  }

  std::unique_ptr<SyncRedis> redis_;
};

TEST_P(PresenceScripts, TouchRecordsTheMemberAndTheKeyExpires) {
  const std::string key = presence_ip_key("192.0.2.10");
  redis_->command({"DEL", key});
  const std::int64_t now = 1'700'000'000'000;
  EXPECT_EQ(redis_->eval(presence_touch_call(key, "a/1", now)), std::vector<std::string>{"1"});
  EXPECT_EQ(redis_->eval(presence_touch_call(key, "b/2", now + 10)), std::vector<std::string>{"1"});
  EXPECT_EQ(read(key, now + 10),
            (std::vector<std::string>{"a/1", std::to_string(now), "b/2", std::to_string(now + 10)}));
  const auto ttl = redis_->command({"PTTL", key})->integer;
  EXPECT_GT(ttl, kPresenceTtlMs - 5'000);
  EXPECT_LE(ttl, kPresenceTtlMs);
}

TEST_P(PresenceScripts, MembersNotRewrittenWithinTheTtlLeaveAtTheNextTouch) {
  const std::string key = presence_device_key("presence-redistest-device");
  redis_->command({"DEL", key});
  const std::int64_t now = 1'700'000'000'000;
  redis_->eval(presence_touch_call(key, "gone/1", now));
  redis_->eval(presence_touch_call(key, "live/2", now));
  // live/2 is refreshed in time, gone/1 (its instance died) is not.
  redis_->eval(presence_touch_call(key, "live/2", now + kPresenceRefreshMs));
  redis_->eval(presence_touch_call(key, "new/3", now + kPresenceTtlMs + 1));
  EXPECT_EQ(redis_->command({"ZCARD", key})->integer, 2);
  EXPECT_EQ(redis_->command({"ZSCORE", key, "gone/1"})->type, REDIS_REPLY_NIL);
  // A reader skips members older than the TTL even before a touch removes them.
  const std::string other = presence_ip_key("192.0.2.11");
  redis_->command({"DEL", other});
  redis_->eval(presence_touch_call(other, "old/1", now));
  EXPECT_TRUE(read(other, now + kPresenceTtlMs + 1).empty());
}

TEST_P(PresenceScripts, AKickReadsAtMostTheCapAndThenGoesToEveryone) {
  const std::string key = presence_ip_key("192.0.2.12");
  redis_->command({"DEL", key});
  const std::int64_t now = 1'700'000'000'000;
  for (std::size_t i = 0; i < kPresenceReadCap + 5; ++i) {
    redis_->eval(presence_touch_call(key, "i" + std::to_string(i % 3) + "/" + std::to_string(i), now));
  }
  const auto reply = read(key, now);
  EXPECT_EQ(reply.size(), 2 * kPresenceReadCap);
  std::vector<std::vector<std::string>> replies{reply};
  const std::vector<std::string> live{"i0", "i1", "i2"};
  EXPECT_TRUE(plan_kick(replies, live, "i0", now, 6'000).broadcast);
}

TEST_P(PresenceScripts, SessionRecordsAreAddedAndRemovedInBatches) {
  const std::string key = sessions_key("presence-redistest");
  redis_->command({"DEL", key});
  auto run = [&](const std::vector<std::pair<std::string, std::string>>& started,
                 const std::vector<std::string>& ended) {
    for (const auto& c : sessions_commands("presence-redistest", started, ended)) redis_->command(c);
  };
  run({{"s1", session_value("a/1", "b/2", 1000)}, {"s2", session_value("a/3", "a/4", 1001)}}, {});
  run({{"s3", session_value("b/5", "a/6", 1002)}}, {"s1"});
  std::vector<std::string> all;
  testing::flatten(redis_->command({"HMGET", key, "s1", "s2", "s3"}).get(), all);
  EXPECT_EQ(all, (std::vector<std::string>{"", "a/3|a/4|1001", "b/5|a/6|1002"}));
  EXPECT_EQ(redis_->command({"HLEN", key})->integer, 2);
  redis_->command({"DEL", key});
}

INSTANTIATE_TEST_SUITE_P(Redis, PresenceScripts, ::testing::Values(0, 1), [](const auto& info) {
  return info.param == 0 ? std::string("Standalone") : std::string("Cluster");
});

}  // namespace
}  // namespace serendip::shared_state
