// The region a join is matched in (docs/protocol.md, join): the region of the
// client's address (looked up once, at hello) always wins; without one, the
// client's own `region`, else the area of its `timeZone`. The peer and the
// hub only ever see the coarse region, never the country.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "geo/regions.hpp"
#include "handler_fixture.hpp"

namespace serendip::signaling::testing {
namespace {

// A country database as a table; counts its lookups.
class TableCountries final : public geo::CountryLookup {
 public:
  explicit TableCountries(std::map<std::string, std::string> table, int* lookups)
      : table_(std::move(table)), lookups_(lookups) {}
  std::optional<std::string> country(std::string_view ip) const override {
    ++*lookups_;
    const auto it = table_.find(std::string(ip));
    if (it == table_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> table_;
  int* lookups_;  // Passed by argument.
};

struct RegionRig {
  explicit RegionRig(std::string client_ip)
      : regions(core::RegionMap::defaults(), countries()), rig(options(client_ip)) {
    rig.ready();
  }
  std::unique_ptr<const geo::CountryLookup> countries() {
    return std::make_unique<TableCountries>(
        std::map<std::string, std::string>{{"203.0.113.7", "DE"}, {"198.51.100.4", "AQ"}, {"192.168.1.20", "AU"}},
        &lookups);
  }
  RigOptions options(std::string client_ip) {
    RigOptions o;
    o.client_ip = std::move(client_ip);
    o.regions = &regions;
    return o;
  }
  // The region the hub got for `join` (a frame's extra fields); "?" when refused.
  std::string joined_region(const std::string& extra) {
    rig.port.forget();
    rig.text(R"({"type":"join","id":4,"mode":"video","languages":["en"])" + extra + "}");
    if (rig.port.hub.size() != 1 || !rig.port.sent.empty()) return "?";
    return rig.port.hub[0].prefs.region;
  }

  int lookups = 0;
  geo::Regions regions;
  Rig rig;
};

TEST(HandlerRegion, TheAddressRegionWinsOverEveryHint) {
  RegionRig f("203.0.113.7");  // a German address
  EXPECT_EQ(f.lookups, 1);     // looked up at hello
  EXPECT_EQ(f.joined_region(""), "Europe");
  EXPECT_EQ(f.joined_region(R"(,"timeZone":"Asia/Tokyo")"), "Europe");
  EXPECT_EQ(f.joined_region(R"(,"region":"us","timeZone":"America/Chicago")"), "Europe");
  EXPECT_EQ(f.lookups, 1);  // once per connection, not per join
}

TEST(HandlerRegion, WithoutAnAddressRegionTheBrowsersTimeZoneAreaCounts) {
  for (const char* ip : {"127.0.0.1", "198.51.100.4" /* AQ: no region */, "192.168.1.20" /* private */}) {
    RegionRig f(ip);
    EXPECT_EQ(f.lookups, std::string(ip) == "198.51.100.4" ? 1 : 0) << ip;  // private: never looked up
    EXPECT_EQ(f.joined_region(R"(,"timeZone":"Europe/Berlin")"), "Europe") << ip;
    EXPECT_EQ(f.joined_region(R"(,"timeZone":"America/Argentina/Buenos_Aires")"), "Americas") << ip;
    EXPECT_EQ(f.joined_region(R"(,"timeZone":"Pacific")"), "Oceania") << ip;  // an area alone is enough
  }
}

TEST(HandlerRegion, TheClientsOwnRegionStillBeatsItsTimeZone) {
  RegionRig f("127.0.0.1");
  EXPECT_EQ(f.joined_region(R"(,"region":"eu","timeZone":"Asia/Tokyo")"), "EU");
  EXPECT_EQ(f.joined_region(R"(,"region":"europe","timeZone":"Asia/Tokyo")"), "Europe");  // the table's spelling
  EXPECT_EQ(f.joined_region(R"(,"region":"","timeZone":"Asia/Tokyo")"), "Asia");
}

TEST(HandlerRegion, UnknownTimeZonesAreNoRegionAndNoError) {
  for (const char* tz : {"UTC", "Etc/GMT+5", "Atlantic/Azores", "Mars/Olympus_Mons", "", "europe/berlin",
                         "Europe\\u0000/x", "<script>", "Europe /Berlin", "\\u00c9urope/Paris"}) {
    RegionRig f("127.0.0.1");  // one join each: the join rate limit stays out of it
    EXPECT_EQ(f.joined_region(std::string(R"(,"timeZone":")") + tz + "\""), "") << tz;
  }
}

TEST(HandlerRegion, AWronglyTypedOrOverlongTimeZoneIsABadRequest) {
  RegionRig f("127.0.0.1");
  for (const std::string tz : {std::string("5"), std::string("null"), std::string(R"(["Europe/Berlin"])"),
                               "\"" + std::string(65, 'A') + "\""}) {
    f.rig.port.forget();
    f.rig.text(R"({"type":"join","id":9,"mode":"video","languages":["en"],"timeZone":)" + tz + "}");
    EXPECT_TRUE(f.rig.port.hub.empty()) << tz;
    ASSERT_EQ(f.rig.port.sent.size(), 1u) << tz;
    const json::object& e = f.rig.port.sent[0];
    EXPECT_EQ(e.at("type").as_string(), "error") << tz;
    EXPECT_EQ(e.at("code").as_string(), "bad_request") << tz;
    EXPECT_EQ(e.at("re").as_int64(), 9);
    EXPECT_NE(std::string(e.at("message").as_string()).find("timeZone"), std::string::npos) << e;
  }
  // 64 characters is still fine (and an unknown area: no region).
  EXPECT_EQ(f.joined_region(R"(,"timeZone":")" + std::string(64, 'A') + "\""), "");
}

TEST(HandlerRegion, WithoutRegionsOnlyTheClientsRegionCounts) {
  Rig f;  // services.regions == nullptr
  f.ready();
  f.text(R"({"type":"join","mode":"video","languages":["en"],"region":"eu","timeZone":"Asia/Tokyo"})");
  ASSERT_EQ(f.port.hub.size(), 1u);
  EXPECT_EQ(f.port.hub[0].prefs.region, "EU");
}

}  // namespace
}  // namespace serendip::signaling::testing
