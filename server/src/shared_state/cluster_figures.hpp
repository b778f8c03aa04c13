// Each instance's live figures, published with its heartbeat so that any
// instance can show the whole service on the admin dashboard: one field per
// instance in the HASH `{serendip}:figures` (the hash tag of the instance
// list), its value a compact text encoding. No I/O.
//
//   <written unix ms>|<online>|<queued>|<session sides>|<matches made per minute>|<mode>:<lang>=<n>,...
//
// "Session sides" counts this instance's sockets in a call, so that a call
// across two instances counts once in the sum (sides / 2) and not twice.
// "Matches made" counts the matches this instance's scripts made (not those
// it only took part in), for the same reason.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/matchmaker.hpp"

namespace serendip::shared_state {

inline constexpr std::string_view kFiguresKey = "{serendip}:figures";

using QueueLengths = std::vector<std::pair<std::pair<core::Mode, std::string>, std::size_t>>;

struct InstanceFigures {
  std::int64_t written_unix_ms = 0;
  std::size_t online = 0;
  std::size_t queued = 0;
  std::size_t session_sides = 0;
  double matches_per_minute = 0;
  QueueLengths queued_by_mode_language;
  friend bool operator==(const InstanceFigures&, const InstanceFigures&) = default;
};

// Queue entries whose language holds a separator are left out (languages are
// validated tags long before this).
std::string format_figures(const InstanceFigures& f);
std::optional<InstanceFigures> parse_figures(std::string_view s);

struct FiguresSum {
  std::size_t instances = 0;
  std::size_t online = 0;
  std::size_t queued = 0;
  std::size_t active_sessions = 0;
  double matches_per_minute = 0;
  QueueLengths queued_by_mode_language;  // sorted by (mode, language)
};
FiguresSum sum_figures(std::span<const InstanceFigures> all);

}  // namespace serendip::shared_state
