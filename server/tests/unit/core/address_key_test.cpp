#include "core/address_key.hpp"

#include <gtest/gtest.h>

namespace serendip::core {
namespace {

struct KeyCase {
  const char* name;
  const char* address;
  const char* key;  // nullptr: refused
};

TEST(AddressKey, KeysIpv4ByAddressAndIpv6ByItsSlash64) {
  const KeyCase cases[] = {
      {"ipv4 is its own key", "192.0.2.7", "192.0.2.7"},
      {"ipv4 /32 is the address", "192.0.2.7/32", "192.0.2.7"},
      {"ipv4-mapped ipv6 is ipv4", "::ffff:192.0.2.7", "192.0.2.7"},
      {"ipv4-mapped ipv6 in hex", "::ffff:c000:207", "192.0.2.7"},
      {"ipv6 keyed by /64", "2001:db8:1:2:aa:bb:cc:dd", "2001:db8:1:2::/64"},
      {"another address of that /64", "2001:db8:1:2::5", "2001:db8:1:2::/64"},
      {"upper case and leading zeros", "2001:0DB8:0001:0002:FFFF::1", "2001:db8:1:2::/64"},
      {"bracketed ipv6", "[2001:db8:1:2::9]", "2001:db8:1:2::/64"},
      {"a key is its own key", "2001:db8:1:2::/64", "2001:db8:1:2::/64"},
      {"a /128 is keyed by its /64", "2001:db8:1:2::7/128", "2001:db8:1:2::/64"},
      {"loopback", "::1", "::/64"},
      {"link-local", "fe80::1%eth0", nullptr},
      {"a wider prefix is refused", "2001:db8::/48", nullptr},
      {"ipv4 with another prefix is refused", "192.0.2.0/24", nullptr},
      {"garbage", "not-an-ip", nullptr},
      {"empty", "", nullptr},
      {"too long", "2001:0db8:0001:0002:0003:0004:0005:0006:0007:0008:0009:000a", nullptr},
  };
  for (const auto& c : cases) {
    const auto key = address_key(c.address);
    if (c.key == nullptr) {
      EXPECT_FALSE(key.has_value()) << c.name << ": " << key.value_or("");
    } else {
      EXPECT_EQ(key.value_or("(refused)"), c.key) << c.name;
    }
  }
}

TEST(AddressKey, RefusesANulAndWhatFollowsIt) {
  // inet_pton stops at a NUL; the key must not be that of the bytes before it.
  using namespace std::string_view_literals;
  EXPECT_EQ(address_key("192.0.2.7\0junk"sv), std::nullopt);
  EXPECT_EQ(address_key("192.0.2.7\0"sv), std::nullopt);
  EXPECT_EQ(address_key("2001:db8::1\0/64"sv), std::nullopt);
  EXPECT_EQ(address_key("\0"sv), std::nullopt);
}

TEST(AddressKey, DifferentSlash64sStayApart) {
  EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
  EXPECT_NE(address_key("192.0.2.7"), address_key("192.0.2.8"));
}

}  // namespace
}  // namespace serendip::core
