// The abuse scripts' arguments and replies as data (the scripts themselves
// run on a real Redis in tests/redis/abuse_scripts_redistest.cpp): keys on one
// slot per subject, and replies this build cannot read are refused, never
// half-read.
#include "shared_state/abuse_protocol.hpp"

#include <gtest/gtest.h>

#include "shared_state/lua_scripts.hpp"

namespace serendip::shared_state {
namespace {

using abuse::Limit;
using abuse::SubjectKind;

TEST(AbuseProtocol, KeysOfOneSubjectShareItsHashTag) {
  EXPECT_EQ(subject_of(Limit::connect_per_ip), SubjectKind::ip);
  EXPECT_EQ(subject_of(Limit::session_per_ip), SubjectKind::ip);
  EXPECT_EQ(subject_of(Limit::join_per_device), SubjectKind::device);
  EXPECT_EQ(ratelimit_key(SubjectKind::ip, "2001:db8::1"), "ratelimit:ip:{2001:db8::1}");
  EXPECT_EQ(abuse_key(SubjectKind::device, "k1"), "abuse:device:{k1}");
  EXPECT_EQ(altcha_key("ab12"), "altcha:{ab12}");
  const AbuseSettings s;
  const ScriptCall call = abuse_match(s, true, "k1", "192.0.2.1", 5);
  EXPECT_EQ(call.script, "abuse");
  ASSERT_EQ(call.keys.size(), 2u);
  EXPECT_EQ(call.keys[0], "ratelimit:device:{k1}");
  EXPECT_EQ(call.keys[1], "abuse:device:{k1}");
  EXPECT_EQ(call.args[0], "match");
  EXPECT_EQ(call.args[2], "next_per_device");
  for (const char* name : {"abuse", "watch"}) EXPECT_FALSE(lua_script(name).empty()) << name;
}

TEST(AbuseProtocol, AnOffLimitIsSentAsOff) {
  AbuseSettings s;
  s.limits[Limit::join_per_device] = abuse::LimitSpec{0, 60'000, 10};
  const ScriptCall call = abuse_take(s, Limit::join_per_device, "k1", 5);
  EXPECT_EQ(call.args[3], "0");  // tokens
  EXPECT_EQ(call.args[5], "0");  // burst
}

TEST(AbuseProtocol, RepliesAreReadWholeOrNotAtAll) {
  using Status = AbuseReply::Status;
  EXPECT_EQ(parse_take({"1"})->status, Status::admit);
  auto refused = parse_take({"0", "1500", "0"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, Status::rate_limited);
  EXPECT_EQ(refused->retry_after_ms, 1500);
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{}, {"x"}, {"0", "1500"}, {"0", "15x", "0"}, {"1", "2"}, {"3", "0", "0"}}) {
    EXPECT_FALSE(parse_take(bad)) << ::testing::PrintToString(bad);
  }

  auto hits = parse_match({"2", "50000", "rapid_join", "10", "ips_per_device", "5"}, "k1");
  ASSERT_TRUE(hits);
  EXPECT_EQ(hits->status, Status::captcha);
  EXPECT_EQ(hits->difficulty, 50'000);
  ASSERT_EQ(hits->hits.size(), 2u);
  EXPECT_EQ(hits->hits[0].rule, abuse::Rule::rapid_join);
  EXPECT_EQ(hits->hits[0].subject, "k1");
  EXPECT_EQ(hits->hits[1].count, 5);
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"0"},
                                              {"0", "0", "rapid_join"},
                                              {"0", "0", "no_such_rule", "1"},
                                              {"1", "5"},
                                              {"9", "0"},
                                              {"0", "0", "rapid_join", "x"}}) {
    EXPECT_FALSE(parse_match(bad, "k1")) << ::testing::PrintToString(bad);
  }
  EXPECT_FALSE(parse_connect({}, "k1"));
  EXPECT_EQ(parse_connect({"0", "ips_per_device", "5"}, "k1")->hits.size(), 1u);
}

TEST(AbuseProtocol, TheWatchListSkipsEntriesItCannotRead) {
  const auto list = parse_watch_list({"device|rapid_next|k1", "8|2|100|200|1|50000",  // good
                                      "ip|rate_limited|2001:db8::1", "1|1|5|6|0|0",   // good, an IPv6 subject
                                      "device|nope|k2", "1|1|1|1|0|0",                // unknown rule
                                      "device|rapid_join|k3", "1|1|1|1|0",            // a field short
                                      "alien|rapid_join|k4", "1|1|1|1|0|0",           // unknown kind
                                      "dangling"});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].subject, "k1");
  EXPECT_TRUE(list[0].captcha_pending);
  EXPECT_EQ(list[0].difficulty, 50'000);
  EXPECT_EQ(list[0].hits, 2u);
  EXPECT_EQ(list[1].subject, "2001:db8::1");
  EXPECT_EQ(list[1].kind, SubjectKind::ip);
  EXPECT_FALSE(list[1].captcha_pending);
}

TEST(AbuseProtocol, TheWatchListComesMostRecentFirstWhateverOrderRedisGives) {
  // watch.lua's list is one HGETALL: field order is the hash's, not the hits'.
  const auto list = parse_watch_list({"ip|rate_limited|192.0.2.1", "1|1|5|6|0|0",         // last 6
                                      "device|rapid_next|k1", "8|2|100|300|1|0",          // last 300
                                      "device|rapid_join|k1", "8|1|100|300|0|0",          // last 300, a tie
                                      "ip|devices_per_ip|192.0.2.9", "8|1|50|200|0|0"});  // last 200
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].subject, "k1");
  EXPECT_EQ(list[1].subject, "k1");
  EXPECT_LT(list[0].rule, list[1].rule);  // ties: a fixed order
  EXPECT_EQ(list[2].subject, "192.0.2.9");
  EXPECT_EQ(list[3].subject, "192.0.2.1");
}

}  // namespace
}  // namespace serendip::shared_state
