#include "redis/redirect.hpp"

#include <gtest/gtest.h>

#include "redis/cluster_slots.hpp"
#include "redis/script.hpp"

namespace serendip::redis {
namespace {

TEST(ParseRedirect, Moved) {
  auto r = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Redirect::Kind::moved);
  EXPECT_EQ(r->slot, 3999);
  EXPECT_EQ(r->endpoint, (Endpoint{"127.0.0.1", 6381}));
}

TEST(ParseRedirect, Ask) {
  auto r = parse_redirect("ASK 0 redis-2.internal:7000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, Redirect::Kind::ask);
  EXPECT_EQ(r->slot, 0);
  EXPECT_EQ(r->endpoint.host, "redis-2.internal");
}

TEST(ParseRedirect, Ipv6) {
  auto r = parse_redirect("MOVED 16383 [::1]:7000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->slot, 16383);
  EXPECT_EQ(r->endpoint, (Endpoint{"::1", 7000}));
}

TEST(ParseRedirect, RejectsOtherErrorsAndGarbage) {
  for (const auto* s :
       {"ERR unknown command", "MOVED", "MOVED 12", "MOVED x 1.2.3.4:5", "MOVED 16384 h:1", "MOVED -1 h:1",
        "ASK 5 :7000", "ASK 5 h:0", "moved 5 h:1", "TRYAGAIN Multiple keys request during rehashing"}) {
    EXPECT_FALSE(parse_redirect(s)) << s;
  }
}

Reply node(const char* host, int port) {
  return Reply::array({Reply::string(host), Reply::integer(port), Reply::string("id")});
}

TEST(ParseClusterSlots, RangesAndMasters) {
  auto reply = Reply::array({
      Reply::array({Reply::integer(0), Reply::integer(5460), node("127.0.0.1", 7000), node("127.0.0.1", 7003)}),
      Reply::array({Reply::integer(5461), Reply::integer(16383), node("", 7001)}),
  });
  auto ranges = parse_cluster_slots(reply, "10.1.1.1");
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].master, (Endpoint{"127.0.0.1", 7000}));
  EXPECT_EQ((*ranges)[1].master, (Endpoint{"10.1.1.1", 7001}));  // unknown address: the node that replied
}

TEST(ParseClusterSlots, RejectsMalformed) {
  EXPECT_FALSE(parse_cluster_slots(Reply::error("ERR This instance has cluster support disabled"), "h"));
  EXPECT_FALSE(parse_cluster_slots(Reply::array({Reply::array({Reply::integer(0), Reply::integer(1)})}), "h"));
  EXPECT_FALSE(parse_cluster_slots(Reply::array({Reply::array({Reply::integer(5), Reply::integer(1), node("h", 1)})}),
                                   "h"));  // first > last
  EXPECT_FALSE(
      parse_cluster_slots(Reply::array({Reply::array({Reply::integer(0), Reply::integer(16384), node("h", 1)})}), "h"));
  EXPECT_FALSE(
      parse_cluster_slots(Reply::array({Reply::array({Reply::integer(0), Reply::integer(1), node("h", 70000)})}), "h"));
  EXPECT_TRUE(parse_cluster_slots(Reply::array({}), "h"));  // an empty cluster: the caller decides
}

TEST(Script, Sha1AsRedisComputesIt) {
  EXPECT_EQ(Script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

}  // namespace
}  // namespace serendip::redis
