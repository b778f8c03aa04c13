#include "shared_state/presence.hpp"

#include <gtest/gtest.h>

#include "shared_state/lua_scripts.hpp"

namespace serendip::shared_state {
namespace {

TEST(Presence, KeysAreTaggedBySubject) {
  EXPECT_EQ(presence_device_key("d41f"), "presence:device:{d41f}");
  EXPECT_EQ(presence_ip_key("2001:db8::1"), "presence:ip:{2001:db8::1}");
  EXPECT_EQ(presence_keys("d41f", "203.0.113.9"),
            (std::vector<std::string>{"presence:device:{d41f}", "presence:ip:{203.0.113.9}"}));
  EXPECT_EQ(presence_keys("", "203.0.113.9"), (std::vector<std::string>{"presence:ip:{203.0.113.9}"}));
  EXPECT_TRUE(presence_keys("", "").empty());
}

TEST(Presence, TouchCallCarriesMemberNowAndTtl) {
  EXPECT_NE(lua_script("presence_touch").find("KEYS[1]"), std::string_view::npos);
  auto c = presence_touch_call("presence:ip:{x}", "a1/7", 1'000'000);
  EXPECT_EQ(c.script, "presence_touch");
  EXPECT_EQ(c.keys, (std::vector<std::string>{"presence:ip:{x}"}));
  EXPECT_EQ(c.args, (std::vector<std::string>{"a1/7", "1000000", std::to_string(kPresenceTtlMs)}));
}

TEST(Presence, ReadIsBoundedAndSkipsExpiredMembers) {
  auto cmd = presence_read_command("presence:device:{d}", 1'000'000);
  EXPECT_EQ(
      cmd, (std::vector<std::string>{"ZRANGE", "presence:device:{d}", std::to_string(1'000'000 - kPresenceTtlMs),
                                     "+inf", "BYSCORE", "LIMIT", "0", std::to_string(kPresenceReadCap), "WITHSCORES"}));
}

struct KickCase {
  const char* name;
  std::vector<std::vector<std::string>> replies;
  std::vector<std::string> instances;
  std::vector<std::vector<std::string>> stale;
  bool broadcast = false;
};

TEST(Presence, PlanKick) {
  const std::vector<std::string> live{"self", "b", "c"};
  const std::int64_t now = 100'000;
  const std::int64_t grace = 6'000;
  const std::vector<KickCase> cases{
      {"nobody present", {{}}, {}, {{}}},
      {"one socket on another instance", {{"b/1", "99000"}}, {"b"}, {{}}},
      {"this instance is handled locally", {{"self/4", "99000"}}, {}, {{}}},
      {"device and address on several instances, each named once",
       {{"b/1", "99000", "c/2", "98000"}, {"b/1", "99000", "b/3", "97000"}},
       {"b", "c"},
       {{}, {}}},
      {"a dead instance's old member is skipped and removed",
       {{"dead/1", "50000", "b/2", "99000"}},
       {"b"},
       {{"dead/1"}}},
      {"an unknown instance's fresh member still gets the kick (it may have just started)",
       {{"new/1", "97000"}},
       {"new"},
       {{}}},
      {"a member that is not a ticket is removed", {{"garbage", "99000", "b/1", "x"}}, {}, {{"garbage", "b/1"}}},
  };
  for (const auto& c : cases) {
    auto plan = plan_kick(c.replies, live, "self", now, grace);
    EXPECT_EQ(plan.instances, c.instances) << c.name;
    EXPECT_EQ(plan.stale, c.stale) << c.name;
    EXPECT_EQ(plan.broadcast, c.broadcast) << c.name;
  }
}

TEST(Presence, AKeyAtTheReadCapIsNotTrustedToBeComplete) {
  std::vector<std::string> full;
  for (std::size_t i = 0; i < kPresenceReadCap; ++i) {
    full.push_back("b/" + std::to_string(i));
    full.emplace_back("99000");
  }
  std::vector<std::vector<std::string>> replies{full};
  EXPECT_TRUE(plan_kick(replies, std::vector<std::string>{"b"}, "self", 100'000, 6'000).broadcast);
  full.resize(full.size() - 2);
  replies = {full};
  EXPECT_FALSE(plan_kick(replies, std::vector<std::string>{"b"}, "self", 100'000, 6'000).broadcast);
}

TEST(SessionRecords, OneKeyPerInstanceWithBothTicketsAndTheStart) {
  EXPECT_EQ(sessions_key("i1"), "sessions:{i1}");
  EXPECT_EQ(session_value("i1/1", "i2/9", 1234), "i1/1|i2/9|1234");
}

TEST(SessionRecords, ABatchIsOneHsetAndOneHdel) {
  const std::vector<std::pair<std::string, std::string>> started{{"s1", "a/1|b/2|10"}, {"s2", "a/3|a/4|11"}};
  const std::vector<std::string> ended{"s0"};
  auto cmds = sessions_commands("a", started, ended);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"HSET", "sessions:{a}", "s1", "a/1|b/2|10", "s2", "a/3|a/4|11"}));
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"HDEL", "sessions:{a}", "s0"}));
  EXPECT_TRUE(sessions_commands("a", {}, {}).empty());
}

TEST(SessionRecords, LargeBatchesAreSplit) {
  std::vector<std::pair<std::string, std::string>> started;
  std::vector<std::string> ended;
  for (std::size_t i = 0; i < kSessionsBatch + 1; ++i) {
    started.emplace_back("s" + std::to_string(i), "v");
    ended.push_back("e" + std::to_string(i));
  }
  auto cmds = sessions_commands("a", started, ended);
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0].size(), 2 + 2 * kSessionsBatch);
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"HSET", "sessions:{a}", "s" + std::to_string(kSessionsBatch), "v"}));
  EXPECT_EQ(cmds[2][0], "HDEL");
  EXPECT_EQ(cmds[2].size(), 2 + kSessionsBatch);
  EXPECT_EQ(cmds[3], (std::vector<std::string>{"HDEL", "sessions:{a}", "e" + std::to_string(kSessionsBatch)}));
}

}  // namespace
}  // namespace serendip::shared_state
