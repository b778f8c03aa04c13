#include "http/client_ip.hpp"

#include <gtest/gtest.h>

namespace serendip::http {
namespace {

TEST(TrustedProxies, MatchesAddressesAndCidrs) {
  TrustedProxies p({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "bogus", "1.2.3.4/33"});
  EXPECT_TRUE(p.contains("10.1.2.3"));
  EXPECT_TRUE(p.contains("::ffff:10.9.9.9"));
  EXPECT_TRUE(p.contains("192.168.1.7"));
  EXPECT_FALSE(p.contains("192.168.1.8"));
  EXPECT_TRUE(p.contains("fd12::1"));
  EXPECT_FALSE(p.contains("fe80::1"));
  EXPECT_FALSE(p.contains("1.2.3.4"));  // invalid prefix ignored
  EXPECT_FALSE(p.contains("not an ip"));
}

struct Case {
  const char* name;
  const char* socket_ip;
  const char* xff;
  const char* want;
};

TEST(ResolveClientIp, Table) {
  TrustedProxies proxies({"10.0.0.0/8"});
  const Case cases[] = {
      {"untrusted peer ignores header", "203.0.113.9", "1.1.1.1", "203.0.113.9"},
      {"trusted peer without header", "10.0.0.2", "", "10.0.0.2"},
      {"trusted peer, one hop", "10.0.0.2", "198.51.100.4", "198.51.100.4"},
      {"client-forged left part is ignored", "10.0.0.2", "6.6.6.6, 198.51.100.4", "198.51.100.4"},
      {"chain of our proxies", "10.0.0.2", "198.51.100.4, 10.0.0.9", "198.51.100.4"},
      {"garbage hop stops the walk", "10.0.0.2", "198.51.100.4, junk", "10.0.0.2"},
      {"ipv6 client is keyed by its /64", "10.0.0.2", "2001:db8::1", "2001:db8::/64"},
      {"two addresses of one /64 share the key", "10.0.0.2", "2001:db8:0:0:ffff::2", "2001:db8::/64"},
      {"ipv4-mapped client is ipv4", "10.0.0.2", "::ffff:198.51.100.4", "198.51.100.4"},
      {"all hops trusted", "10.0.0.2", "10.1.1.1", "10.1.1.1"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(resolve_client_ip(proxies, c.socket_ip, c.xff), c.want) << c.name;
  }
  TrustedProxies none({});
  EXPECT_EQ(resolve_client_ip(none, "10.0.0.2", "1.1.1.1"), "10.0.0.2");
  EXPECT_EQ(resolve_client_ip(none, "2001:db8:1:2::77", ""), "2001:db8:1:2::/64");
  EXPECT_EQ(resolve_client_ip(none, "::ffff:127.0.0.1", ""), "127.0.0.1");
}

}  // namespace
}  // namespace serendip::http
