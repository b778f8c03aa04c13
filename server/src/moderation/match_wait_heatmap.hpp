// Match-wait analytics for the admin dashboard: how long people waited for a
// match, by region and UTC hour of day. Only aggregates are kept (counts and
// a fixed histogram per cell), never who waited. In memory, since process
// start, bounded: at most `max_regions` regions, the rest counted as "other".
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace serendip::moderation {

class MatchWaitHeatmap {
 public:
  // Upper bounds of the histogram buckets, in milliseconds (then +Inf).
  static constexpr std::array<std::int64_t, 12> kBoundsMs = {100,   250,    500,    1'000,  2'000,  3'000,
                                                             5'000, 10'000, 20'000, 30'000, 60'000, 120'000};

  struct Cell {
    int hour = 0;  // 0..23, UTC
    std::int64_t count = 0;
    std::int64_t total_ms = 0;
    std::int64_t max_ms = 0;
    double p50_ms = 0;  // estimated from the histogram
    double p95_ms = 0;
  };
  struct Region {
    std::string region;
    std::vector<Cell> cells;  // only hours with at least one match, ascending
  };

  explicit MatchWaitHeatmap(std::size_t max_regions = 64) : max_regions_(max_regions) {}

  // A match was made at `unix_ms` after the user waited `wait_ms`. Thread-safe, O(1).
  void record_match_wait(std::string_view region, std::int64_t unix_ms, std::int64_t wait_ms);
  // Regions by name: this process's waits plus the other instances' (set_others).
  std::vector<Region> snapshot() const;

  // With several instances: this process's own accumulators as one line per
  // region and hour ("region hour count total_ms max_ms b0,b1,...,b12"), and
  // the other instances' encodings to merge into snapshot() (replacing the
  // previous set; malformed lines are skipped, at most max_regions regions
  // per instance).
  std::string encode() const;
  void set_others(const std::vector<std::string>& encoded);

 private:
  struct Acc {
    std::int64_t count = 0;
    std::int64_t total_ms = 0;
    std::int64_t max_ms = 0;
    std::array<std::int64_t, kBoundsMs.size() + 1> buckets{};
  };
  using Day = std::array<Acc, 24>;

  static double quantile(const Acc& a, double q);
  static void add(Acc& into, const Acc& a);  // one cell's waits summed into another

  const std::size_t max_regions_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Day> regions_;  // guarded by mu_
  std::unordered_map<std::string, Day> others_;   // other instances' waits summed; guarded by mu_
};

}  // namespace serendip::moderation
