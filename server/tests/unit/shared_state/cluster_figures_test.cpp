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

TEST(ClusterFigures, LeavesOutLanguagesItCannotCarry) {
  auto f = figures(1, 1, 0, 0, {{{core::Mode::video, "e|n"}, 1}, {{core::Mode::video, "fr"}, 1}});
  EXPECT_EQ(format_figures(f), "1700000000000|1|1|0|0.000|video:fr=1");
}

TEST(ClusterFigures, RejectsMalformed) {
  for (const char* bad :
       {"", "1|2|3|4|5", "1|2|3|4|5|6|7", "x|1|1|1|1.0|", "1|1|1|1|-1|", "1|1|1|1|nan|", "1|1|1|1|1.0|video:en",
        "1|1|1|1|1.0|radio:en=1", "1|1|1|1|1.0|video:=1", "1|1|1|1|1.0|video:en=x"}) {
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

}  // namespace
}  // namespace serendip::shared_state
