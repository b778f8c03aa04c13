// Each instance's live figures, published with its heartbeat so that any
// instance can show the whole service on the admin dashboard: one field per
// instance in the HASH `{serendip}:figures` (the hash tag of the instance
// list), its value a compact text encoding. No I/O.
//
//   <written unix ms>|<online>|<queued>|<session sides>|<matches made per minute>|<mode>:<lang>=<n>,...
//     |<ICE connected>,<ICE failed>,<relayed (TURN)>,<shield blurs>
//
// The last field (call counts, cumulative since the instance started) came
// later: figures without it still parse (`calls` empty), so instances of the
// release before can be read during a rolling upgrade (they, in turn, skip
// the newer instances' figures until they are replaced). Ratios of the whole
// service (ICE success, TURN share, shield rate) come from these summed counts.
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

// Client-reported call outcomes on one instance, counted since it started.
struct CallCounts {
  std::uint64_t ice_connected = 0;
  std::uint64_t ice_failed = 0;
  std::uint64_t ice_relay = 0;  // connected calls whose selected candidate was a TURN relay
  std::uint64_t shield_blurs = 0;
  friend bool operator==(const CallCounts&, const CallCounts&) = default;
};

struct InstanceFigures {
  // The writer's own clock. Readers now count the instances the heartbeat
  // finds live instead; it is still written for instances of the release
  // before, which judge freshness by it during a rolling upgrade.
  std::int64_t written_unix_ms = 0;
  std::size_t online = 0;
  std::size_t queued = 0;
  std::size_t session_sides = 0;
  double matches_per_minute = 0;
  QueueLengths queued_by_mode_language;
  std::optional<CallCounts> calls;  // empty from an instance of the release before
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
  CallCounts calls;                      // of the instances that sent theirs
};
FiguresSum sum_figures(std::span<const InstanceFigures> all);

}  // namespace serendip::shared_state
