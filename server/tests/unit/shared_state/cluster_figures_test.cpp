#include "shared_state/cluster_figures.hpp"

#include <gtest/gtest.h>

namespace serendip::shared_state {
namespace {

InstanceFigures figures(std::size_t online, std::size_t queued, std::size_t sides, double rate, QueueLengths by = {}) {
  InstanceFigures f;
  f.written_unix_ms = 1'700'000'000'000;
  f.online = online;
  f.queued = queued;
  f.session_sides = sides;
  f.matches_per_minute = rate;
  f.queued_by_mode_language = std::move(by);
  return f;
}

TEST(ClusterFigures, RoundTrips) {
  auto f = figures(12, 3, 6, 4.5, {{{core::Mode::video, "en"}, 2}, {{core::Mode::text, "de"}, 1}});
  const std::string s = format_figures(f);
  EXPECT_EQ(s, "1700000000000|12|3|6|4.500|video:en=2,text:de=1");
  EXPECT_EQ(parse_figures(s), f);
  auto empty = figures(0, 0, 0, 0);
  EXPECT_EQ(format_figures(empty), "1700000000000|0|0|0|0.000|");
  EXPECT_EQ(parse_figures(format_figures(empty)), empty);
}

TEST(ClusterFigures, CarriesCallCountsAndReadsFiguresWithout) {
  auto f = figures(2, 0, 2, 1.0, {{{core::Mode::text, "en"}, 1}});
  f.calls = CallCounts{.ice_connected = 40, .ice_failed = 2, .ice_relay = 5, .shield_blurs = 3};
  const std::string s = format_figures(f);
  EXPECT_EQ(s, "1700000000000|2|0|2|1.000|text:en=1|40,2,5,3");
  EXPECT_EQ(parse_figures(s), f);
  // The release before wrote no counts: read, with none.
  auto old = parse_figures("1700000000000|2|0|2|1.000|text:en=1");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->calls);
  EXPECT_EQ(old->online, 2u);
  // No queue and counts: the queue field stays, empty.
  auto bare = figures(0, 0, 0, 0);
  bare.calls = CallCounts{};
  EXPECT_EQ(format_figures(bare), "1700000000000|0|0|0|0.000||0,0,0,0");
  EXPECT_EQ(parse_figures(format_figures(bare)), bare);
}

TEST(ClusterFigures, LeavesOutLanguagesItCannotCarry) {
  auto f = figures(1, 1, 0, 0, {{{core::Mode::video, "e|n"}, 1}, {{core::Mode::video, "fr"}, 1}});
  EXPECT_EQ(format_figures(f), "1700000000000|1|1|0|0.000|video:fr=1");
}

TEST(ClusterFigures, RejectsMalformed) {
  for (const char* bad :
       {"", "1|2|3|4|5", "1|2|3|4|5|6|7", "x|1|1|1|1.0|", "1|1|1|1|-1|", "1|1|1|1|nan|", "1|1|1|1|1.0|video:en",
        "1|1|1|1|1.0|radio:en=1", "1|1|1|1|1.0|video:=1", "1|1|1|1|1.0|video:en=x", "1|1|1|1|1.0||1,2,3",
        "1|1|1|1|1.0||1,2,3,4,5", "1|1|1|1|1.0||1,2,x,4", "1|1|1|1|1.0||1,2,-3,4", "1|1|1|1|1.0||1,2,3,4|5"}) {
    EXPECT_FALSE(parse_figures(bad)) << bad;
  }
}

TEST(ClusterFigures, SumCountsACallAcrossInstancesOnce) {
  // A: a local pair (2 sides) and one side of a call with B; B: the other side.
  std::vector<InstanceFigures> all{
      figures(5, 2, 3, 6.0, {{{core::Mode::video, "en"}, 2}}),
      figures(4, 3, 1, 1.5, {{{core::Mode::video, "en"}, 1}, {{core::Mode::text, "de"}, 2}})};
  auto sum = sum_figures(all);
  EXPECT_EQ(sum.instances, 2u);
  EXPECT_EQ(sum.online, 9u);
  EXPECT_EQ(sum.queued, 5u);
  EXPECT_EQ(sum.active_sessions, 2u);
  EXPECT_DOUBLE_EQ(sum.matches_per_minute, 7.5);
  EXPECT_EQ(sum.queued_by_mode_language, (QueueLengths{{{core::Mode::video, "en"}, 3}, {{core::Mode::text, "de"}, 2}}));
  EXPECT_EQ(sum_figures({}).instances, 0u);
}

TEST(ClusterFigures, SumAddsTheCallCountsOfInstancesThatSentThem) {
  std::vector<InstanceFigures> all{figures(1, 0, 0, 0), figures(1, 0, 0, 0), figures(1, 0, 0, 0)};
  all[0].calls = CallCounts{.ice_connected = 10, .ice_failed = 1, .ice_relay = 2, .shield_blurs = 1};
  all[1].calls = CallCounts{.ice_connected = 30, .ice_failed = 3, .ice_relay = 0, .shield_blurs = 4};
  // all[2]: an instance of the release before, without counts.
  const auto sum = sum_figures(all);
  EXPECT_EQ(sum.instances, 3u);
  EXPECT_EQ(sum.calls, (CallCounts{.ice_connected = 40, .ice_failed = 4, .ice_relay = 2, .shield_blurs = 5}));
}

}  // namespace
}  // namespace serendip::shared_state
