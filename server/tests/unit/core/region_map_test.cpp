// The country / time-zone area -> region table, its overrides, and which
// region a joiner is matched in.
#include "core/region_map.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <variant>

namespace serendip::core {
namespace {

RegionMap overridden(std::string_view spec) {
  auto m = RegionMap::with_overrides(spec);
  if (auto* error = std::get_if<std::string>(&m)) {
    ADD_FAILURE() << spec << ": " << *error;
    return RegionMap::defaults();
  }
  return std::get<RegionMap>(std::move(m));
}

TEST(RegionMap, DefaultsAreContinentLevel) {
  const RegionMap m = RegionMap::defaults();
  const struct {
    const char* country;
    const char* region;
  } cases[] = {{"DE", "Europe"}, {"de", "Europe"},   {"GB", "Europe"},   {"RU", "Europe"},   {"TR", "Europe"},
               {"IS", "Europe"}, {"US", "Americas"}, {"BR", "Americas"}, {"BM", "Americas"}, {"JP", "Asia"},
               {"IN", "Asia"},   {"CY", "Asia"},     {"MV", "Asia"},     {"ZA", "Africa"},   {"EG", "Africa"},
               {"MU", "Africa"}, {"CV", "Africa"},   {"AU", "Oceania"},  {"NZ", "Oceania"},  {"CX", "Oceania"},
               {"AQ", ""},       {"XX", ""},         {"D", ""},          {"DEU", ""},        {"", ""}};
  for (const auto& c : cases) EXPECT_EQ(m.for_country(c.country), c.region) << c.country;
  // Every ISO 3166-1 country but Antarctica, plus XK, in five regions.
  EXPECT_EQ(m.countries().size(), 249u);
  std::set<std::string> regions(m.regions().begin(), m.regions().end());
  EXPECT_EQ(regions, (std::set<std::string>{"Africa", "Americas", "Asia", "Europe", "Oceania"}));
  for (const auto& [code, region] : m.countries()) {
    EXPECT_EQ(code.size(), 2u);
    EXPECT_TRUE(code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z') << code;
  }
}

TEST(RegionMap, TimeZoneAreasOfTheBrowser) {
  const RegionMap m = RegionMap::defaults();
  const struct {
    const char* area;
    const char* region;
  } cases[] = {{"Europe", "Europe"},
               {"America", "Americas"},
               {"Asia", "Asia"},
               {"Africa", "Africa"},
               {"Australia", "Oceania"},
               {"Pacific", "Oceania"},
               {"Arctic", "Europe"},
               {"Atlantic", ""},
               {"Indian", ""},
               {"Antarctica", ""},
               {"Etc", ""},
               {"UTC", ""},
               {"europe", ""},
               {"", ""},
               {"Mars", ""}};
  for (const auto& c : cases) EXPECT_EQ(m.for_time_zone_area(c.area), c.region) << c.area;
}

TEST(RegionMap, OverridesReplaceAddAndRemoveEntries) {
  const RegionMap m =
      overridden(" US=North_America, ca=North_America,MX=North_America , GB=, tz:America=, tz:Atlantic=Europe,");
  EXPECT_EQ(m.for_country("US"), "North_America");
  EXPECT_EQ(m.for_country("CA"), "North_America");
  EXPECT_EQ(m.for_country("BR"), "Americas");
  EXPECT_EQ(m.for_country("GB"), "");
  EXPECT_EQ(m.for_country("DE"), "Europe");
  EXPECT_EQ(m.for_time_zone_area("America"), "");
  EXPECT_EQ(m.for_time_zone_area("Atlantic"), "Europe");
  EXPECT_EQ(m.canonical("NORTH_AMERICA"), "North_America");
  EXPECT_EQ(overridden("").countries().size(), RegionMap::defaults().countries().size());
}

TEST(RegionMap, BadOverridesAreRefusedWithTheEntryNamed) {
  for (const char* spec :
       {"US", "USA=Americas", "U=Americas", "U1=Americas", "US=North America", "US=Amé", "tz:=Europe",
        "tz:Europe/Berlin=Europe", "=Europe", "US=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    auto m = RegionMap::with_overrides(spec);
    ASSERT_TRUE(std::holds_alternative<std::string>(m)) << spec;
    EXPECT_NE(std::get<std::string>(m).find('\''), std::string::npos) << std::get<std::string>(m);
  }
}

TEST(RegionMap, CanonicalSpellingOfAKnownRegion) {
  const RegionMap m = RegionMap::defaults();
  EXPECT_EQ(m.canonical("EUROPE"), "Europe");
  EXPECT_EQ(m.canonical("americas"), "Americas");
  EXPECT_EQ(m.canonical("EU"), "");
  EXPECT_EQ(m.canonical(""), "");
}

TEST(ChooseRegion, TheAddressWinsThenTheClientsRegionThenItsTimeZone) {
  const RegionMap m = RegionMap::defaults();
  const struct {
    const char* address;
    const char* client_region;
    const char* area;
    const char* chosen;
  } cases[] = {
      {"Europe", "US", "Asia", "Europe"},  // the server's answer always wins
      {"Europe", "", "", "Europe"},
      {"", "EU", "Asia", "EU"},          // an old client's own tag, as before
      {"", "EUROPE", "Asia", "Europe"},  // a region of the table, in its spelling
      {"", "", "Asia", "Asia"},          // the browser's hint
      {"", "", "America", "Americas"},
      {"", "", "Etc", ""},  // UTC and friends say nothing
      {"", "", "Nowhere", ""},
      {"", "", "", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(choose_region(m, c.address, c.client_region, c.area), c.chosen)
        << c.address << "|" << c.client_region << "|" << c.area;
  }
}

}  // namespace
}  // namespace serendip::core
