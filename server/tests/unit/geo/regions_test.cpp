// The region of an address: lookups in the country database that
// make_test_mmdb.pl writes at build time (documentation ranges only), the
// addresses never looked up, and the address as resolved behind proxies.
#include "geo/regions.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include "geo/maxmind_db.hpp"
#include "http/client_ip.hpp"

namespace serendip::geo {
namespace {

std::unique_ptr<MaxmindCountryDb> open_test_db() {
  auto opened = MaxmindCountryDb::open(SERENDIP_GEO_TEST_DB);
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << SERENDIP_GEO_TEST_DB << ": " << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<MaxmindCountryDb>>(opened));
}

Regions test_regions() { return Regions(core::RegionMap::defaults(), open_test_db()); }

TEST(MaxmindCountryDb, ReadsEachShapeOfCountryRecord) {
  auto db = open_test_db();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->describe(), "Serendip-Test-Country built 2026-01-01");
  const struct {
    const char* ip;
    std::optional<std::string> country;
  } cases[] = {
      {"203.0.113.5", "DE"},            // country.iso_code (GeoLite2, DB-IP)
      {"198.51.100.1", "BR"},           // country_code (ip-location-db)
      {"198.51.100.200", "FR"},         // lowercase in the database
      {"192.0.2.1", "JP"},              // registered_country.iso_code only
      {"192.0.2.200", std::nullopt},    // "DEU": not a two-letter code
      {"2001:db8:1::1", "NZ"},          // IPv6
      {"[2001:db8:1::7]", "NZ"},        // bracketed, as some proxies write it
      {"::ffff:203.0.113.9", "DE"},     // IPv4-mapped IPv6 (a dual-stack socket)
      {"8.8.8.8", std::nullopt},        // not in this database
      {"2001:db8:3::1", std::nullopt},  // not in this database either
      {"not an address", std::nullopt},
      {"", std::nullopt},
      {"203.0.113.5\n", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(db->country(c.ip), c.country) << c.ip;
}

TEST(MaxmindCountryDb, OpeningWhatIsNotADatabaseIsAnErrorValue) {
  auto missing = MaxmindCountryDb::open("/nonexistent/geoip-country.mmdb");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_NE(std::get<std::string>(missing).find("No such file"), std::string::npos) << std::get<std::string>(missing);

  const std::string junk = std::string(SERENDIP_GEO_TEST_DB) + ".junk";
  std::ofstream(junk) << "this is not a MaxMind DB file\n";
  auto invalid = MaxmindCountryDb::open(junk);
  std::remove(junk.c_str());
  ASSERT_TRUE(std::holds_alternative<std::string>(invalid));
  EXPECT_FALSE(std::get<std::string>(invalid).empty());
}

TEST(Regions, AnAddressGetsTheRegionOfItsCountry) {
  const Regions r = test_regions();
  EXPECT_TRUE(r.has_database());
  EXPECT_EQ(r.region_of_address("203.0.113.5"), "Europe");
  EXPECT_EQ(r.region_of_address("198.51.100.1"), "Americas");
  EXPECT_EQ(r.region_of_address("198.51.100.200"), "Europe");
  EXPECT_EQ(r.region_of_address("192.0.2.1"), "Asia");
  EXPECT_EQ(r.region_of_address("2001:db8:1::1"), "Oceania");
  EXPECT_EQ(r.region_of_address("2001:db8:1::/64"), "Oceania");  // a client as resolve_client_ip keys it
  EXPECT_EQ(r.region_of_address("::ffff:198.51.100.1"), "Americas");
  EXPECT_EQ(r.region_of_address("2001:db8:2::1"), "");  // AQ: a country without region
  EXPECT_EQ(r.region_of_address("192.0.2.200"), "");    // a malformed record
  EXPECT_EQ(r.region_of_address("8.8.8.8"), "");        // unknown
  EXPECT_EQ(r.region_of_address("garbage"), "");
}

TEST(Regions, PrivateAddressesAreNeverLookedUpEvenWhereTheDatabaseAnswers) {
  const Regions r = test_regions();
  auto db = open_test_db();
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(db->country("192.168.1.1"), "AU");        // the database has an entry...
  EXPECT_EQ(r.region_of_address("192.168.1.1"), "");  // ...that is not believed
  EXPECT_EQ(r.region_of_address("::ffff:192.168.1.1"), "");
}

TEST(Regions, AnOperatorsMapDecidesTheRegion) {
  auto map = core::RegionMap::with_overrides("DE=DACH,BR=");
  ASSERT_TRUE(std::holds_alternative<core::RegionMap>(map));
  const Regions r(std::get<core::RegionMap>(map), open_test_db());
  EXPECT_EQ(r.region_of_address("203.0.113.5"), "DACH");
  EXPECT_EQ(r.region_of_address("198.51.100.1"), "");
  EXPECT_EQ(r.region_of_address("198.51.100.200"), "Europe");
}

TEST(Regions, WithoutDatabaseNoAddressHasARegion) {
  const Regions r(core::RegionMap::defaults(), nullptr);
  EXPECT_FALSE(r.has_database());
  EXPECT_EQ(r.region_of_address("203.0.113.5"), "");
  EXPECT_EQ(r.choose("", "", "Europe"), "Europe");
}

TEST(LocatableAddress, OnlyPublicUnicastAddresses) {
  const struct {
    const char* ip;
    bool locatable;
  } cases[] = {
      {"203.0.113.5", true},
      {"8.8.8.8", true},
      {"2001:db8:1::1", true},
      {"2a00:1450:4001::1", true},
      {"::ffff:8.8.8.8", true},
      {"[2001:db8::1]", true},
      {"127.0.0.1", false},
      {"127.255.0.9", false},
      {"10.1.2.3", false},
      {"172.16.0.1", false},
      {"172.31.255.255", false},
      {"172.32.0.1", true},
      {"192.168.0.1", false},
      {"169.254.1.1", false},
      {"100.64.0.1", false},
      {"100.128.0.1", true},
      {"0.0.0.0", false},
      {"224.0.0.1", false},
      {"255.255.255.255", false},
      {"::1", false},
      {"::", false},
      {"fd00::1", false},
      {"fc00::1", false},
      {"fe80::1", false},
      {"ff02::1", false},
      {"::ffff:10.0.0.1", false},
      {"", false},
      {"localhost", false},
      {"1.2.3", false},
      {"203.0.113.5:443", false},
  };
  for (const auto& c : cases) EXPECT_EQ(locatable_address(c.ip), c.locatable) << c.ip;
}

// The address a region is looked up for is the one client_ip resolves: a
// trusted proxy's X-Forwarded-For is believed, anyone else's is not.
TEST(Regions, XForwardedForCountsOnlyFromATrustedProxy) {
  const Regions r = test_regions();
  const http::TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8"});
  auto region = [&](std::string_view socket_ip, std::string_view xff) {
    return r.region_of_address(http::resolve_client_ip(proxies, socket_ip, xff));
  };
  // Through our proxy (or two of them): the client's address decides.
  EXPECT_EQ(region("127.0.0.1", "203.0.113.5"), "Europe");
  EXPECT_EQ(region("10.0.0.2", "192.0.2.1, 10.0.0.7"), "Asia");
  // Whatever the client itself prepended is not believed: the right-most
  // untrusted hop is the client.
  EXPECT_EQ(region("127.0.0.1", "192.0.2.1, 198.51.100.1"), "Americas");
  // From an untrusted peer the header is ignored: its own address counts.
  EXPECT_EQ(region("198.51.100.9", "203.0.113.5"), "Americas");
  EXPECT_EQ(region("192.168.7.7", "203.0.113.5"), "");  // private, untrusted: no region
  // A trusted proxy without the header: the proxy's own (loopback) address.
  EXPECT_EQ(region("127.0.0.1", ""), "");
}

}  // namespace
}  // namespace serendip::geo
