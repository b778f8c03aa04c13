#include "shared_state/match_protocol.hpp"

#include <gtest/gtest.h>

#include "shared_state/lua_scripts.hpp"

namespace serendip::shared_state {
namespace {

core::Preferences prefs(std::vector<std::string> languages, std::string region = "",
                        std::vector<std::string> interests = {}) {
  core::Preferences p;
  p.languages = std::move(languages);
  p.region = std::move(region);
  p.interests = std::move(interests);
  return p;
}

TEST(LuaScripts, EveryScriptIsEmbedded) {
  for (const char* name : {"match_join", "match_leave", "match_reap"}) {
    EXPECT_NE(lua_script(name).find("KEYS[1]"), std::string_view::npos) << name;
  }
  EXPECT_TRUE(lua_script("no_such_script").empty());
}

TEST(Ticket, RoundTrips) {
  const std::string t = format_ticket("a1b2", 42);
  EXPECT_EQ(t, "a1b2/42");
  EXPECT_EQ(parse_ticket(t), (Ticket{"a1b2", 42}));
  EXPECT_FALSE(parse_ticket("a1b2"));
  EXPECT_FALSE(parse_ticket("/42"));
  EXPECT_FALSE(parse_ticket("a1b2/x"));
  EXPECT_FALSE(parse_ticket("a1b2/42x"));
}

TEST(Record, Parses) {
  auto r = parse_record("7|1000|dev|eu|art,music|en,de|u_1|203.0.113.9");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->enqueued_ms, 1000);
  EXPECT_EQ(r->device, "dev");
  EXPECT_EQ(r->region, "eu");
  EXPECT_EQ(r->interests, (std::vector<std::string>{"art", "music"}));
  EXPECT_EQ(r->languages, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(r->user_id, "u_1");
  EXPECT_EQ(r->ip, "203.0.113.9");
  auto v6 = parse_record("1|2|dev|||en|u|2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->ip, "2001:db8::1");
  auto empty = parse_record("1|2|dev|||en||");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->region.empty());
  EXPECT_TRUE(empty->interests.empty());
  EXPECT_FALSE(parse_record("1|2|dev|||en"));
  EXPECT_FALSE(parse_record("x|2|dev|||en||"));
  EXPECT_FALSE(parse_record(""));
}

TEST(Keys, ShareTheModesHashTag) {
  EXPECT_EQ(mode_tag(core::Mode::video), "{mm:video}");
  EXPECT_EQ(queue_key(core::Mode::text, "en"), "{mm:text}:q:en");
  EXPECT_EQ(pair_member("b", "a"), "a|b");
  EXPECT_EQ(pair_member("a", "b"), "a|b");
}

TEST(JoinCall, DeclaresEveryKeyAndSortsInterests) {
  core::MatchmakerConfig config;
  auto call =
      join_call({"i/1", "u", "dev", "127.0.0.1"}, prefs({"en", "de"}, "eu", {"music", "art"}), config, 1234, true);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->script, "match_join");
  EXPECT_EQ(call->keys,
            (std::vector<std::string>{"{mm:video}:tickets", "{mm:video}:pairs", "{mm:video}:reported", "{mm:video}:seq",
                                      "{mm:video}:stats", "{mm:video}:q:en", "{mm:video}:q:de"}));
  ASSERT_EQ(call->args.size(), 13u);
  EXPECT_EQ(call->args[11], "u");
  EXPECT_EQ(call->args[12], "127.0.0.1");
  EXPECT_EQ(call->args[0], "1234");
  EXPECT_EQ(call->args[4], "art,music");
  EXPECT_EQ(call->args[5], "en,de");
  EXPECT_EQ(call->args[6], "3000");
  EXPECT_EQ(call->args[7], "600000");
  EXPECT_EQ(call->args[9], "1");
  EXPECT_EQ(call->args[10], "1");
}

TEST(JoinCall, RefusesWhatTheRecordCannotCarry) {
  core::MatchmakerConfig config;
  EXPECT_FALSE(join_call({"i/1", "u", "dev", "127.0.0.1"}, prefs({}), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u", "d|v", "127.0.0.1"}, prefs({"en"}), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u", "", "127.0.0.1"}, prefs({"en"}), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u", "dev", "127.0.0.1"}, prefs({"e,n"}), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u", "dev", "127.0.0.1"}, prefs({"en"}, "e|u"), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u", "dev", "127.0.0.1"}, prefs({"en"}, "", {"a,b"}), config, 0, true));
  EXPECT_FALSE(join_call({"i/1", "u|x", "dev", "127.0.0.1"}, prefs({"en"}), config, 0, true));
}

TEST(LeaveAndReap, NameTheirKeys) {
  auto leave = leave_call(core::Mode::text, "i/9", {"en", "fr"});
  EXPECT_EQ(leave.keys, (std::vector<std::string>{"{mm:text}:tickets", "{mm:text}:q:en", "{mm:text}:q:fr"}));
  EXPECT_EQ(leave.args, (std::vector<std::string>{"i/9"}));
  auto reap = reap_call(core::Mode::video, "dead", "0", 100);
  EXPECT_EQ(reap.keys, (std::vector<std::string>{"{mm:video}:tickets"}));
  EXPECT_EQ(reap.args, (std::vector<std::string>{"dead", "0", "100"}));
}

TEST(JoinReply, Queued) {
  auto r = parse_join_reply({"0", "5", "1000", "1234.6"});
  ASSERT_TRUE(r);
  auto* q = std::get_if<Queued>(&*r);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->seq, 5u);
  EXPECT_EQ(q->enqueued_ms, 1000);
  EXPECT_EQ(q->estimated_wait_ms, 1235);
  auto first = parse_join_reply({"0", "1", "7", ""});
  ASSERT_TRUE(first);
  EXPECT_FALSE(std::get<Queued>(*first).estimated_wait_ms);
}

TEST(JoinReply, Matched) {
  auto r = parse_join_reply(
      {"1", "a/1", "1|10|da|eu|music|en|u1|10.0.0.1", "b/2", "2|20|db||art,music|en,de|u2|10.0.0.2", "25"});
  ASSERT_TRUE(r);
  auto* m = std::get_if<Matched>(&*r);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->offerer, (Ticket{"a", 1}));
  EXPECT_EQ(m->answerer, (Ticket{"b", 2}));
  EXPECT_EQ(m->now_ms, 25);
  auto info = peer_info(m->offerer_record, m->answerer_record);
  EXPECT_EQ(info.languages, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(info.region, "");
  EXPECT_EQ(info.common_interests, (std::vector<std::string>{"music"}));
}

TEST(JoinReply, RefusesMalformed) {
  EXPECT_FALSE(parse_join_reply({}));
  EXPECT_FALSE(parse_join_reply({"0", "x", "1", ""}));
  EXPECT_FALSE(parse_join_reply({"1", "a/1", "bad", "b/2", "2|20|db|||en||", "25"}));
  EXPECT_FALSE(parse_join_reply({"2"}));
}

}  // namespace
}  // namespace serendip::shared_state
