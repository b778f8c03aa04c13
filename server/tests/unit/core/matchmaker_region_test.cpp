// Regions as real people get them (core::choose_region: the address's country,
// else the browser's time zone) and what the matchmaker makes of them: within
// the widening window two strangers of one region are paired even though a
// stranger of another region has waited longer; after it, anyone.
#include <gtest/gtest.h>

#include "core/matchmaker.hpp"
#include "core/region_map.hpp"
#include "matchmaker_harness.hpp"

namespace serendip::core {
namespace {

using testing::all_of;
using testing::Harness;
using testing::prefs;

constexpr std::int64_t kWiden = 3'000;

// A joiner from `country` (looked up) or, without a database hit, with a
// browser in time-zone `area`.
Preferences person(std::string_view country, std::string_view area) {
  const RegionMap map = RegionMap::defaults();
  return prefs({"en"}, choose_region(map, map.for_country(country), "", area));
}

TEST(MatchmakerRegion, TwoOfOneRegionArePairedBeforeAnEarlierStrangerOfAnother) {
  Harness h;
  ASSERT_EQ(person("US", "").region, "Americas");
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(1, person("US", ""))).empty());  // waits first
  h.clock.advance(1'000);
  // Same language, another region, inside the window: not paired with 1.
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(2, person("DE", ""))).empty());
  h.clock.advance(1'000);
  // A third stranger, whose region only its browser tells (no database hit).
  ASSERT_EQ(person("", "Europe").region, "Europe");
  const auto matched = all_of<MatchedEvent>(h.enter(3, person("", "Europe")));
  ASSERT_EQ(matched.size(), 2u);
  EXPECT_EQ(matched[0].who, 2u);  // the Europeans, although 1 waited longest
  EXPECT_EQ(matched[0].peer, 3u);
  EXPECT_EQ(matched[0].peer_info.region, "Europe");  // what the peer is shown: the coarse region
  EXPECT_EQ(matched[1].peer_info.region, "Europe");
  EXPECT_EQ(h.mm.state(1), ParticipantState::queued);

  // Once 1 has waited the widening time, another region will do.
  EXPECT_TRUE(all_of<MatchedEvent>(h.enter(4, person("JP", ""))).empty());  // 4 is fresh, 1 at 2 s
  const auto widened = all_of<MatchedEvent>(h.advance_and_tick(kWiden - 2'000));
  ASSERT_EQ(widened.size(), 2u);
  EXPECT_EQ(widened[0].who, 1u);
  EXPECT_EQ(widened[0].peer, 4u);
  EXPECT_EQ(widened[0].peer_info.region, "Asia");
  EXPECT_EQ(widened[1].peer_info.region, "Americas");
}

}  // namespace
}  // namespace serendip::core
