// ConnectionLimits: the caps on open connections in total and per address,
// IPv6 keyed by its /64, trusted proxies counted in the total only, and every
// place given back when its slot goes.
#include "net/connection_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace serendip::net {
namespace {

using Verdict = ConnectionLimits::Verdict;

AddressKey key(std::string_view text) {
  auto k = AddressKey::parse(text);
  EXPECT_TRUE(k.has_value()) << text;
  return k.value_or(AddressKey{});
}

TEST(AddressKey, KeysIpv4AsItselfAndIpv6ByItsSlash64) {
  EXPECT_EQ(key("192.0.2.7"), key("::ffff:192.0.2.7"));
  EXPECT_EQ(key("192.0.2.7"), key("192.0.2.7/32"));
  EXPECT_NE(key("192.0.2.7"), key("192.0.2.8"));
  EXPECT_EQ(key("2001:db8:1:2::5"), key("2001:db8:1:2:ffff:1:2:3"));
  EXPECT_EQ(key("2001:db8:1:2::5"), key("2001:db8:1:2::/64"));
  EXPECT_EQ(key("2001:db8:1:2::5"), key("[2001:db8:1:2::9]"));
  EXPECT_NE(key("2001:db8:1:2::5"), key("2001:db8:1:3::5"));
  // ::/64 holds ::1 and the IPv4-compatible range; it is not IPv4 0.0.0.x.
  EXPECT_NE(key("::1"), key("0.0.0.1"));
  EXPECT_FALSE(AddressKey::parse("").has_value());
  EXPECT_FALSE(AddressKey::parse("example.org").has_value());
  EXPECT_FALSE(AddressKey::parse("192.0.2.7/24").has_value());
}

TEST(AddressKey, FromBytesMatchesParse) {
  const std::uint8_t v4[4] = {192, 0, 2, 7};
  EXPECT_EQ(AddressKey::from_bytes(v4, 4), key("192.0.2.7"));
  const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
  EXPECT_EQ(AddressKey::from_bytes(mapped, 16), key("192.0.2.7"));
  const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 9, 9, 9, 9, 9, 9, 9, 9};
  EXPECT_EQ(AddressKey::from_bytes(v6, 16), key("2001:db8:1:2::/64"));
}

TEST(ConnectionLimits, RefusesBeyondThePerAddressCapAndFreesAPlaceWhenASlotGoes) {
  ConnectionLimits limits({.max_total = 100, .max_per_address = 3});
  const AddressKey a = key("198.51.100.1");
  const AddressKey b = key("198.51.100.2");
  std::vector<ConnectionLimits::Slot> held(3);
  for (auto& s : held) EXPECT_EQ(limits.admit_connection(&a, s), Verdict::admitted);
  ConnectionLimits::Slot refused;
  EXPECT_EQ(limits.admit_connection(&a, refused), Verdict::over_address);
  EXPECT_TRUE(refused.empty());
  // Another address is not affected.
  ConnectionLimits::Slot other;
  EXPECT_EQ(limits.admit_connection(&b, other), Verdict::admitted);
  EXPECT_EQ(limits.open(), 4u);
  held.pop_back();
  EXPECT_EQ(limits.admit_connection(&a, refused), Verdict::admitted);
  EXPECT_EQ(limits.open(), 4u);
}

TEST(ConnectionLimits, OneIpv6Slash64IsOneAddress) {
  ConnectionLimits limits({.max_total = 100, .max_per_address = 2});
  const AddressKey x = key("2001:db8:1:2::1");
  const AddressKey y = key("2001:db8:1:2:abcd::7");
  ConnectionLimits::Slot s1;
  ConnectionLimits::Slot s2;
  ConnectionLimits::Slot s3;
  EXPECT_EQ(limits.admit_connection(&x, s1), Verdict::admitted);
  EXPECT_EQ(limits.admit_connection(&y, s2), Verdict::admitted);
  EXPECT_EQ(limits.admit_connection(&y, s3), Verdict::over_address);
}

TEST(ConnectionLimits, RefusesBeyondTheTotalWhateverTheAddress) {
  ConnectionLimits limits({.max_total = 2, .max_per_address = 10});
  const AddressKey a = key("198.51.100.1");
  const AddressKey b = key("198.51.100.2");
  ConnectionLimits::Slot s1;
  ConnectionLimits::Slot s2;
  ConnectionLimits::Slot s3;
  EXPECT_EQ(limits.admit_connection(&a, s1), Verdict::admitted);
  EXPECT_EQ(limits.admit_connection(nullptr, s2), Verdict::admitted);  // a trusted proxy
  EXPECT_EQ(limits.admit_connection(&b, s3), Verdict::over_total);
  s2.release();
  EXPECT_EQ(limits.admit_connection(&b, s3), Verdict::admitted);
}

TEST(ConnectionLimits, ATrustedProxyCountsInTheTotalOnlyAndItsClientsByTheirOwnAddress) {
  ConnectionLimits limits({.max_total = 100, .max_per_address = 2});
  std::vector<ConnectionLimits::Slot> proxied(10);
  for (auto& s : proxied) EXPECT_EQ(limits.admit_connection(nullptr, s), Verdict::admitted);
  EXPECT_EQ(limits.open(), 10u);
  EXPECT_EQ(limits.addresses(), 0u);
  const AddressKey client = key("203.0.113.9");
  ConnectionLimits::Slot w1;
  ConnectionLimits::Slot w2;
  ConnectionLimits::Slot w3;
  EXPECT_EQ(limits.admit_forwarded(client, w1), Verdict::admitted);
  EXPECT_EQ(limits.admit_forwarded(client, w2), Verdict::admitted);
  EXPECT_EQ(limits.admit_forwarded(client, w3), Verdict::over_address);
  EXPECT_EQ(limits.open(), 10u);  // forwarded sockets are already in the total
  // The same client's own direct connection shares the address's count.
  ConnectionLimits::Slot direct;
  EXPECT_EQ(limits.admit_connection(&client, direct), Verdict::over_address);
}

TEST(ConnectionLimits, ZeroMeansNoCapAndEveryPlaceIsGivenBack) {
  ConnectionLimits limits({.max_total = 0, .max_per_address = 0});
  const AddressKey a = key("198.51.100.1");
  {
    std::vector<ConnectionLimits::Slot> held(1000);
    for (auto& s : held) EXPECT_EQ(limits.admit_connection(&a, s), Verdict::admitted);
    EXPECT_EQ(limits.open(), 1000u);
    EXPECT_EQ(limits.addresses(), 0u);  // no per-address cap: nothing kept per address
  }
  EXPECT_EQ(limits.open(), 0u);
}

TEST(ConnectionLimits, AMovedSlotReleasesOnce) {
  ConnectionLimits limits({.max_total = 10, .max_per_address = 1});
  const AddressKey a = key("198.51.100.1");
  ConnectionLimits::Slot first;
  ASSERT_EQ(limits.admit_connection(&a, first), Verdict::admitted);
  ConnectionLimits::Slot moved(std::move(first));
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): a moved-from slot is empty by contract
  first.release();             // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(limits.open(), 1u);
  EXPECT_EQ(limits.addresses(), 1u);
  moved = ConnectionLimits::Slot();
  EXPECT_EQ(limits.open(), 0u);
  EXPECT_EQ(limits.addresses(), 0u);
}

}  // namespace
}  // namespace serendip::net
